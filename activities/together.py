"""The rows a burst of people acting at once leaves (audit rows, check-ins, outcomes): how each
kind is written, so that a kind's own write and the write of all of them in one transaction
(RecordActivities.record_together) do the same thing. Every write is keyed: a retry changes
nothing."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select, tuple_, update
from sqlalchemy.orm import Session
from temporalio.exceptions import ApplicationError

from models.records import ActionRecord, AttendanceEntry, OutcomeRecord
from models.stages import SessionState
from store.database import upsert, utc
from store.tables import ActionRow, AttendanceRow, OutcomeItemRow, SessionRow


def insert_actions(db: Session, records: Sequence[ActionRecord]) -> ApplicationError | None:
    """The audit rows not there yet. Returns, without raising, the refusal of an action whose
    key another action took already: the caller raises it after the commit, so that the other
    rows are kept and the collision is not lost unaudited."""
    if not records:
        return None
    rows = [{**record.model_dump(), "at": utc(record.at)} for record in records]
    upsert(db, ActionRow, rows, ["workflow_id", "update_id"], update=False)
    keys = [(r["workflow_id"], r["update_id"]) for r in rows]
    stored = {
        (row.workflow_id, row.update_id): row
        for row in db.scalars(
            select(ActionRow).where(tuple_(ActionRow.workflow_id, ActionRow.update_id).in_(keys))
        )
    }
    for row in rows:
        found = stored.get((row["workflow_id"], row["update_id"]))
        if found is not None and (found.action, found.actor, found.detail) != (
            row["action"],
            row["actor"],
            row["detail"],
        ):
            return ApplicationError(
                f"update {row['update_id']} of {row['workflow_id']} is audited already as another "
                f"action ({found.action} by {found.actor}): this {row['action']} by {row['actor']} "
                "would go unaudited",
                type="AuditCollision",
                non_retryable=True,
            )
    return None


def insert_check_ins(db: Session, entries: Sequence[AttendanceEntry]) -> None:
    """The first check-in stands; a second (another tab, a retry, an import after a person
    checked in themselves) changes nothing."""
    if entries:
        rows = [{**entry.model_dump(), "at": utc(entry.at)} for entry in entries]
        upsert(db, AttendanceRow, rows, ["year", "subject", "participant"], update=False)


def replace_outcome(db: Session, record: OutcomeRecord) -> None:
    """The session's outcome, in place of whatever it had."""
    rows = [
        {
            "year": record.year,
            "province": record.province,
            "session_id": record.session_id,
            **item.model_dump(mode="json"),
            "recorded_by": record.actor,
            "recorded_at": utc(record.at),
        }
        for item in record.items
    ]
    db.execute(delete(OutcomeItemRow).where(OutcomeItemRow.session_id == record.session_id))
    upsert(db, OutcomeItemRow, rows, ["year", "province", "ref"])
    db.execute(
        update(SessionRow)
        .where(SessionRow.id == record.session_id)
        .values(state=SessionState.OUTCOME_RECORDED.value)
    )
