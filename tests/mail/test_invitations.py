"""Invitations, updates and cancellations as calendars and mail clients read them."""

from __future__ import annotations

import os
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from mail.compose import Composer, Recipient, Sender, attendee, compose, invitation, invitation_mold
from mail.dates import letter_datetime
from mail.mailing import calendars_for
from models.cycle import Organizer
from models.messages import CalendarEvent, MailKind, Outgoing, Region, SessionFacts
from models.reference import all_provinces

WIB = ZoneInfo("Asia/Jakarta")
GOLDEN = Path(__file__).parent / "golden"
ORGANIZER = Organizer(
    name="Direktorat Jenderal Bina Pembangunan Daerah Kementerian Dalam Negeri",
    unit="Direktorat PEIPD",
    mailbox="sekretariat.rakortek@bangda.kemendagri.test",
    sender="no-reply@rakortek.bangda.kemendagri.test",
)
SENDER = Sender(ORGANIZER.name, ORGANIZER.mailbox, ORGANIZER.sender)
PEOPLE = {
    "WIB": Recipient("P31-OPD-01", "Siti Rahmawati", "siti@dkijakarta.prov.test", "id", "Asia/Jakarta"),
    "WITA": Recipient(
        "P73-OPD-01", "Andi Pattiasina", "andi@sulawesiselatan.prov.test", "id", "Asia/Makassar"
    ),
    "WIT": Recipient("P94-OPD-01", "Yohanes Rumbiak", "yohanes@papua.prov.test", "id", "Asia/Jayapura"),
    "PNK": Recipient("P61-OPD-01", "Dayang Sari", "dayang@kalbarprov.test", "id", "Asia/Pontianak"),
    "EN": Recipient("KL-1.01-2", "Maria Wenda", "maria@kemendikbudristek.test", "en", "Asia/Jakarta"),
    "FAC": Recipient(
        "FAC-1.01",
        "Hendra <script>alert(1)</script>",
        "hendra@bangda.kemendagri.test",
        "id",
        "Asia/Jakarta",
        "facilitator",
    ),
}


def outgoing(kind: MailKind, sequence: int, province: str = "94", hour: int = 9) -> Outgoing:
    session = f"2022-{province}-1.01"
    return Outgoing(
        year=2022,
        organizer=ORGANIZER,
        kind=kind,
        subject_ref=session,
        province=province,
        session_id=session,
        sequence=sequence,
        recipients=list(PEOPLE),
        event=CalendarEvent(
            uid=f"rakortek-{session}@bangda.kemendagri.test",
            sequence=sequence,
            summary=f"Desk Urusan Pendidikan: Provinsi {all_provinces()[province].name}",
            starts_at=datetime(2022, 2, 21, hour, 0, tzinfo=WIB),
            ends_at=datetime(2022, 2, 21, hour + 1, 0, tzinfo=WIB),
            zone="Asia/Jakarta",
            location="Hotel Bidakara Grand Pancoran, Jakarta, Ruang Desk 1.01",
            online_link="https://vicon.kemendagri.test/rakortekrenbang-2022",
        ),
        facts=SessionFacts(
            region=Region(
                cycle_name="Rakortekrenbang Tahun 2022",
                plan_year=2023,
                province_name=all_provinces()[province].name,
            ),
            desk_title="Desk Urusan Pendidikan",
            minutes_before=60,
            reason="Narasumber K/L berhalangan",
        ),
        made_at=datetime(2022, 2, 7, 12, 0, tzinfo=WIB),
        links_expire_at=datetime(2022, 4, 30, tzinfo=WIB),
    )


def message(out: Outgoing, who: str = "WIT") -> EmailMessage:
    recipient = PEOPLE[who]
    calendar = invitation(out, recipient.language, SENDER, list(PEOPLE.values()))
    raw = compose(out, recipient, SENDER, calendar)
    return message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


def calendar_of(mail: EmailMessage) -> tuple[bytes, str]:
    inline = [p for p in mail.walk() if p.get_content_type() == "text/calendar" and not p.get_filename()]
    attached = [p for p in mail.walk() if p.get_filename() == "invite.ics"]
    assert len(inline) == 1 and len(attached) == 1
    data = inline[0].get_payload(decode=True)
    assert data == attached[0].get_payload(decode=True)
    return data, inline[0].get_param("method")


