"""What one mailing sends each recipient: the facts of its kind, its tokens, its wording."""

from __future__ import annotations

from datetime import datetime
from email import message_from_bytes, policy
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from pydantic import ValidationError

from mail.compose import Recipient, Sender
from mail.mailing import Mailing
from models.cycle import Organizer
from models.messages import (
    AgreementSignedFacts,
    DataEntryFacts,
    EscalationFacts,
    EscalationStep,
    MailFacts,
    MailKind,
    Outgoing,
    Region,
    SignOffFacts,
)
from models.stages import Party
from security.tokens import SIGN, TokenIssuer

WIT = ZoneInfo("Asia/Jayapura")
ORGANIZER = Organizer(
    name="Direktorat Jenderal Bina Pembangunan Daerah Kementerian Dalam Negeri",
    unit="Direktorat PEIPD",
    mailbox="sekretariat.rakortek@bangda.kemendagri.test",
    sender="no-reply@rakortek.bangda.kemendagri.test",
)
SENDER = Sender(ORGANIZER.name, ORGANIZER.mailbox, ORGANIZER.sender)
PAPUA = Region(cycle_name="Rakortekrenbang Tahun 2022", plan_year=2023, province_name="Papua")
KEPALA = Recipient(
    "P94-KEPALA", "Yohanes Rumbiak", "kepala@papua.prov.test", "id", "Asia/Jayapura", "regional_signer", "94"
)
ORGANIZER_EN = Recipient(
    "ORG-02", "Maria Wenda", "maria@bangda.kemendagri.test", "en", "Asia/Jakarta", "organizer"
)
SECRET = "test-token-secret-of-at-least-32-bytes"
DEADLINE = datetime(2022, 3, 16, 16, tzinfo=WIT)


def mailing(kind: MailKind, facts: MailFacts, recipient: Recipient) -> Mailing:
    outgoing = Outgoing(
        year=2022,
        organizer=ORGANIZER,
        kind=kind,
        subject_ref="2022-94",
        province="94",
        recipients=[recipient.id],
        facts=facts,
        made_at=datetime(2022, 3, 9, 12, tzinfo=WIT),
        links_expire_at=datetime(2022, 4, 30, tzinfo=WIT),
    )
    return Mailing(outgoing, SENDER, [recipient], TokenIssuer(SECRET))


def text_of(mailing: Mailing) -> str:
    (letter,) = mailing.letters(mailing.recipients)
    parsed = message_from_bytes(letter.message, policy=policy.default)
    return f"{parsed['Subject']}\n{parsed.get_body(('plain',)).get_content()}"  # type: ignore[union-attr]


def test_a_sign_off_request_carries_a_signature_token_for_its_document_and_nothing_else_does() -> None:
    request = mailing(
        MailKind.SIGN_OFF_REQUEST,
        SignOffFacts(
            region=PAPUA, party=Party.REGIONAL, deadline_at=DEADLINE, document="ba-94.html", sha256="ab" * 32
        ),
        KEPALA,
    )
    labels = [label for label, _ in request.tokens(KEPALA)]
    assert labels == ["action_token", "sign_token"]
    claims = TokenIssuer(SECRET).verify(request.tokens(KEPALA)[1][1])
    assert (claims.action, claims.document, claims.province) == (SIGN, "ab" * 32, "94")
    assert "Kode tanda tangan dokumen ini" in text_of(request)

    # The signed agreement names the same SHA-256, yet asks for no signature.
    signed = mailing(
        MailKind.AGREEMENT_SIGNED,
        AgreementSignedFacts(region=PAPUA, document="ba-94-ditandatangani.html", sha256="ab" * 32),
        KEPALA,
    )
    assert [label for label, _ in signed.tokens(KEPALA)] == ["action_token"]
    assert "Kode tanda tangan" not in text_of(signed)


def test_mail_of_one_kind_is_refused_with_the_facts_of_another() -> None:
    with pytest.raises(ValidationError, match="sign_off_request mail is written from SignOffFacts"):
        mailing(
            MailKind.SIGN_OFF_REQUEST,
            DataEntryFacts(region=PAPUA, deadline_at=DEADLINE, sessions=36),
            KEPALA,
        )


@pytest.mark.parametrize(
    ("step", "awaited_id", "awaited_en"),
    [
        (
            EscalationStep.CONFIRMATION,
            "Masih terdapat 3 butir yang belum dikonfirmasi.",
            "3 items are not yet confirmed.",
        ),
        (
            EscalationStep.SIGN_OFF,
            # Signers by position and province, not by unit.
            "Masih menunggu tanda tangan Kepala Bappeda Provinsi Papua dan Direktur Jenderal Bina "
            "Pembangunan Daerah.",
            "Still awaited: the signature of Kepala Bappeda Papua Province and Direktur Jenderal Bina "
            "Pembangunan Daerah.",
        ),
    ],
)
def test_an_escalation_says_what_is_awaited_in_the_readers_language(
    step: EscalationStep, awaited_id: str, awaited_en: str
) -> None:
    facts = EscalationFacts(
        region=PAPUA,
        step=step,
        deadline_at=DEADLINE,
        unconfirmed=3 if step is EscalationStep.CONFIRMATION else 0,
        unsigned=[Party.REGIONAL, Party.CENTRAL] if step is EscalationStep.SIGN_OFF else [],
    )
    indonesian = text_of(mailing(MailKind.ESCALATION, facts, KEPALA))
    english = text_of(mailing(MailKind.ESCALATION, facts, ORGANIZER_EN))
    assert f"telah terlampaui. {awaited_id}" in indonesian
    assert f"has passed. {awaited_en}" in english
    assert "Provinsi Papua" in indonesian and "Papua Province" in english
    step_en = "confirmation" if step is EscalationStep.CONFIRMATION else "signature"
    assert f"is past the {step_en} deadline" in english
    assert "konfirmasi" not in english and "penandatanganan" not in english


