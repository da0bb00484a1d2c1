"""Proposals: who may enter them, when, and which items (rules/data_entry.py, no Temporal)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from temporalio.exceptions import ApplicationError

from models.stages import Stage
from models.workflow_io import SubmitProposals
from rules.data_entry import check_proposals
from tests.helpers.progress import progress, proposal, token

NOW = datetime(2022, 2, 10, 10, tzinfo=ZoneInfo("Asia/Jakarta"))


def submit(state, actor: str, *items, token_of: str | None = None) -> SubmitProposals:  # type: ignore[no-untyped-def]
    return SubmitProposals(actor=actor, token=token(state, token_of or actor), items=list(items))


def test_the_coordinator_proposes_during_data_entry() -> None:
    state = progress()
    state.enter(Stage.DATA_ENTRY)
    person = check_proposals(state, submit(state, "P94-KOORD", proposal("94-1", "1.01")), NOW)
    assert person.id == "P94-KOORD"


@pytest.mark.parametrize(
    ("stage", "actor", "desk", "ref_twice", "reason"),
    [
        (Stage.PRE_MEETING, "P94-KOORD", "1.01", False, "accepted in DATA_ENTRY only"),
        (Stage.DATA_ENTRY, "NOBODY", "1.01", False, "unknown participant 'NOBODY'"),
        (Stage.DATA_ENTRY, "FAC-1.01", "1.01", False, "may not submit proposals"),
        (Stage.DATA_ENTRY, "KL-1.01-1", "W.01", False, "is not assigned to desk W.01"),
        (Stage.DATA_ENTRY, "P94-KOORD", "9.99", False, "unknown desk '9.99'"),
        (Stage.DATA_ENTRY, "P94-KOORD", "1.01", True, "item reference used twice: 94-1"),
    ],
)
def test_refused(stage: Stage, actor: str, desk: str, ref_twice: bool, reason: str) -> None:
    state = progress()
    state.enter(stage)
    items = [proposal("94-1", desk)] * (2 if ref_twice else 1)
    holder = actor if actor in state.people else "P94-KOORD"
    update = SubmitProposals(actor=actor, token=token(state, holder), items=items)
    with pytest.raises(ApplicationError, match=reason.replace("(", r"\(").replace(".", r"\.")):
        check_proposals(state, update, NOW)


def test_a_token_of_someone_else_is_refused() -> None:
    state = progress()
    state.enter(Stage.DATA_ENTRY)
    update = submit(state, "P94-KOORD", proposal("94-1", "1.01"), token_of="P94-SEKR")
    with pytest.raises(ApplicationError, match="the token belongs to P94-SEKR, not P94-KOORD"):
        check_proposals(state, update, NOW)


def test_no_token_is_refused() -> None:
    state = progress()
    state.enter(Stage.DATA_ENTRY)
    update = SubmitProposals(actor="P94-KOORD", items=[proposal("94-1", "1.01")])
    with pytest.raises(ApplicationError, match="no token"):
        check_proposals(state, update, NOW)


def test_no_link_acts_after_its_cycle_has_ended() -> None:
    state = progress()
    state.enter(Stage.DATA_ENTRY)
    update = submit(state, "P94-KOORD", proposal("94-1", "1.01"))
    ends = state.input.deadlines.cycle_ends_at
    check_proposals(state, update, ends - timedelta(minutes=1))
    with pytest.raises(ApplicationError, match=r"the token expired on .*: the cycle has ended"):
        check_proposals(state, update, ends)
