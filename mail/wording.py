"""The phrases letters and the agreement minutes are made of beyond their templates, from
templates/mail/labels.toml and templates/documents/labels.toml.

Read once, when the module is imported (a worker's start): the cycle workflow names its
pre-meeting's calendar entry from here, and a workflow reads no file while it runs.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from babel.dates import format_date

from models.cycle import OfficialLetter
from models.messages import EscalationFacts, EscalationStep, Region
from models.stages import Party

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
LANGUAGES = ("id", "en")
CYCLE_LANGUAGE = "id"
"""What a text every reader shares (the pre-meeting's calendar entry) is written in."""

LABELS: dict[str, dict[str, str]] = tomllib.loads(
    (TEMPLATES_DIR / "mail" / "labels.toml").read_text(encoding="utf-8")
)


DOCUMENT_LABELS: dict[str, str] = tomllib.loads(
    (TEMPLATES_DIR / "documents" / "labels.toml").read_text(encoding="utf-8")
)["id"]
"""The agreement minutes are written in Bahasa Indonesia only."""


def document_label(key: str, **values: object) -> str:
    text = DOCUMENT_LABELS[key]
    return text.format(**values) if values else text


def label(language: str, key: str, **values: object) -> str:
    text = LABELS[language][key]
    return text.format(**values) if values else text


def region_title(region: Region, language: str) -> str:
    """ "Provinsi Aceh" / "Aceh Province"; a kabupaten/kota's own name says what it is."""
    if region.kabupaten_kota:
        return region.province_name
    return label(language, "province", name=region.province_name)


def reminder_when(variant: str, minutes_before: int, language: str) -> str:
    if variant == "day-before":
        return label(language, "reminder_next_day")
    if minutes_before == 60:
        return label(language, "reminder_one_hour")
    return label(language, "reminder_minutes", minutes=minutes_before)


def party_title(party: Party, language: str, region: str) -> str:
    """The signer by position: "Kepala Bappeda Provinsi Papua", "Direktur Jenderal Bina
    Pembangunan Daerah"; ``region`` as region_title gives it."""
    return label(language, f"party_{party.value}", region=region)


def step_name(step: EscalationStep, language: str) -> str:
    return label(language, f"step_{step.value}")


def waiting_for(facts: EscalationFacts, language: str, region: str) -> str:
    """What a late step still waits for, as the escalation's sentence says it."""
    if facts.step is EscalationStep.CONFIRMATION:
        return label(language, "unconfirmed_items", count=facts.unconfirmed)
    signers = [party_title(p, language, region) for p in facts.unsigned]
    return label(language, "unsigned_by", signers=label(language, "and").join(signers))


def pre_meeting_summary(year: int) -> str:
    return label(CYCLE_LANGUAGE, "pre_meeting_summary", year=year)


def pre_meeting_location(studio: str, language: str = CYCLE_LANGUAGE) -> str:
    """Where the pre-meeting is: online, hosted from a studio. The calendar entry says it in the
    cycle's language; a letter in its reader's."""
    return label(language, "pre_meeting_location", studio=studio)


def official_letter(letter: OfficialLetter, language: str) -> str:
    """ "surat Direktur Jenderal … Nomor … tanggal 26 Januari 2022 perihal …": the letter an
    invitation follows up on."""
    day = format_date(letter.date, "d MMMM y", locale=language)
    return label(
        language,
        "letter_ref",
        signed_by=letter.signed_by,
        number=letter.number,
        date=day,
        subject=letter.subject,
    )
