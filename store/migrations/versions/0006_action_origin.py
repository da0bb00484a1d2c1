"""The audit trail names the portal session, address and browser an action came from

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("actions") as batch:
        batch.add_column(sa.Column("portal_session", sa.String(length=16), nullable=False, server_default=""))
        batch.add_column(sa.Column("ip", sa.String(length=64), nullable=False, server_default=""))
        batch.add_column(sa.Column("user_agent", sa.String(length=400), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("actions") as batch:
        batch.drop_column("user_agent")
        batch.drop_column("ip")
        batch.drop_column("portal_session")
