"""Writes the database refused for good are kept, for status and the board to show

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "write_failures",
        sa.Column("workflow_id", sa.String(length=64), primary_key=True),
        sa.Column("number", sa.Integer(), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(length=4), nullable=True),
        sa.Column("write", sa.String(length=64), nullable=False),
        sa.Column("error", sa.String(length=400), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_write_failures_year", "write_failures", ["year", "province"])


def downgrade() -> None:
    op.drop_index("ix_write_failures_year", table_name="write_failures")
    op.drop_table("write_failures")
