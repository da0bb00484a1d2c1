"""Stage timeline, and the cycle clock and deadlines for overdue steps

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stage_changes",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(length=4), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("year", "province", "stage"),
    )
    with op.batch_alter_table("cycles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("calendar_origin", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("real_origin", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("speed", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("data_entry_deadline", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("confirmation_deadline", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("sign_off_deadline", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cycles", schema=None) as batch_op:
        batch_op.drop_column("sign_off_deadline")
        batch_op.drop_column("confirmation_deadline")
        batch_op.drop_column("data_entry_deadline")
        batch_op.drop_column("speed")
        batch_op.drop_column("real_origin")
        batch_op.drop_column("calendar_origin")

    op.drop_table("stage_changes")