@pytest.mark.parametrize(
    ("kind", "method"), [(MailKind.SESSION_INVITE, "REQUEST"), (MailKind.SESSION_CANCEL, "CANCEL")]
)
def test_mime_structure_and_method(kind: MailKind, method: str) -> None:
    mail = message(outgoing(kind, 0 if method == "REQUEST" else 2))
    assert mail.get_content_type() == "multipart/mixed"
    alternative, attachment = mail.iter_parts()
    assert [p.get_content_type() for p in alternative.iter_parts()] == [
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    assert attachment.get_content_disposition() == "attachment"
    data, mime_method = calendar_of(mail)
    assert mime_method == method
    assert icalendar.Calendar.from_ical(data)["METHOD"] == method
    assert mail["From"].addresses[0].addr_spec == ORGANIZER.sender
    assert mail["Reply-To"].addresses[0].addr_spec == ORGANIZER.mailbox
    assert len(mail["To"].addresses) == 1


def test_lifecycle_keeps_uid_and_raises_sequence() -> None:
    steps = [
        outgoing(MailKind.SESSION_INVITE, 0),
        outgoing(MailKind.SESSION_UPDATE, 1, hour=13),
        outgoing(MailKind.SESSION_CANCEL, 2, hour=13),
    ]
    events = []
    for step in steps:
        data, method = calendar_of(message(step))
        # A second, independent parser in strict mode.
        strict = vobject.readOne(data.decode(), validate=True)
        assert strict.method.value == method
        calendar = icalendar.Calendar.from_ical(data)
        assert not calendar.get_missing_tzids()
        assert {tz["TZID"] for tz in calendar.walk("VTIMEZONE")} == {"Asia/Jakarta"}
        vevents = calendar.walk("VEVENT")
        assert len(vevents) == 1
        assert len(vevents[0].property_items()) and str(data).count("SEQUENCE:") == 1
        events.append(vevents[0])
    assert len({str(e["UID"]) for e in events}) == 1
    assert [int(e["SEQUENCE"]) for e in events] == [0, 1, 2]
    cancel = events[-1]
    assert cancel["STATUS"] == "CANCELLED" and not cancel.walk("VALARM")
    assert events[0].decoded("DTSTAMP").utcoffset().total_seconds() == 0
    attendee = events[0]["ATTENDEE"][0]
    assert str(attendee).startswith("mailto:")
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION" and attendee.params["RSVP"] == "TRUE"
    assert str(events[0]["ORGANIZER"]) == f"mailto:{ORGANIZER.mailbox}"


def test_conference_feature_is_a_list_and_link_is_in_description() -> None:
    data, _ = calendar_of(message(outgoing(MailKind.SESSION_INVITE, 0)))
    unfolded = data.decode().replace("\r\n ", "")
    assert "FEATURE=VIDEO,AUDIO" in unfolded and 'FEATURE="VIDEO,AUDIO"' not in unfolded
    assert (
        "DESCRIPTION:" in unfolded
        and "https://vicon.kemendagri.test/rakortekrenbang-2022" in unfolded.split("DESCRIPTION:")[1]
    )


@pytest.mark.parametrize(
    ("who", "local"),
    [
        ("WIB", "Senin, 21 Februari 2022, pukul 09.00 WIB."),
        # Pontianak's clock reads WIB too: one time, not two alike.
        ("PNK", "Senin, 21 Februari 2022, pukul 09.00 WIB."),
        ("WITA", "Senin, 21 Februari 2022, pukul 10.00 WITA (09.00 WIB)."),
        ("WIT", "Senin, 21 Februari 2022, pukul 11.00 WIT (09.00 WIB)."),
        ("EN", "Monday, 21 February 2022, 09:00 WIB."),
    ],
)
def test_times_in_the_recipients_zone_and_the_venues_only_where_it_differs(who: str, local: str) -> None:
    mail = message(outgoing(MailKind.SESSION_INVITE, 0), who)
    text = mail.get_body(("plain",)).get_content()
    assert local in text
    if who in ("WIB", "PNK", "EN"):
        # Nothing told twice: no venue time beside a reader's own that reads the same.
        assert "WIB (" not in text and "(09.00 WIB)" not in text and "(09:00 WIB)" not in text


def test_letter_dates_do_not_pad_the_day() -> None:
    assert (
        letter_datetime(datetime(2022, 3, 3, 9, tzinfo=WIB), "Asia/Jakarta")
        == "Kamis, 3 Maret 2022, pukul 09.00 WIB"
    )


def test_html_is_escaped() -> None:
    html = message(outgoing(MailKind.SESSION_INVITE, 0), "FAC").get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_a_mailing_renders_once_yet_each_recipient_reads_their_own_name_and_token() -> None:
    out = outgoing(MailKind.SESSION_INVITE, 0, "31")
    composer = Composer(out, SENDER)
    same_zone = [
        PEOPLE["WIB"],
        PEOPLE["FAC"],
        Recipient(
            "P31-OPD-02", "Dewi Ayu Ñoviantí & Rekan", "dewi@dkijakarta.prov.test", "id", "Asia/Jakarta"
        ),
    ]
    mails = {
        r.id: message_from_bytes(
            composer.message(r, None, [("action_token", f"token-of-{r.id}")]), policy=policy.default
        )
        for r in same_zone
    }
    assert len(composer.letters) == 1
    for r in same_zone:
        mail = mails[r.id]
        text = mail.get_body(("plain",)).get_content()
        html = mail.get_body(("html",)).get_content()
        assert (
            f"Yth. Bapak/Ibu {r.name}," in text and f"token-of-{r.id}" in text and f"token-of-{r.id}" in html
        )
        assert all(f"token-of-{other.id}" not in text for other in same_zone if other is not r)
        assert mail["To"].addresses[0].display_name == r.name and mail["To"].addresses[0].addr_spec == r.email
        assert "\ue000" not in text + html
    assert "Dewi Ayu Ñoviantí &amp; Rekan" in mails["P31-OPD-02"].get_body(("html",)).get_content()
    assert "&lt;script&gt;" in mails["FAC-1.01"].get_body(("html",)).get_content()
    # Each message is exactly what composing it on its own gives.
    for r in same_zone:
        alone = compose(out, r, SENDER, None, [("action_token", f"token-of-{r.id}")])
        assert composer.message(r, None, [("action_token", f"token-of-{r.id}")]) == alone


def test_a_crowds_calendar_names_only_its_recipient() -> None:
    out = outgoing(MailKind.SESSION_INVITE, 0)
    mold = invitation_mold(out, "id", SENDER)
    assert mold is not None
    for person in PEOPLE.values():
        calendar = icalendar.Calendar.from_ical(mold.with_attendees([attendee(person)]))
        (event,) = calendar.walk("VEVENT")
        attendees = event.get("attendee")
        assert str(attendees) == f"mailto:{person.email}" and attendees.params["CN"] == person.name
    everyone = mold.with_attendees([attendee(p) for p in PEOPLE.values()])
    assert everyone == invitation(out, "id", SENDER, list(PEOPLE.values()))


def test_message_id_is_deterministic_per_recipient_kind_and_sequence() -> None:
    first = message(outgoing(MailKind.SESSION_INVITE, 0))["Message-ID"]
    assert first == message(outgoing(MailKind.SESSION_INVITE, 0))["Message-ID"]
    assert first != message(outgoing(MailKind.SESSION_UPDATE, 1))["Message-ID"]
    assert first != message(outgoing(MailKind.SESSION_INVITE, 0), "WIB")["Message-ID"]


@pytest.mark.parametrize(
    ("zone", "province", "who"), [("wib", "31", "WIB"), ("wita", "73", "WITA"), ("wit", "94", "WIT")]
)
def test_golden_invitation(zone: str, province: str, who: str) -> None:
    mail = message(outgoing(MailKind.SESSION_INVITE, 0, province), who)
    parts = {
        "txt": mail.get_body(("plain",)).get_content(),
        "html": mail.get_body(("html",)).get_content(),
        "ics": calendar_of(mail)[0].decode(),
    }
    for suffix, content in parts.items():
        golden = GOLDEN / f"invitation-{zone}.{suffix}"
        if os.environ.get("UPDATE_GOLDEN"):
            golden.parent.mkdir(exist_ok=True)
            golden.write_bytes(content.encode("utf-8"))
        assert content == golden.read_bytes().decode("utf-8"), f"{golden} differs"


def test_a_delegates_invitation_carries_the_delegation_as_rfc_5546_says() -> None:
    delegator = PEOPLE["WIT"]
    stand_in = Recipient("P94-OPD-01.w1", "Yosef Kambu", "yosef.kambu@papua.prov.test", "id", "Asia/Jayapura")
    out = outgoing(MailKind.SESSION_INVITE, 0).model_copy(
        update={
            "recipients": [stand_in.id],
            "listed": [r.id for r in PEOPLE.values()],
            "variant": f"wakil-{stand_in.id}",
            "facts": outgoing(MailKind.SESSION_INVITE, 0).facts.model_copy(  # type: ignore[union-attr]
                update={
                    "answers": {delegator.id: "DELEGATED", "FAC-1.01": "ACCEPTED"},
                    "delegations": {delegator.id: stand_in.id},
                    "delegated_from": f"{delegator.name} (Bappeda Provinsi Papua)",
                }
            ),
        }
    )
    data = calendars_for(out, SENDER, [stand_in], list(PEOPLE.values()))(stand_in)
    assert data is not None
    strict = vobject.readOne(data.decode(), validate=True)
    attendees = {a.value.lower(): a.params for a in strict.vevent.contents["attendee"]}
    assert len(attendees) == len(PEOPLE) + 1
    by = attendees[f"mailto:{delegator.email}"]
    to = attendees[f"mailto:{stand_in.email}"]
    assert by["PARTSTAT"] == ["DELEGATED"] and by["DELEGATED-TO"] == [f"mailto:{stand_in.email}"]
    assert "RSVP" not in by
    assert to["PARTSTAT"] == ["NEEDS-ACTION"] and to["RSVP"] == ["TRUE"]
    assert to["DELEGATED-FROM"] == [f"mailto:{delegator.email}"]
    # The parameter values are quoted, as RFC 5545 requires of a cal-address list.
    assert f'DELEGATED-TO="mailto:{stand_in.email}"' in data.decode().replace("\r\n ", "")
    # The delegate's letter says who passed the invitation on.
    mail = message_from_bytes(compose(out, stand_in, SENDER, data), policy=policy.default)
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"sebagai disposisi dari {delegator.name} (Bappeda Provinsi Papua)" in " ".join(text.split())


@pytest.mark.parametrize(
    ("who", "said"),
    [
        (
            "WIT",
            "diubah dari Senin, 21 Februari 2022, pukul 11.00 WIT (09.00 WIB) menjadi "
            "Senin, 21 Februari 2022, pukul 16.00 WIT (14.00 WIB)",
        ),
        ("EN", "has moved from Monday, 21 February 2022, 09:00 WIB to Monday, 21 February 2022, 14:00 WIB"),
    ],
)
def test_an_update_says_what_it_moves_the_session_from(who: str, said: str) -> None:
    moved = outgoing(MailKind.SESSION_UPDATE, 1, hour=14)
    facts = moved.facts.model_copy(update={"moved_from": datetime(2022, 2, 21, 9, tzinfo=WIB)})
    text = message(moved.model_copy(update={"facts": facts}), who).get_body(("plain",)).get_content()
    assert said in " ".join(text.split())
    # Without a new time (a new room or link only), it says the time stands.
    same = message(outgoing(MailKind.SESSION_UPDATE, 1), who).get_body(("plain",)).get_content()
    assert ("tetap pada" if who == "WIT" else "stays on") in same


def test_an_invitation_follows_up_on_the_cycles_letter() -> None:
    from datetime import date

    from models.cycle import OfficialLetter

    letter = OfficialLetter(
        number="050/0411/Bangda", date=date(2022, 1, 26), subject="Undangan Rakortekrenbang"
    )
    invite = outgoing(MailKind.SESSION_INVITE, 0)
    facts = invite.facts.model_copy(
        update={"region": invite.facts.region.model_copy(update={"letter": letter})}
    )  # type: ignore[union-attr]
    text = message(invite.model_copy(update={"facts": facts}), "WIT").get_body(("plain",)).get_content()
    assert (
        "Menindaklanjuti surat Direktur Jenderal Bina Pembangunan Daerah Nomor 050/0411/Bangda tanggal "
        "26 Januari 2022 perihal Undangan Rakortekrenbang, kami mengundang Bapak/Ibu"
    ) in " ".join(text.split())
    english = message(invite.model_copy(update={"facts": facts}), "EN").get_body(("plain",)).get_content()
    assert "Following up on the letter of the Direktur Jenderal" in " ".join(english.split())
