"""Disposisi (who stands in for whom) and revoked portal links

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delegations",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("delegator", sa.String(length=64), nullable=False),
        sa.Column("delegate", sa.String(length=64), nullable=False),
        sa.Column("province", sa.String(length=4), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("year", "subject", "delegator"),
    )
    op.create_index("ix_delegations_delegate", "delegations", ["year", "delegate"])
    op.create_table(
        "link_revocations",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("participant", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=400), nullable=False),
        sa.Column("revoked_by", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("year", "participant"),
    )


def downgrade() -> None:
    op.drop_table("link_revocations")
    op.drop_index("ix_delegations_delegate", table_name="delegations")
    op.drop_table("delegations")
