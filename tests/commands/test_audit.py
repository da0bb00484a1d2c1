"""The audit trail reads in the order the actions were taken."""

from __future__ import annotations

from datetime import datetime

from activities.records import RecordActivities
from commands.audit import audit_trail
from models.records import ActionRecord, ActionRecords
from store.database import connect


def test_actions_stamped_with_one_moment_keep_the_order_they_were_taken_in(database_url: str) -> None:
    # A rehearsal's calendar stands still while the province has work in hand: an amendment and
    # the signatures after it can all carry 14 March 09.00. Their update ids sort the other way.
    engine = connect(database_url)
    moment = datetime(2022, 3, 14, 2, 0)
    taken = [("zz", "sign", "P94-KEPALA"), ("mm", "amend_outcome", "ORG-02"), ("aa", "sign", "ORG-01")]
    RecordActivities(engine).record_actions(
        ActionRecords(
            actions=[
                ActionRecord(
                    year=2022,
                    province="94",
                    workflow_id="rakortek-2022-province-94",
                    update_id=update_id,
                    action=action,
                    actor=actor,
                    token_id="",
                    detail="",
                    at=moment,
                    ordinal=ordinal,
                )
                for ordinal, (update_id, action, actor) in enumerate(taken, start=1)
            ]
        )
    )
    trail = audit_trail(engine, 2022, "94")
    assert [(a["action"], a["actor"]) for a in trail] == [(action, actor) for _, action, actor in taken]
    engine.dispose()
