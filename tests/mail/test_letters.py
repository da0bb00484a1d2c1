"""Every kind of letter, in Bahasa Indonesia and English, as a reader in WIB, WITA, WIT and
Pontianak (WIB too) gets it: golden files, one per kind and language, reviewed by reading them.

UPDATE_GOLDEN=1 writes them again; a change shows in the diff, to be read before it is kept.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from email import message_from_bytes, policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mail.compose import Recipient, Sender, compose
from models.cycle import OfficialLetter, Organizer
from models.messages import (
    ActionRequiredFacts,
    AgreementSignedFacts,
    CalendarEvent,
    ConfirmationFacts,
    DataEntryFacts,
    DeadlineFacts,
    EscalationFacts,
    EscalationStep,
    MailFacts,
    MailKind,
    Outgoing,
    PreMeetingFacts,
    Region,
    SessionFacts,
    SignOffFacts,
)
from models.stages import ChaseStep, DeadlineStep, Party

GOLDEN = Path(__file__).parent / "golden" / "letters"
WIB = ZoneInfo("Asia/Jakarta")
ORGANIZER = Organizer(
    name="Direktorat Jenderal Bina Pembangunan Daerah Kementerian Dalam Negeri",
    unit="Direktorat Perencanaan, Evaluasi dan Informasi Pembangunan Daerah",
    mailbox="sekretariat.rakortek@bangda.kemendagri.test",
    sender="no-reply@rakortek.bangda.kemendagri.test",
)
SENDER = Sender(ORGANIZER.name, ORGANIZER.mailbox, ORGANIZER.sender)
LETTER = OfficialLetter(
    number="050/0411/Bangda", date=date(2022, 1, 26), subject="Undangan Rakortekrenbang Tahun 2022"
)
PAPUA = Region(cycle_name="Rakortekrenbang Tahun 2022", plan_year=2023, province_name="Papua", letter=LETTER)
READERS = {
    "WIB": "Asia/Jakarta",
    "Pontianak": "Asia/Pontianak",
    "WITA": "Asia/Makassar",
    "WIT": "Asia/Jayapura",
}
DEADLINE = datetime(2022, 3, 16, 16, tzinfo=WIB)
SESSION_EVENT = CalendarEvent(
    uid="rakortek-2022-94-1.01@bangda.kemendagri.test",
    sequence=1,
    summary="Desk Urusan Pendidikan: Provinsi Papua",
    starts_at=datetime(2022, 2, 21, 9, tzinfo=WIB),
    ends_at=datetime(2022, 2, 21, 10, tzinfo=WIB),
    zone="Asia/Jakarta",
    location="Hotel Bidakara Grand Pancoran, Jakarta, Ruang Desk 1.01",
    online_link="https://vicon.kemendagri.test/rakortekrenbang-2022",
)
PRE_EVENT = SESSION_EVENT.model_copy(
    update={
        "uid": "rakortek-2022-pra@bangda.kemendagri.test",
        "sequence": 0,
        "summary": "Pra-Rakortekrenbang Tahun 2022",
        "starts_at": datetime(2022, 2, 7, 9, tzinfo=WIB),
        "ends_at": datetime(2022, 2, 7, 12, tzinfo=WIB),
        "location": "Daring (dipandu dari Hotel Sotis Kemang, Jakarta)",
        "online_link": "https://vicon.kemendagri.test/pra-rakortekrenbang-2022",
    }
)
SESSION = SessionFacts(region=PAPUA, desk_title="Desk Urusan Pendidikan", minutes_before=60)
SHA = "3de70125f1320633a1ae23fd022f04a6439a9cb42269d66920a41ed728e56776"
DOCUMENT = "/srv/rakortek/output/2022/agreements/berita-acara-94.html"

LETTERS: dict[str, tuple[MailKind, MailFacts, CalendarEvent | None, str]] = {
    "pre_meeting_invite": (
        MailKind.PRE_MEETING_INVITE,
        PreMeetingFacts(
            cycle_name="Rakortekrenbang Tahun 2022",
            letter=LETTER,
            plan_year=2023,
            host_studio="Hotel Sotis Kemang, Jakarta",
            minutes_before=60,
        ),
        PRE_EVENT,
        "",
    ),
    "session_invite": (MailKind.SESSION_INVITE, SESSION, SESSION_EVENT, ""),
    "session_update": (
        MailKind.SESSION_UPDATE,
        SESSION.model_copy(update={"moved_from": datetime(2022, 2, 21, 14, tzinfo=WIB)}),
        SESSION_EVENT,
        "",
    ),
    "session_cancel": (
        MailKind.SESSION_CANCEL,
        SESSION.model_copy(update={"reason": "Narasumber K/L berhalangan"}),
        SESSION_EVENT,
        "",
    ),
    "session_reminder": (MailKind.SESSION_REMINDER, SESSION, SESSION_EVENT, "day-before"),
    "data_entry_open": (
        MailKind.DATA_ENTRY_OPEN,
        DataEntryFacts(region=PAPUA, deadline_at=DEADLINE, sessions=36),
        None,
        "",
    ),
    "confirmation_request": (
        MailKind.CONFIRMATION_REQUEST,
        ConfirmationFacts(region=PAPUA, deadline_at=DEADLINE, items_agreed=66),
        None,
        "",
    ),
    "sign_off_request": (
        MailKind.SIGN_OFF_REQUEST,
        SignOffFacts(region=PAPUA, party=Party.REGIONAL, deadline_at=DEADLINE, document=DOCUMENT, sha256=SHA),
        None,
        "",
    ),
    "sign_off_reminder": (
        MailKind.SIGN_OFF_REMINDER,
        SignOffFacts(region=PAPUA, party=Party.CENTRAL, deadline_at=DEADLINE, document=DOCUMENT, sha256=SHA),
        None,
        "",
    ),
    "escalation": (
        MailKind.ESCALATION,
        EscalationFacts(
            region=PAPUA, step=EscalationStep.SIGN_OFF, deadline_at=DEADLINE, unsigned=[Party.REGIONAL]
        ),
        None,
        "",
    ),
    "agreement_signed": (
        MailKind.AGREEMENT_SIGNED,
        AgreementSignedFacts(region=PAPUA, document=DOCUMENT, sha256=SHA),
        None,
        "",
    ),
    "action_required.jawaban": (
        MailKind.ACTION_REQUIRED,
        ActionRequiredFacts(
            region=PAPUA,
            step=ChaseStep.REPLY,
            deadline_at=datetime(2022, 2, 18, 8, tzinfo=WIB),
            desk_title="Desk Urusan Pendidikan",
        ),
        SESSION_EVENT,
        "jawaban-1",
    ),
    "action_required.usulan": (
        MailKind.ACTION_REQUIRED,
        ActionRequiredFacts(region=PAPUA, step=ChaseStep.PROPOSALS, deadline_at=DEADLINE),
        None,
        "usulan-2",
    ),
    "action_required.konfirmasi": (
        MailKind.ACTION_REQUIRED,
        ActionRequiredFacts(region=PAPUA, step=ChaseStep.CONFIRMATION, deadline_at=DEADLINE, count=12),
        None,
        "konfirmasi-3",
    ),
    "action_required.tanda-tangan": (
        MailKind.ACTION_REQUIRED,
        ActionRequiredFacts(region=PAPUA, step=ChaseStep.SIGNATURE, deadline_at=DEADLINE),
        None,
        "tanda-tangan-4",
    ),
    "deadline_extended": (
        MailKind.DEADLINE_EXTENDED,
        DeadlineFacts(
            region=PAPUA,
            step=DeadlineStep.DATA_ENTRY,
            deadline_at=datetime(2022, 2, 18, 16, tzinfo=WIB),
            previous_at=datetime(2022, 2, 16, 16, tzinfo=WIB),
            reason="banjir yang melanda Kota Jayapura",
        ),
        None,
        "entri-data-20220218T0900Z",
    ),
}


def letter_text(name: str, language: str, zone: str) -> str:
    kind, facts, event, variant = LETTERS[name]
    outgoing = Outgoing(
        year=2022,
        organizer=ORGANIZER,
        kind=kind,
        variant=variant,
        subject_ref="2022-94-1.01",
        province="94",
        session_id="2022-94-1.01" if event is SESSION_EVENT else None,
        sequence=1,
        recipients=["P94-KEPALA"],
        event=event,
        facts=facts,
        made_at=datetime(2022, 2, 7, 12, tzinfo=WIB),
        links_expire_at=datetime(2022, 4, 15, tzinfo=WIB),
    )
    reader = Recipient("P94-KEPALA", "Agus Wibowo", "agus.wibowo@papua.prov.test", language, zone)
    message = message_from_bytes(compose(outgoing, reader, SENDER, None), policy=policy.default)
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    return f"Subject: {message['Subject']}\n\n{body}"


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("name", list(LETTERS))
def test_every_letter_in_every_zone_matches_its_golden_file(name: str, language: str) -> None:
    text = "".join(
        f"=== {label} ({zone})\n{letter_text(name, language, zone)}\n" for label, zone in READERS.items()
    )
    golden = GOLDEN / f"{name}.{language}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
    # What no reader should get: a path on the server, the same time twice, a unit for a position.
    assert "/srv/rakortek" not in text
    assert "WIB (Senin" not in text and "(09.00 WIB)" not in text.split("=== WITA")[0]
    assert "Ditjen Bina Pembangunan Daerah, Kemendagri" not in text
