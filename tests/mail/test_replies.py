"""Reading iTIP replies: the good ones, and every way one can be wrong."""

from __future__ import annotations

import pytest

from mail.replies import ReplyError, parse_reply
from tests.helpers.replies import AUTHSERV, eml, ics

TRUSTED = (AUTHSERV,)


def test_a_reply_names_session_attendee_and_answer() -> None:
    reply = parse_reply(eml(ics(sequence=1)), TRUSTED)
    assert (reply.year, reply.province, reply.desk) == (2022, "94", "1.01")
    assert (reply.attendee, reply.partstat, reply.sequence) == ("yohanes@papua.prov.test", "ACCEPTED", 1)


def test_the_pre_meeting() -> None:
    reply = parse_reply(
        eml(ics(uid="rakortek-2022-pra@bangda.kemendagri.test", partstat="DECLINED")), TRUSTED
    )
    assert reply.province is None and reply.desk is None and reply.partstat == "DECLINED"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        # Who sent it must be the attendee, and the organizer's own mail server must vouch for it.
        (ics().encode(), "a bare calendar file proves no sender"),
        (eml(ics(), sender=None), "no single readable From address"),
        (eml(ics(), sender="not an address"), "no single readable From address"),
        (eml(ics(), vouched=None), "did not vouch for papua.prov.test"),
        (eml(ics(), vouched="evil.test"), "did not vouch for papua.prov.test"),
        (eml(ics(), authserv="mx.evil.test"), "did not vouch for papua.prov.test"),
        (
            eml(ics(), sender="mallory@evil.test"),
            "mallory@evil.test may not set the status of yohanes@papua.prov.test",
        ),
        (eml(ics(method="REQUEST")), "METHOD is REQUEST, not REPLY"),
        (eml(ics(attendees=("a@x.test", "b@x.test"))), "names 2"),
        (eml(ics(attendees=())), "names no ATTENDEE"),
        (eml(ics(partstat="MAYBE")), "PARTSTAT MAYBE is not one of"),
        (eml(ics(uid="1234@calendar.example.org")), "unknown UID"),
        (b"\x00\x01garbage", "no single readable From address"),
        (eml("BEGIN:VCALENDAR\r\nthis is not ical"), "does not parse"),
    ],
)
def test_bad_replies_are_refused_with_the_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(ReplyError, match=reason.replace(".", r"\.").replace("(", r"\(")):
        parse_reply(raw, TRUSTED)


def test_without_a_trusted_mail_server_no_reply_is_recorded() -> None:
    with pytest.raises(ReplyError, match="set RAKORTEK_REPLY_AUTHSERV_ID"):
        parse_reply(eml(ics()), ())


def test_a_failed_check_is_no_vouching() -> None:
    raw = eml(ics(), vouched=None)
    failed = raw.replace(
        b"From:", f"Authentication-Results: {AUTHSERV}; dkim=fail header.d=papua.prov.test\nFrom:".encode(), 1
    )
    with pytest.raises(ReplyError, match="did not vouch"):
        parse_reply(failed, TRUSTED)
