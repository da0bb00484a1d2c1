"""Exports for the RKP and RKPD drafting teams: schedule, outcomes and agreements, CSV and JSON."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from store.tables import (
    AgreementRow,
    AttendanceRow,
    ConfirmationRow,
    DelegationRow,
    OutcomeItemRow,
    ParticipantRow,
    SessionRow,
    SignatureRow,
)

SCHEDULE_COLUMNS = [
    "session_id",
    "province",
    "desk",
    "starts_at_utc",
    "ends_at_utc",
    "room",
    "online_link",
    "sequence",
    "state",
]
OUTCOME_COLUMNS = [
    "province",
    "desk",
    "ref",
    "level",
    "title",
    "indicator",
    "target_value",
    "target_unit",
    "location",
    "budget_rupiah",
    "funding_source",
    "status",
    "notes",
    "location_ready",
    "target_confirmed",
    "recorded_by",
]
AGREEMENT_COLUMNS = [
    "province",
    "document",
    "sha256",
    "regional_signer",
    "regional_signed_at_utc",
    "central_signer",
    "central_signed_at_utc",
]


ATTENDANCE_COLUMNS = [
    "subject",
    "province",
    "desk",
    "participant",
    "name",
    "organisation",
    "role",
    "mode",
    "source",
    "at_utc",
    "stands_in_for",
]
DELEGATION_COLUMNS = [
    "subject",
    "province",
    "delegator",
    "delegator_name",
    "delegate",
    "delegate_name",
    "delegate_email",
    "organisation",
    "at_utc",
]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet takes for the start of a formula (OWASP, CSV injection)."""


