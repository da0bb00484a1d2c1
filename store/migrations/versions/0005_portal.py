"""The portal: who is invited to each session, signed-in browsers, the cycle as loaded

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cycles") as batch:
        batch.add_column(sa.Column("definition", sa.Text(), nullable=True))
    op.create_table(
        "session_invitees",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=40), nullable=False),
        sa.Column("participant", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("year", "session_id", "participant"),
    )
    op.create_index("ix_session_invitees_participant", "session_invitees", ["year", "participant"])
    op.create_table(
        "portal_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("participant", sa.String(length=64), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("user_agent", sa.String(length=400), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("portal_sessions")
    op.drop_index("ix_session_invitees_participant", table_name="session_invitees")
    op.drop_table("session_invitees")
    with op.batch_alter_table("cycles") as batch:
        batch.drop_column("definition")
