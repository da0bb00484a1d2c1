"""Disposisi (rules/delegation.py, no Temporal): who may pass what on, to whom."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from temporalio.exceptions import ApplicationError

from models.stages import SessionState, Stage
from models.workflow_io import Delegate
from rules.delegation import check_delegate, delegate_of
from tests.helpers.progress import progress, token


def refused(reason: str):  # type: ignore[no-untyped-def]
    return pytest.raises(ApplicationError, match=re.escape(reason))


def delegate(state, actor: str, desk: str | None, email: str, name: str = "Yosef Kambu") -> Delegate:  # type: ignore[no-untyped-def]
    return Delegate(actor=actor, token=token(state, actor), desk=desk, name=name, email=email)


def test_an_invitee_passes_a_session_to_a_colleague_who_then_stands_in() -> None:
    state = progress()
    start = state.sessions["1.01"].starts_at
    update = delegate(state, "P94-OPD-01", "1.01", "yosef.kambu@papua.prov.test")
    delegator = check_delegate(state, update, start - timedelta(days=1))
    stand_in = delegate_of(state, delegator, update)
    assert (stand_in.id, stand_in.role, stand_in.province) == ("P94-OPD-01.w1", delegator.role, "94")
    assert stand_in.organisation == delegator.organisation and stand_in.desks == ("1.01",)
    state.delegate("1.01", delegator.id, stand_in)
    assert state.sessions["1.01"].recipients[-1] == "P94-OPD-01.w1"
    assert state.replies["1.01"]["P94-OPD-01"] == "DELEGATED"
    assert state.session_detail("1.01").delegations == {"P94-OPD-01": "P94-OPD-01.w1"}

    with refused("has already delegated the session at desk 1.01 to P94-OPD-01.w1"):
        check_delegate(state, update, start - timedelta(days=1))
    # The stand-in acts with a token of their own, and does not pass it on again.
    again = delegate(state, "P94-OPD-01.w1", "1.01", "maria.kambu@papua.prov.test")
    with refused("already stands in for someone"):
        check_delegate(state, again, start - timedelta(days=1))


def test_a_delegation_is_refused_with_its_reason() -> None:
    state = progress()
    session = state.sessions["1.01"]
    before = session.starts_at - timedelta(days=1)
    with refused("must be at @papua.prov.test, not @gmail.test"):
        check_delegate(state, delegate(state, "P94-OPD-01", "1.01", "yosef@gmail.test"), before)
    with refused("is not invited to the session at desk 1.01"):
        check_delegate(state, delegate(state, "P94-OPD-02", "1.01", "yosef@papua.prov.test"), before)
    with refused("is already in the directory"):
        check_delegate(state, delegate(state, "P94-OPD-01", "1.01", "joko.daeng@papua.prov.test"), before)
    with refused("can no longer be delegated"):
        check_delegate(state, delegate(state, "P94-OPD-01", "1.01", "yosef@papua.prov.test"), session.ends_at)
    session.state = SessionState.CANCELLED
    with refused("is cancelled: it can no longer be delegated"):
        check_delegate(state, delegate(state, "P94-OPD-01", "1.01", "yosef@papua.prov.test"), before)
    with refused("unknown desk"):
        check_delegate(state, delegate(state, "P94-OPD-01", "9.99", "yosef@papua.prov.test"), before)


def test_the_data_entry_is_passed_on_by_a_proposer_before_the_desks_begin() -> None:
    state = progress()
    state.enter(Stage.DATA_ENTRY)
    start = state.sessions["1.01"].starts_at - timedelta(days=7)
    update = delegate(state, "P94-OPD-03", None, "yosef.kambu@papua.prov.test")
    delegator = check_delegate(state, update, start)
    stand_in = delegate_of(state, delegator, update)
    state.delegate(None, delegator.id, stand_in)
    assert stand_in.id in state.people and state.delegations[""] == {"P94-OPD-03": stand_in.id}
    with refused("has already delegated the data entry"):
        check_delegate(state, update, start)
    with refused("may not delegate the data entry"):
        check_delegate(state, delegate(state, "FAC-1.01", None, "x.y@bangda.kemendagri.test"), start)
    state.enter(Stage.DESK_SESSIONS)
    with refused("the data entry is over"):
        check_delegate(state, delegate(state, "P94-OPD-04", None, "lain@papua.prov.test"), start)
