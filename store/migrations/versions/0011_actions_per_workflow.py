"""The audit trail is keyed on the workflow and the update id: an id chosen again for another
workflow no longer hides an action from it

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "actions", sa.Column("workflow_id", sa.String(length=64), nullable=False, server_default="")
    )
    # The workflow each recorded action went to, from its year and province (models/workflow_io.py).
    op.execute(
        "UPDATE actions SET workflow_id = 'rakortek-' || year || COALESCE('-province-' || province, '')"
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    # SQLite copies the table into one with the new key, from the table as it stands now.
    with op.batch_alter_table(
        "actions", recreate="always" if sqlite else "auto", copy_from=_actions() if sqlite else None
    ) as batch:
        batch.drop_constraint("actions_pkey", type_="primary")
        batch.create_primary_key("actions_pkey", ["workflow_id", "update_id"])


def _actions() -> sa.Table:
    """The actions table as 0010 left it and the column added above, its key a constraint of its
    own (not a flag on update_id), so that the copy can take the new key."""
    return sa.Table(
        "actions",
        sa.MetaData(),
        sa.Column("update_id", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(length=4), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("token_id", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("portal_session", sa.String(length=16), nullable=False, server_default=""),
        sa.Column("ip", sa.String(length=64), nullable=False, server_default=""),
        sa.Column("user_agent", sa.String(length=400), nullable=False, server_default=""),
        sa.Column("workflow_id", sa.String(length=64), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("update_id", name="actions_pkey"),
        sa.Index("ix_actions_year", "year"),
    )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("actions", recreate="always" if sqlite else "auto") as batch:
        if not sqlite:
            batch.drop_constraint("actions_pkey", type_="primary")
        batch.create_primary_key("actions_pkey", ["update_id"])
        batch.drop_column("workflow_id")
