"""A province's own deadlines, where an organizer extended the cycle's; the directory's version,
and who replaced whom

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

COLUMNS = ("data_entry_deadline", "confirmation_deadline", "sign_off_deadline")


def upgrade() -> None:
    with op.batch_alter_table("province_progress") as batch:
        for column in COLUMNS:
            batch.add_column(sa.Column(column, sa.DateTime(), nullable=True))
    with op.batch_alter_table("cycles") as batch:
        batch.add_column(sa.Column("directory_version", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("participants") as batch:
        batch.add_column(sa.Column("replaced_by", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("replaced_by")
    with op.batch_alter_table("cycles") as batch:
        batch.drop_column("directory_version")
    with op.batch_alter_table("province_progress") as batch:
        for column in reversed(COLUMNS):
            batch.drop_column(column)
