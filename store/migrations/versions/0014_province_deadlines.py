"""A province's own deadlines, where an organizer extended the cycle's

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


def downgrade() -> None:
    with op.batch_alter_table("province_progress") as batch:
        for column in reversed(COLUMNS):
            batch.drop_column(column)
