"""The naskah dinas form of a berita acara: its numbers, its opening written out, the parties with
their NIP and position, the place-and-date line and who is named under "Mengetahui".

What the parties agree (the items) is documents.py's; this is the frame around it, the same for
the HTML that is signed and its PDF.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from sqlalchemy.orm import Session

from mail.wording import document_label
from mail.words import date_in_words
from models.cycle import AgreementSpec
from store.tables import CycleRow, ParticipantRow

DOTS = "…………………………"
"""A number not yet given by the registry: the space it is written into."""


def agreement_spec(cycle: CycleRow) -> AgreementSpec:
    """The cycle file's [agreement], from the definition stored with the cycle."""
    definition = json.loads(cycle.definition) if cycle.definition else {}
    return AgreementSpec.model_validate(definition.get("agreement") or {})


def person_view(person: ParticipantRow | None, default_position: str) -> dict[str, str]:
    """Name, NIP and position as a signature block prints them; "Plt." or "Plh." before the
    position of whoever holds it so."""
    if person is None:
        return {"name": DOTS, "nip": "", "position": default_position}
    position = person.position or default_position
    return {
        "name": person.name,
        "nip": person.nip or "",
        "position": f"{person.acting} {position}" if person.acting else position,
    }


def parties(
    db: Session, year: int, province: str, region_title: str, organizer: str, spec: AgreementSpec
) -> dict[str, Any]:
    """PIHAK KESATU (the region's Kepala Bappeda), PIHAK KEDUA (the central signer) and, when the
    cycle names one, who acknowledges ("Mengetahui")."""
    people = {
        p.role: p
        for p in db.query(ParticipantRow).filter(
            ParticipantRow.year == year, ParticipantRow.role.in_(["regional_signer", "central_signer"])
        )
        if p.role == "central_signer" or p.province == province
    }
    regional_position = document_label("regional_position", title=region_title)
    first = person_view(people.get("regional_signer"), regional_position)
    second = person_view(people.get("central_signer"), document_label("central_position"))
    first["on_behalf"] = document_label("regional_side", title=region_title)
    second["on_behalf"] = organizer
    witness = None
    if spec.acknowledged_by is not None:
        found = db.get(ParticipantRow, (year, spec.acknowledged_by))
        if found is not None:
            witness = person_view(found, found.organisation)
    return {"first": first, "second": second, "witness": witness}


def numbers(spec: AgreementSpec, province: str) -> dict[str, str]:
    """Each party's registry number, or the dotted space for it."""
    return {
        "central": spec.central_number.format(province=province) if spec.central_number else DOTS,
        "regional": spec.regional_number.format(province=province) if spec.regional_number else DOTS,
    }


def dated(rendered_at: datetime, zone: str, spec: AgreementSpec) -> dict[str, Any]:
    """The opening's date written out, and the place-and-date line above the signatures."""
    local = rendered_at.astimezone(ZoneInfo(zone))
    return {
        "opening": date_in_words(rendered_at, zone),
        "place": spec.place,
        "place_date": f"{spec.place}, {format_datetime(local, 'd MMMM y', locale='id')}",
    }
