"""Everything the board shows, gathered in one read of the database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from commands.export import disposisi
from commands.status import cycle_status, live_calendar_now
from mail.dates import short_datetime
from models.stages import Stage
from store.tables import (
    CycleRow,
    DeskRow,
    OutboxRow,
    ProvinceProgressRow,
    SessionRow,
    SignatureRow,
    StageChangeRow,
    WriteFailureRow,
)

FAILED_SHOWN = 50
DELEGATIONS_SHOWN = 50
STAGES = [stage.value for stage in Stage]


def province_codes(engine: Engine, year: int) -> list[str]:
    with Session(engine) as db:
        return list(
            db.scalars(
                select(ProvinceProgressRow.province)
                .where(ProvinceProgressRow.year == year)
                .order_by(ProvinceProgressRow.province)
            )
        )


def board_snapshot(engine: Engine, year: int, told: datetime | None = None) -> dict[str, Any]:
    """``told``: the calendar time the cycle workflow last told (see live_calendar_now)."""
    with Session(engine) as db:
        cycle = db.get(CycleRow, year)
        assert cycle is not None
        now = live_calendar_now(cycle, told)
        status = cycle_status(engine, year, now)
        desks = [
            {"code": d.code, "name": d.name, "kind": d.kind}
            for d in db.scalars(select(DeskRow).where(DeskRow.year == year).order_by(DeskRow.code))
        ]
        # W.xx (desk kewilayahan) after the affairs, as the cycle lists them.
        desks.sort(key=lambda d: (d["kind"] != "urusan", d["code"]))
        cells: dict[str, dict[str, dict[str, Any]]] = {}
        for s in db.scalars(select(SessionRow).where(SessionRow.year == year)):
            cells.setdefault(s.province, {})[s.desk] = {
                "state": s.state,
                "when": short_datetime(s.starts_at.replace(tzinfo=UTC), cycle.venue_zone),
                "sequence": s.sequence,
            }
        # Who stands in for whom: the latest, as an organizer checks them during the desk days.
        delegations = [
            {
                **d,
                "at": short_datetime(
                    datetime.fromisoformat(d["at_utc"].removesuffix("Z")).replace(tzinfo=UTC),
                    cycle.venue_zone,
                ),
            }
            for d in disposisi(db, year)[-DELEGATIONS_SHOWN:][::-1]
        ]
        entered: dict[str, dict[str, datetime]] = {}
        for change in db.scalars(select(StageChangeRow).where(StageChangeRow.year == year)):
            entered.setdefault(change.province, {})[change.stage] = change.entered_at
        signatures: dict[str, dict[str, SignatureRow]] = {}
        for signature in db.scalars(select(SignatureRow).where(SignatureRow.year == year)):
            signatures.setdefault(signature.province, {})[signature.party] = signature
        failed = [
            {
                "province": row.province or "",
                "kind": row.kind,
                "recipient": row.recipient,
                "address": row.address,
                "subject": row.subject,
                "error": row.last_error or "",
                "attempts": row.attempts,
            }
            for row in db.scalars(
                select(OutboxRow)
                .where(OutboxRow.year == year, OutboxRow.status == "failed")
                .order_by(OutboxRow.made_at.desc())
                .limit(FAILED_SHOWN)
            )
        ]
        recent = db.scalar(select(func.max(OutboxRow.made_at)).where(OutboxRow.year == year))
        failed_writes = [
            {
                "province": row.province or "",
                "write": row.write,
                "error": row.error,
                "at": short_datetime(row.at.replace(tzinfo=UTC), cycle.venue_zone),
            }
            for row in db.scalars(
                select(WriteFailureRow)
                .where(WriteFailureRow.year == year)
                .order_by(WriteFailureRow.at.desc())
                .limit(FAILED_SHOWN)
            )
        ]

    # The timeline spans from the cycle's opening to its sign-off deadline (or now, if later).
    start = min((min(e.values()) for e in entered.values() if e), default=now)
    end = max(now, cycle.sign_off_deadline or now)
    span = max((end - start).total_seconds(), 1.0)
    provinces = []
    for p in status.provinces:
        reached = entered.get(p.code, {})
        segments = []
        order = [s for s in STAGES if s in reached]
        for i, stage in enumerate(order):
            begins = reached[stage]
            ends = reached[order[i + 1]] if i + 1 < len(order) else (begins if stage == "COMPLETED" else now)
            segments.append(
                {
                    "stage": stage,
                    "left": round(100 * (begins - start).total_seconds() / span, 2),
                    "width": round(max(100 * (ends - begins).total_seconds() / span, 0.4), 2),
                    "since": short_datetime(begins.replace(tzinfo=UTC), cycle.venue_zone),
                }
            )
        signed = signatures.get(p.code, {})
        late = bool(cycle.sign_off_deadline and now > cycle.sign_off_deadline)
        provinces.append(
            {
                **p.model_dump(),
                "cells": cells.get(p.code, {}),
                "timeline": segments,
                "sign_off": [
                    {
                        "party": party,
                        "signer": signed[party].signer_name if party in signed else None,
                        "signed_at": short_datetime(
                            signed[party].signed_at.replace(tzinfo=UTC), cycle.venue_zone
                        )
                        if party in signed
                        else None,
                        "late": party not in signed and late and p.stage == Stage.SIGN_OFF,
                    }
                    for party in ("regional", "central")
                ],
            }
        )
    return {
        "year": year,
        "name": status.name,
        "calendar_now": short_datetime(now.replace(tzinfo=UTC), cycle.venue_zone),
        "stages": status.stages,
        "outbox": status.outbox,
        "last_message": recent.isoformat() + "Z" if recent else None,
        "pre_meeting_attended": status.pre_meeting_attended,
        "pre_meeting_checked_in": status.pre_meeting_checked_in,
        "desks": desks,
        "provinces": provinces,
        "failed": failed,
        "failed_writes": failed_writes,
        "delegations": delegations,
        "session_states": ["scheduled", "invited", "held", "outcome_recorded", "cancelled"],
    }
