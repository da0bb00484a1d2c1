"""The cycle-wide actions: the pre-meeting's attendance and replies (rules/pre_meeting.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from temporalio.exceptions import ApplicationError

from models.workflow_io import RecordAttendance, RecordReply
from rules.pre_meeting import check_attendance, check_reply
from tests.helpers.progress import cycle, progress, token


def refused(reason: str):  # type: ignore[no-untyped-def]
    return pytest.raises(ApplicationError, match=re.escape(reason))


def test_attendance_and_replies() -> None:
    c, state = cycle(), progress()
    people = {p.id: p for p in c.participants}
    during = c.pre_meeting.starts_at + timedelta(minutes=30)
    organizer = token(state, "ORG-02")
    good = RecordAttendance(actor="ORG-02", token=organizer, attended=10)
    assert check_attendance(c, people, good, during).id == "ORG-02"
    with refused("the pre-meeting has not started yet"):
        check_attendance(c, people, good, c.pre_meeting.starts_at - timedelta(minutes=1))
    too_many = RecordAttendance(actor="ORG-02", token=organizer, attended=len(c.participants) + 1)
    with refused(f"is more than the {len(c.participants)} invited"):
        check_attendance(c, people, too_many, during)
    # A province's token does not reach the cycle.
    coordinator = RecordAttendance(actor="P94-KOORD", token=token(state, "P94-KOORD"), attended=1)
    with refused("the token is for province 94, not "):
        check_attendance(c, people, coordinator, during)

    reply = RecordReply(actor="P94-KOORD", token=organizer, partstat="ACCEPTED", sequence=0)
    check_reply(c, people, reply, during)
    with refused("a desk session's reply goes to its province"):
        check_reply(c, people, reply.model_copy(update={"desk": "1.01"}), during)
    with refused("SEQUENCE 1 does not match the pre-meeting's 0"):
        check_reply(c, people, reply.model_copy(update={"sequence": 1}), during)
    with refused("unknown participant 'NOBODY'"):
        check_reply(c, people, reply.model_copy(update={"actor": "NOBODY"}), during)
    # A province's person answers the pre-meeting with their own token, not for someone else.
    own = token(state, "P94-KOORD")
    check_reply(c, people, reply.model_copy(update={"token": own}), during)
    with refused("this action needs a token of organizer"):
        check_reply(c, people, reply.model_copy(update={"actor": "ORG-02", "token": own}), during)
