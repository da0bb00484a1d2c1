"""A participant's NIP, position (jabatan) and acting title (Plt., Plh.), for the agreement's
signature blocks

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.add_column(sa.Column("nip", sa.String(length=18), nullable=True))
        batch.add_column(sa.Column("position", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("acting", sa.String(length=4), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("acting")
        batch.drop_column("position")
        batch.drop_column("nip")
