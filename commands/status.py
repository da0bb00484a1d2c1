"""The state of a cycle, read from the database (it answers even when no worker runs)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from models.stages import SessionState, Stage
from store.tables import (
    ConfirmationRow,
    CycleRow,
    OutboxRow,
    OutcomeItemRow,
    ProposalRow,
    ProvinceProgressRow,
    SessionRow,
    SignatureRow,
)


def latest_year(engine: Engine) -> int | None:
    with Session(engine) as db:
        return db.scalar(select(func.max(CycleRow.year)))


def cycle_status(engine: Engine, year: int) -> dict[str, Any]:
    with Session(engine) as db:
        cycle = db.get(CycleRow, year)
        if cycle is None:
            raise LookupError(f"no cycle {year} in the database")
        provinces = list(
            db.scalars(
                select(ProvinceProgressRow)
                .where(ProvinceProgressRow.year == year)
                .order_by(ProvinceProgressRow.province)
            )
        )
        sessions = Counter(
            (province, state)
            for province, state in db.execute(
                select(SessionRow.province, SessionRow.state).where(SessionRow.year == year)
            )
        )
        proposals = Counter(db.scalars(select(ProposalRow.province).where(ProposalRow.year == year)))
        agreed = Counter(
            db.scalars(
                select(OutcomeItemRow.province).where(
                    OutcomeItemRow.year == year, OutcomeItemRow.status != "not_agreed"
                )
            )
        )
        confirmed = Counter(db.scalars(select(ConfirmationRow.province).where(ConfirmationRow.year == year)))
        signed: dict[str, list[str]] = {}
        for province, party in db.execute(
            select(SignatureRow.province, SignatureRow.party).where(SignatureRow.year == year)
        ):
            signed.setdefault(province, []).append(party)
        failed = Counter(
            db.scalars(select(OutboxRow.province).where(OutboxRow.year == year, OutboxRow.status == "failed"))
        )
        outbox = dict(
            db.execute(
                select(OutboxRow.status, func.count())
                .where(OutboxRow.year == year)
                .group_by(OutboxRow.status)
            ).all()
        )

    rows = []
    for p in provinces:
        total = sum(n for (code, _), n in sessions.items() if code == p.province)
        done = sessions[(p.province, SessionState.OUTCOME_RECORDED.value)]
        cancelled = sessions[(p.province, SessionState.CANCELLED.value)]
        pending: list[str] = []
        if p.stage == Stage.DATA_ENTRY and not proposals[p.province]:
            pending.append("proposals")
        elif p.stage == Stage.DESK_SESSIONS:
            pending.append(f"{total - done - cancelled} desk outcomes")
        elif p.stage == Stage.CONFIRMATION:
            pending.append(f"{agreed[p.province] - confirmed[p.province]} confirmations")
        elif p.stage == Stage.SIGN_OFF:
            pending += [
                f"{party} signature"
                for party in ("regional", "central")
                if party not in signed.get(p.province, [])
            ]
        rows.append(
            {
                "code": p.province,
                "name": p.name,
                "zone": p.zone,
                "stage": p.stage,
                "stage_since": p.stage_since.isoformat() + "Z",
                "sessions_done": done,
                "sessions_total": total,
                "sessions_cancelled": cancelled,
                "proposals": proposals[p.province],
                "items_agreed": agreed[p.province],
                "items_confirmed": confirmed[p.province],
                "signatures": sorted(signed.get(p.province, [])),
                "pending": pending,
                "failed_deliveries": failed[p.province],
            }
        )
    return {
        "year": year,
        "name": cycle.name,
        "pre_meeting_attended": cycle.attended,
        "stages": dict(Counter(r["stage"] for r in rows)),
        "outbox": outbox,
        "provinces": rows,
    }
