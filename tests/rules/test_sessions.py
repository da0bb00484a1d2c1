"""A desk session's state machine (models/sessions.py): every transition, and the impossible ones."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from models.sessions import TransitionRefused
from models.stages import SessionState
from tests.helpers.progress import progress

LATER = datetime(2022, 3, 2, 8, tzinfo=ZoneInfo("Asia/Jakarta"))


def test_invite_hold_record() -> None:
    session = progress().sessions["1.01"]
    session.invite()
    assert session.state is SessionState.INVITED
    session.hold()
    session.record_outcome("FAC-1.01")
    assert (session.state, session.outcome_by) == (SessionState.OUTCOME_RECORDED, "FAC-1.01")
    session.hold()  # the outcome may come before the coroutine wakes: it stays recorded
    session.invite()  # a late invitation leaves it as it is
    assert session.state is SessionState.OUTCOME_RECORDED


def test_move_cancel_and_hold_again() -> None:
    session = progress().sessions["1.01"]
    session.invite()
    moved = session.rescheduled(LATER, "Ruang Garuda", None)
    assert session.sequence == 0, "a change takes effect only when taken"
    session.take(moved)
    assert (session.starts_at, session.room, session.sequence, session.state) == (
        LATER,
        "Ruang Garuda",
        1,
        SessionState.SCHEDULED,
    )
    assert session.ends_at - session.starts_at == moved.ends_at - moved.starts_at
    session.take(session.cancelled())
    assert (session.state, session.sequence) == (SessionState.CANCELLED, 2)
    with pytest.raises(TransitionRefused, match="can no longer be cancelled"):
        session.cancelled()
    with pytest.raises(TransitionRefused, match="cannot be invited"):
        session.invite()
    with pytest.raises(TransitionRefused, match="cannot be given an outcome"):
        session.record_outcome("FAC-1.01")
    session.take(session.rescheduled(LATER, None, None))
    assert (session.state, session.sequence) == (SessionState.SCHEDULED, 3)


def test_a_stale_change_is_refused() -> None:
    session = progress().sessions["1.01"]
    first = session.rescheduled(LATER, None, None)
    session.take(session.cancelled())
    with pytest.raises(TransitionRefused, match="not the next version"):
        session.take(first)
