"""Initial schema: cycles, sessions, outcomes, agreements, outbox

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agreements",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(length=4), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rendered_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("year", "province"),
    )
    op.create_table(
        "confirmations",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(length=4), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("location_ready", sa.Boolean(), nullable=False),
        sa.Column("target_confirmed", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("confirmed_by", sa.String(length=64), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("year", "province", "ref"),
    )
    op.create_table(
        "cycles",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("plan_year", sa.Integer(), nullable=False),
        sa.Column("venue_zone", sa.String(length=64), nullable=False),
        sa.Column("venue", sa.String(length=300), nullable=False),
        sa.Column("organizer_name", sa.String(length=300), nullable=False),
        sa.Column("attended", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("year"),
    )
    op.create_table(
        "desks",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("lead_agency", sa.String(length=300), nullable=False),
        sa.Column("title", sa.String(length=320), nullable=False),
        sa.PrimaryKeyConstraint("year", "code"),
    )
    op.create_table(
        "outbox",
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(length=4), nullable=True),
        sa.Column("session_id", sa.String(length=40), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=400), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("message_id"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_session_id"), ["session_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_year"), ["year"], unique=False)

    op.create_table(
        "outcome_items",
        sa.Column("session_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(length=4), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("desk", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("indicator", sa.String(length=300), nullable=False),
        sa.Column("target_value", sa.Float(), nullable=False),
        sa.Column("target_unit", sa.String(length=40), nullable=False),
        sa.Column("location", sa.String(length=120), nullable=False),
        sa.Column("budget_rupiah", sa.BigInteger(), nullable=False),
        sa.Column("funding_source", sa.String(length=30), nullable=False),
        sa.PrimaryKeyConstraint("year", "province", "ref"),
    )
    with op.batch_alter_table("outcome_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outcome_items_session_id"), ["session_id"], unique=False)

    op.create_table(
        "participants",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("organisation", sa.String(length=300), nullable=False),
        sa.Column("province", sa.String(length=4), nullable=True),
        sa.Column("desks", sa.String(length=400), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("year", "id"),
    )
    op.create_table(
        "proposals",
        sa.Column("proposed_by", sa.String(length=10), nullable=False),
        sa.Column("submitted_by", sa.String(length=64), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(length=4), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("desk", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("indicator", sa.String(length=300), nullable=False),
        sa.Column("target_value", sa.Float(), nullable=False),
        sa.Column("target_unit", sa.String(length=40), nullable=False),
        sa.Column("location", sa.String(length=120), nullable=False),
        sa.Column("budget_rupiah", sa.BigInteger(), nullable=False),
        sa.Column("funding_source", sa.String(length=30), nullable=False),
        sa.PrimaryKeyConstraint("year", "province", "ref"),
    )
    op.create_table(
        "province_progress",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(length=4), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("stage_since", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("year", "province"),
    )
    op.create_table(
        "replies",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("participant", sa.String(length=64), nullable=False),
        sa.Column("partstat", sa.String(length=12), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("replied_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("year", "subject", "participant"),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(length=4), nullable=False),
        sa.Column("desk", sa.String(length=16), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("room", sa.String(length=200), nullable=False),
        sa.Column("online_link", sa.String(length=300), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index("ix_sessions_desk_time", ["year", "desk", "starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_sessions_year"), ["year"], unique=False)

    op.create_table(
        "signatures",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(length=4), nullable=False),
        sa.Column("party", sa.String(length=10), nullable=False),
        sa.Column("signer", sa.String(length=64), nullable=False),
        sa.Column("signer_name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("year", "province", "party"),
    )


def downgrade() -> None:
    op.drop_table("signatures")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sessions_year"))
        batch_op.drop_index("ix_sessions_desk_time")

    op.drop_table("sessions")
    op.drop_table("replies")
    op.drop_table("province_progress")
    op.drop_table("proposals")
    op.drop_table("participants")
    with op.batch_alter_table("outcome_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outcome_items_session_id"))

    op.drop_table("outcome_items")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_year"))
        batch_op.drop_index(batch_op.f("ix_outbox_session_id"))

    op.drop_table("outbox")
    op.drop_table("desks")
    op.drop_table("cycles")
    op.drop_table("confirmations")
    op.drop_table("agreements")
