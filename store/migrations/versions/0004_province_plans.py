"""Each province's plan, loaded by its workflow instead of carried in its input

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "province_plans",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(length=4), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("year", "province"),
    )


def downgrade() -> None:
    op.drop_table("province_plans")
