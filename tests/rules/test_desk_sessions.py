"""Desk outcomes, moves, cancellations and replies (rules/desk_sessions.py, no Temporal)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from temporalio.exceptions import ApplicationError

from models.items import ItemStatus
from models.sessions import TransitionRefused
from models.stages import SessionState, Stage
from models.workflow_io import (
    CancelSession,
    CheckIn,
    ImportAttendance,
    Presence,
    RecordOutcome,
    RecordReply,
    RescheduleSession,
)
from rules.desk_sessions import (
    check_cancel,
    check_check_in,
    check_import,
    check_outcome,
    check_reply,
    check_reschedule,
)
from tests.helpers.progress import outcome, progress, token

WIB = ZoneInfo("Asia/Jakarta")


def refused(reason: str):  # type: ignore[no-untyped-def]
    return pytest.raises(ApplicationError, match=re.escape(reason))


def record(state, desk: str = "1.01", actor: str = "FAC-1.01", ref: str = "94-1") -> RecordOutcome:  # type: ignore[no-untyped-def]
    return RecordOutcome(actor=actor, token=token(state, actor), desk=desk, items=[outcome(ref, desk)])


def test_the_facilitator_records_once_the_session_has_started() -> None:
    state = progress()
    state.enter(Stage.DESK_SESSIONS)
    session = state.sessions["1.01"]
    assert check_outcome(state, record(state), session.starts_at).id == "FAC-1.01"
    with refused("has not started yet"):
        check_outcome(state, record(state), session.starts_at - timedelta(minutes=1))


def test_outcome_refusals() -> None:
    state = progress()
    start = state.sessions["1.01"].starts_at
    with refused("recorded in DESK_SESSIONS only"):
        check_outcome(state, record(state), start)
    state.enter(Stage.DESK_SESSIONS)
    with refused("unknown desk '9.99'"):
        check_outcome(state, record(state, desk="9.99"), start)
    with refused("is not assigned to desk 1.01"):
        check_outcome(state, record(state, actor="FAC-W.01"), start)
    with refused("may not record a desk outcome"):
        check_outcome(state, record(state, actor="P94-KOORD"), start)
    other = RecordOutcome(
        actor="FAC-1.01", token=token(state, "FAC-1.01"), desk="1.01", items=[outcome("94-1", "W.01")]
    )
    with refused("item 94-1 belongs to desk W.01, not 1.01"):
        check_outcome(state, other, start)
    reasonless = RecordOutcome(
        actor="FAC-1.01",
        token=token(state, "FAC-1.01"),
        desk="1.01",
        items=[outcome("94-1", "1.01", ItemStatus.NOT_AGREED)],
    )
    with refused("item 94-1 is not agreed: its reason is required (notes)"):
        check_outcome(state, reasonless, start)
    state.record_outcome("W.01", [outcome("94-1", "W.01", ItemStatus.AGREED)], "FAC-W.01")
    with refused("item 94-1 is already part of another desk's outcome"):
        check_outcome(state, record(state), max(start, state.sessions["W.01"].starts_at))
    cancelled = state.sessions["1.01"].cancelled()
    state.take_change(cancelled, reason="Narasumber berhalangan")
    with refused("the session at desk 1.01 is cancelled"):
        check_outcome(state, record(state), start)


def move(state, desk: str, at: datetime, actor: str = "ORG-02") -> RescheduleSession:  # type: ignore[no-untyped-def]
    return RescheduleSession(actor=actor, token=token(state, actor), desk=desk, starts_at=at)


def test_reschedule_refusals() -> None:
    state = progress()
    now = datetime(2022, 2, 18, 10, tzinfo=WIB)
    wednesday_morning = datetime(2022, 3, 2, 8, tzinfo=WIB)
    assert check_reschedule(state, move(state, "1.01", wednesday_morning), now).id == "ORG-02"
    with refused("is in the past"):
        check_reschedule(state, move(state, "1.01", now - timedelta(hours=1)), now)
    with refused("outside the desk window"):
        check_reschedule(state, move(state, "1.01", datetime(2022, 3, 10, 9, tzinfo=WIB)), now)
    # 14.30 WIB is 16.30 WIT, after Papua's office hours; 07.00 WIB is before Jakarta's.
    with refused("outside the working hours of the province (Asia/Jayapura)"):
        check_reschedule(state, move(state, "1.01", datetime(2022, 3, 2, 14, 30, tzinfo=WIB)), now)
    with refused("outside the working hours of the venue (Asia/Jakarta)"):
        check_reschedule(state, move(state, "1.01", datetime(2022, 3, 2, 7, tzinfo=WIB)), now)
    # A Saturday is nobody's working day; 3 March 2022 was Nyepi.
    with refused("2022-03-05 is not a working day"):
        check_reschedule(state, move(state, "1.01", datetime(2022, 3, 5, 9, tzinfo=WIB)), now)
    with refused("2022-03-03 is a public holiday"):
        check_reschedule(state, move(state, "1.01", datetime(2022, 3, 3, 9, tzinfo=WIB)), now)
    with refused("may not reschedule a session"):
        check_reschedule(state, move(state, "1.01", wednesday_morning, actor="KL-1.01-1"), now)
    with refused("is not assigned to desk 1.01: may not reschedule its session"):
        check_reschedule(state, move(state, "1.01", wednesday_morning, actor="FAC-W.01"), now)
    naive = RescheduleSession(
        actor="ORG-02", token=token(state, "ORG-02"), desk="1.01", starts_at=datetime(2022, 3, 4, 9)
    )
    with refused("needs a time zone offset"):
        check_reschedule(state, naive, now)


def test_at_most_n_in_parallel() -> None:
    state = progress()
    now = datetime(2022, 2, 18, 10, tzinfo=WIB)
    at = datetime(2022, 3, 2, 8, tzinfo=WIB)
    for desk in ("2.22", "W.01"):
        state.sessions[desk].take(state.sessions[desk].rescheduled(at, None, None))
    limited = state.model_copy(update={"input": state.input.model_copy(update={"max_parallel": 2})})
    with refused("already has 2 sessions at that time (at most 2 in parallel)"):
        check_reschedule(limited, move(state, "1.01", at), now)


def test_a_held_session_neither_moves_nor_is_cancelled() -> None:
    state = progress()
    session = state.sessions["1.01"]
    session.invite()
    session.hold()
    now = session.starts_at
    with refused("has already been held"):
        check_reschedule(state, move(state, "1.01", datetime(2022, 3, 2, 8, tzinfo=WIB)), now)
    cancel = CancelSession(actor="ORG-02", token=token(state, "ORG-02"), desk="1.01", reason="x")
    with refused("has already been held"):
        check_cancel(state, cancel, now)
    with pytest.raises(TransitionRefused, match="has already been held"):
        session.rescheduled(datetime(2022, 3, 4, 9, tzinfo=WIB), None, None)


def test_cancel_twice_and_after_the_desk_sessions() -> None:
    state = progress()
    now = datetime(2022, 2, 18, 10, tzinfo=WIB)
    cancel = CancelSession(actor="ORG-02", token=token(state, "ORG-02"), desk="1.01", reason="x")
    check_cancel(state, cancel, now)
    state.take_change(state.sessions["1.01"].cancelled(), reason="x")
    assert state.sessions["1.01"].state is SessionState.CANCELLED
    with refused("is already cancelled"):
        check_cancel(state, cancel, now)
    state.enter(Stage.CONFIRMATION)
    with refused("sessions cannot change in CONFIRMATION"):
        check_cancel(state, cancel, now)


def test_replies() -> None:
    state = progress()
    now = datetime(2022, 2, 18, 10, tzinfo=WIB)
    organizer = token(state, "ORG-02")
    accepted = RecordReply(actor="FAC-1.01", token=organizer, desk="1.01", partstat="ACCEPTED", sequence=0)
    check_reply(state, accepted, now)
    with refused("is not invited to the session at desk 1.01"):
        check_reply(state, accepted.model_copy(update={"actor": "FAC-W.01"}), now)
    with refused("SEQUENCE 3 is newer than the session's 0"):
        check_reply(state, accepted.model_copy(update={"sequence": 3}), now)
    # The invitee answers for themselves (the portal); anyone else needs an organizer's token.
    check_reply(state, accepted.model_copy(update={"token": token(state, "FAC-1.01")}), now)
    with refused("this action needs a token of organizer"):
        check_reply(state, accepted.model_copy(update={"token": token(state, "P94-KOORD")}), now)
    # A calendar may still answer an invitation after its session was cancelled: nothing to answer.
    state.sessions["1.01"] = state.sessions["1.01"].cancelled()
    with refused("is cancelled: there is nothing to answer"):
        check_reply(state, accepted, now)
    state.plan_loaded = False
    with refused("still loading its plan"):
        check_reply(state, accepted, now)


def test_a_damaged_token_on_a_reply_is_refused_as_damaged() -> None:
    state = progress()
    reply = RecordReply(actor="FAC-1.01", token="not.a.token", desk="1.01", partstat="ACCEPTED", sequence=0)
    with refused("the token is not valid here"):
        check_reply(state, reply, datetime(2022, 2, 18, 10, tzinfo=WIB))


def test_check_in_from_half_an_hour_before_until_the_end() -> None:
    state = progress()
    session = state.sessions["1.01"]
    check_in = CheckIn(actor="FAC-1.01", token=token(state, "FAC-1.01"), desk="1.01", mode="online")
    with refused("opens half an hour before it begins"):
        check_check_in(state, check_in, session.starts_at - timedelta(minutes=31))
    assert check_check_in(state, check_in, session.starts_at - timedelta(minutes=30)).id == "FAC-1.01"
    assert check_check_in(state, check_in, session.ends_at).id == "FAC-1.01"
    with refused("has ended"):
        check_check_in(state, check_in, session.ends_at + timedelta(minutes=1))
    other = CheckIn(actor="FAC-W.01", token=token(state, "FAC-W.01"), desk="1.01", mode="onsite")
    with refused("is not invited to the session at desk 1.01"):
        check_check_in(state, other, session.starts_at)
    state.take_change(session.cancelled(), reason="x")
    with refused("is cancelled"):
        check_check_in(state, check_in, session.starts_at)


def test_a_video_report_is_imported_by_the_desks_facilitator_for_its_invitees() -> None:
    state = progress()
    session = state.sessions["1.01"]
    joined = session.starts_at + timedelta(minutes=3)

    def imported(actor: str, who: str = "P94-OPD-01", at: datetime = joined) -> ImportAttendance:
        return ImportAttendance(
            actor=actor,
            token=token(state, actor),
            desk="1.01",
            source="Zoom",
            present=[Presence(participant=who, joined_at=at)],
        )

    assert check_import(state, imported("FAC-1.01"), session.ends_at).id == "FAC-1.01"
    assert check_import(state, imported("ORG-02"), session.ends_at).id == "ORG-02"
    with refused("has not started yet"):
        check_import(state, imported("FAC-1.01"), session.starts_at - timedelta(minutes=1))
    with refused("is not assigned to desk 1.01"):
        check_import(state, imported("FAC-2.22"), session.ends_at)
    with refused("may not import a session's attendance"):
        check_import(state, imported("P94-OPD-01"), session.ends_at)
    with refused("P94-OPD-02 is not invited to the session at desk 1.01"):
        check_import(state, imported("FAC-1.01", "P94-OPD-02"), session.ends_at)
    with refused("outside the session"):
        check_import(state, imported("FAC-1.01", at=session.ends_at + timedelta(hours=2)), session.ends_at)