def neutralized(value: Any) -> Any:
    """A text cell as a spreadsheet shows it, never runs it: "=HYPERLINK(…)" becomes
    "'=HYPERLINK(…)". Numbers stay numbers; the JSON beside keeps the text as typed."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _write(folder: Path, name: str, columns: list[str], rows: list[dict[str, Any]]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = folder / f"{name}.csv", folder / f"{name}.json"
    with csv_path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows({column: neutralized(value) for column, value in row.items()} for row in rows)
    json_path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    return [csv_path, json_path]


def export_cycle(engine: Engine, year: int, folder: Path) -> list[Path]:
    with Session(engine) as db:
        sessions = list(
            db.scalars(
                select(SessionRow)
                .where(SessionRow.year == year)
                .order_by(SessionRow.starts_at, SessionRow.id)
            )
        )
        items = list(
            db.scalars(
                select(OutcomeItemRow)
                .where(OutcomeItemRow.year == year)
                .order_by(OutcomeItemRow.province, OutcomeItemRow.desk, OutcomeItemRow.ref)
            )
        )
        confirmations = {
            (c.province, c.ref): c
            for c in db.scalars(select(ConfirmationRow).where(ConfirmationRow.year == year))
        }
        agreements = list(
            db.scalars(select(AgreementRow).where(AgreementRow.year == year).order_by(AgreementRow.province))
        )
        signatures = {
            (s.province, s.party): s
            for s in db.scalars(select(SignatureRow).where(SignatureRow.year == year))
        }

    schedule = [
        {
            "session_id": s.id,
            "province": s.province,
            "desk": s.desk,
            "starts_at_utc": s.starts_at.isoformat() + "Z",
            "ends_at_utc": s.ends_at.isoformat() + "Z",
            "room": s.room,
            "online_link": s.online_link,
            "sequence": s.sequence,
            "state": s.state,
        }
        for s in sessions
    ]
    outcomes: list[dict[str, Any]] = []
    for i in items:
        confirmation = confirmations.get((i.province, i.ref))
        outcomes.append(
            {
                "province": i.province,
                "desk": i.desk,
                "ref": i.ref,
                "level": i.level,
                "title": i.title,
                "indicator": i.indicator,
                "target_value": i.target_value,
                "target_unit": i.target_unit,
                "location": i.location,
                "budget_rupiah": i.budget_rupiah,
                "funding_source": i.funding_source,
                "status": i.status,
                "notes": i.notes,
                "location_ready": None if confirmation is None else confirmation.location_ready,
                "target_confirmed": None if confirmation is None else confirmation.target_confirmed,
                "recorded_by": i.recorded_by,
            }
        )
    agreed: list[dict[str, Any]] = [o for o in outcomes if o["status"] != "not_agreed"]
    documents = []
    for a in agreements:
        regional = signatures.get((a.province, "regional"))
        central = signatures.get((a.province, "central"))
        documents.append(
            {
                "province": a.province,
                "document": a.path,
                "sha256": a.sha256,
                "regional_signer": regional.signer_name if regional else None,
                "regional_signed_at_utc": regional.signed_at.isoformat() + "Z" if regional else None,
                "central_signer": central.signer_name if central else None,
                "central_signed_at_utc": central.signed_at.isoformat() + "Z" if central else None,
            }
        )

    with Session(engine) as db:
        present, delegations = daftar_hadir(db, year), disposisi(db, year)
    written = _write(folder, "schedule", SCHEDULE_COLUMNS, schedule)
    written += _write(folder, "attendance", ATTENDANCE_COLUMNS, present)
    written += _write(folder, "delegations", DELEGATION_COLUMNS, delegations)
    written += _write(folder, "outcomes", OUTCOME_COLUMNS, outcomes)
    written += _write(folder, "agreements", AGREEMENT_COLUMNS, documents)
    # RKP: every agreed item nationally; RKPD: one file per province.
    written += _write(folder, "rkp-agreed-items", OUTCOME_COLUMNS, agreed)
    for province in sorted({str(o["province"]) for o in agreed}):
        written += _write(
            folder / "rkpd",
            f"rkpd-{province}-agreed-items",
            OUTCOME_COLUMNS,
            [o for o in agreed if o["province"] == province],
        )
    return written


def daftar_hadir(db: Session, year: int) -> list[dict[str, Any]]:
    """Every check-in (portal, command line, imported video report): the sessions' and the
    pre-meeting's daftar hadir, with whom each delegate stood in for."""
    stood_for = {
        (d.subject, d.delegate): d.delegator
        for d in db.scalars(select(DelegationRow).where(DelegationRow.year == year))
    }
    sessions = {s.id: s for s in db.scalars(select(SessionRow).where(SessionRow.year == year))}
    people = {p.id: p for p in db.scalars(select(ParticipantRow).where(ParticipantRow.year == year))}
    rows = []
    for a in db.scalars(
        select(AttendanceRow)
        .where(AttendanceRow.year == year)
        .order_by(AttendanceRow.subject, AttendanceRow.participant)
    ):
        session, person = sessions.get(a.subject), people.get(a.participant)
        rows.append(
            {
                "subject": a.subject,
                "province": session.province if session else "",
                "desk": session.desk if session else "",
                "participant": a.participant,
                "name": person.name if person else "",
                "organisation": person.organisation if person else "",
                "role": person.role if person else "",
                "mode": a.mode,
                "source": a.source,
                "at_utc": a.at.isoformat() + "Z",
                "stands_in_for": stood_for.get((a.subject, a.participant), ""),
            }
        )
    return rows


def disposisi(db: Session, year: int) -> list[dict[str, Any]]:
    """Who stands in for whom, as the directory knows them."""
    people = {p.id: p for p in db.scalars(select(ParticipantRow).where(ParticipantRow.year == year))}
    rows = []
    for d in db.scalars(select(DelegationRow).where(DelegationRow.year == year).order_by(DelegationRow.at)):
        by, to = people.get(d.delegator), people.get(d.delegate)
        rows.append(
            {
                "subject": d.subject,
                "province": d.province,
                "delegator": d.delegator,
                "delegator_name": by.name if by else "",
                "delegate": d.delegate,
                "delegate_name": to.name if to else "",
                "delegate_email": to.email if to else "",
                "organisation": to.organisation if to else "",
                "at_utc": d.at.isoformat() + "Z",
            }
        )
    return rows
