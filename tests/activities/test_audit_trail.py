"""The audit trail keeps one action per workflow and update id: the same row again changes
nothing, another action under a key already taken fails loudly and the rest is kept."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from temporalio.exceptions import ApplicationError

from activities.records import RecordActivities
from models.records import ActionRecord, ActionRecords, AttendanceEntry, TogetherRecords
from store.tables import ActionRow, AttendanceRow, OutcomeItemRow, SessionRow
from tests.helpers.mail import registered_cycle
from tests.helpers.plan import plan_and_store
from tests.helpers.progress import outcome_record


def action(
    update_id: str, actor: str, what: str, workflow: str = "rakortek-2022-province-94"
) -> ActionRecord:
    return ActionRecord(
        year=2022,
        province="94",
        workflow_id=workflow,
        update_id=update_id,
        action=what,
        actor=actor,
        token_id="t",
        detail=what,
        at=datetime(2022, 2, 21, 2, tzinfo=UTC),
    )


def test_a_second_action_under_a_taken_key_fails_loudly(database_url: str, tmp_path: Path) -> None:
    _, engine = registered_cycle(tmp_path, database_url)
    records = RecordActivities(engine)
    first = action("u-1", "P94-KOORD", "submit_proposals")
    records.record_actions(ActionRecords(actions=[first]))
    records.record_actions(ActionRecords(actions=[first]))  # a retried write: nothing new
    # The same id on another workflow is another action.
    records.record_actions(ActionRecords(actions=[action("u-1", "ORG-02", "check_in", "rakortek-2022")]))
    with pytest.raises(ApplicationError, match="is audited already as another action") as refused:
        records.record_actions(
            ActionRecords(
                actions=[action("u-2", "FAC-1.01", "record_outcome"), action("u-1", "ORG-02", "cancel")]
            )
        )
    assert refused.value.non_retryable and refused.value.type == "AuditCollision"
    with Session(engine) as db:
        kept = {(r.workflow_id, r.update_id): (r.actor, r.action) for r in db.scalars(select(ActionRow))}
    assert kept == {
        ("rakortek-2022-province-94", "u-1"): ("P94-KOORD", "submit_proposals"),
        ("rakortek-2022", "u-1"): ("ORG-02", "check_in"),
        # The batch's other row is kept.
        ("rakortek-2022-province-94", "u-2"): ("FAC-1.01", "record_outcome"),
    }


def test_outcomes_check_ins_and_their_audit_rows_go_in_one_write_and_a_collision_keeps_the_rest(
    database_url: str, tmp_path: Path
) -> None:
    cycle, engine = registered_cycle(tmp_path, database_url)
    session = plan_and_store(engine, cycle)[0]
    records = RecordActivities(engine)
    records.record_actions(ActionRecords(actions=[action("u-1", "P94-KOORD", "submit_proposals")]))
    at = datetime(2022, 2, 21, 9, tzinfo=UTC)
    together = TogetherRecords(
        actions=[action("u-2", "FAC-1.01", "record_outcome"), action("u-1", "ORG-02", "cancel")],
        check_ins=[
            AttendanceEntry(
                year=2022, subject=session.id, participant="FAC-1.01", mode="onsite", source="portal", at=at
            )
        ],
        outcomes=[outcome_record(session.id, "1.01", ["1.01-1"], at)],
    )
    # The second audit row takes a key another action holds: refused, loudly, after the commit.
    with pytest.raises(ApplicationError, match="is audited already as another action") as refused:
        records.record_together(together)
    assert refused.value.non_retryable and refused.value.type == "AuditCollision"
    with Session(engine) as db:
        assert list(db.scalars(select(OutcomeItemRow.ref))) == ["1.01-1"]
        assert db.get(SessionRow, session.id).state == "outcome_recorded"  # type: ignore[union-attr]
        assert list(db.scalars(select(AttendanceRow.participant))) == ["FAC-1.01"]
        kept = {r.update_id: (r.actor, r.action) for r in db.scalars(select(ActionRow))}
    assert kept == {"u-1": ("P94-KOORD", "submit_proposals"), "u-2": ("FAC-1.01", "record_outcome")}