def test_an_update_carries_each_invitees_answer_so_far() -> None:
    from mail.mailing import calendars_for
    from models.messages import CalendarEvent, SessionFacts

    facilitator = Recipient("FAC-1.01", "Hendra", "hendra@bangda.kemendagri.test", "id", "Asia/Jakarta")
    outgoing = Outgoing(
        year=2022,
        organizer=ORGANIZER,
        kind=MailKind.SESSION_UPDATE,
        subject_ref="2022-94-1.01",
        province="94",
        session_id="2022-94-1.01",
        sequence=1,
        recipients=[KEPALA.id, facilitator.id],
        event=CalendarEvent(
            uid="rakortek-2022-94-1.01@bangda.kemendagri.test",
            sequence=1,
            summary="Desk Urusan Pendidikan: Provinsi Papua",
            starts_at=datetime(2022, 2, 22, 9, tzinfo=WIT),
            ends_at=datetime(2022, 2, 22, 10, tzinfo=WIT),
            zone="Asia/Jakarta",
            location="Hotel Bidakara, Ruang Desk 1.01",
            online_link="",
        ),
        facts=SessionFacts(region=PAPUA, desk_title="Desk Urusan Pendidikan", minutes_before=60,
                           answers={KEPALA.id: "ACCEPTED"}),
        made_at=datetime(2022, 2, 20, 12, tzinfo=WIT),
        links_expire_at=datetime(2022, 4, 30, tzinfo=WIT),
    )  # fmt: skip
    calendar = calendars_for(outgoing, SENDER, [KEPALA, facilitator])(KEPALA)
    assert calendar is not None
    (event,) = icalendar.Calendar.from_ical(calendar).walk("VEVENT")
    states = {
        str(a).removeprefix("mailto:"): (a.params["PARTSTAT"], a.params.get("RSVP"))
        for a in event["ATTENDEE"]
    }
    assert states == {KEPALA.email: ("ACCEPTED", None), facilitator.email: ("NEEDS-ACTION", "TRUE")}


def test_a_deadline_reads_in_the_readers_zone_with_jakartas_beside_it() -> None:
    # 16.00 WIT is 14.00 WIB: a Papuan reader sees both, a Jakarta reader one.
    papuan = text_of(
        mailing(
            MailKind.DATA_ENTRY_OPEN, DataEntryFacts(region=PAPUA, deadline_at=DEADLINE, sessions=3), KEPALA
        )
    )
    assert "Rabu, 16 Maret 2022, pukul 16.00 WIT (14.00 WIB)" in papuan
    jakarta = KEPALA.__class__(
        "P31-KOORD",
        "Siti Rahmawati",
        "siti@jakarta.prov.test",
        "id",
        "Asia/Jakarta",
        "province_coordinator",
        "31",
    )
    local = text_of(
        mailing(
            MailKind.DATA_ENTRY_OPEN, DataEntryFacts(region=PAPUA, deadline_at=DEADLINE, sessions=3), jakarta
        )
    )
    assert "Rabu, 16 Maret 2022, pukul 14.00 WIB" in local and "(14.00 WIB)" not in local


def test_a_signer_gets_the_agreement_attached_not_a_path_on_the_server(tmp_path: Path) -> None:
    html = tmp_path / "output" / "2022" / "agreements" / "berita-acara-94.html"
    html.parent.mkdir(parents=True)
    html.write_text("<html></html>", encoding="utf-8")
    html.with_suffix(".pdf").write_bytes(b"%PDF-1.4 the minutes")
    facts = SignOffFacts(
        region=PAPUA, party=Party.REGIONAL, deadline_at=DEADLINE, document=str(html), sha256="ab" * 32
    )
    request = mailing(MailKind.SIGN_OFF_REQUEST, facts, KEPALA)
    (letter,) = request.letters(request.recipients)
    parsed = message_from_bytes(letter.message, policy=policy.default)
    (attached,) = list(parsed.iter_attachments())  # type: ignore[attr-defined]
    assert (
        attached.get_content_type() == "application/pdf" and attached.get_filename() == "berita-acara-94.pdf"
    )
    assert attached.get_content() == b"%PDF-1.4 the minutes"
    text = text_of(request)
    assert "Dokumen terlampir: berita-acara-94.pdf" in text and str(tmp_path) not in text
    assert "Kepala Bappeda Provinsi Papua" in text
