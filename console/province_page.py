"""A province's page in the console: its sessions with answers, attendance and outcomes, its
proposals and confirmations, the agreement and its signatures, its mail and its audit trail, and
the way to its workflow in Temporal's Web UI."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from commands.audit import audit_trail
from console.chasing import deadlines_of
from console.live import session_states
from console.pages import ConsolePages
from console.slots import aware
from models.workflow_io import province_workflow_id
from store.tables import (
    AgreementRow,
    AttendanceRow,
    ConfirmationRow,
    OutboxRow,
    OutcomeItemRow,
    ProposalRow,
    ProvinceProgressRow,
    ReplyRow,
    SessionInviteeRow,
    SessionRow,
    SignatureRow,
)

MAIL_SHOWN = 100
ACTIONS_SHOWN = 100


@dataclass
class ProvinceFacts:
    stage: str
    sessions: list[dict[str, Any]]
    proposals: list[ProposalRow]
    agreed: int
    confirmed: int
    agreement: AgreementRow | None
    signatures: list[SignatureRow]
    mail_counts: dict[str, int]
    mail: list[OutboxRow]
    actions: list[dict[str, Any]] = field(default_factory=list)


def province_facts(engine: Engine, year: int, code: str) -> ProvinceFacts | None:
    with Session(engine) as db:
        progress = db.get(ProvinceProgressRow, (year, code))
        if progress is None:
            return None
        rows = list(
            db.scalars(
                select(SessionRow)
                .where(SessionRow.year == year, SessionRow.province == code)
                .order_by(SessionRow.starts_at)
            )
        )
        ids = [r.id for r in rows]
        invited = Counter(
            db.scalars(
                select(SessionInviteeRow.session_id).where(
                    SessionInviteeRow.year == year, SessionInviteeRow.session_id.in_(ids)
                )
            )
        )
        answered = Counter(
            db.scalars(select(ReplyRow.subject).where(ReplyRow.year == year, ReplyRow.subject.in_(ids)))
        )
        present = Counter(
            db.scalars(
                select(AttendanceRow.subject).where(
                    AttendanceRow.year == year, AttendanceRow.subject.in_(ids)
                )
            )
        )
        items = Counter(
            db.scalars(
                select(OutcomeItemRow.desk).where(
                    OutcomeItemRow.year == year, OutcomeItemRow.province == code
                )
            )
        )
        proposals = list(
            db.scalars(
                select(ProposalRow)
                .where(ProposalRow.year == year, ProposalRow.province == code)
                .order_by(ProposalRow.ref)
            )
        )
        agreed = db.scalar(
            select(func.count())
            .select_from(OutcomeItemRow)
            .where(
                OutcomeItemRow.year == year,
                OutcomeItemRow.province == code,
                OutcomeItemRow.status != "not_agreed",
            )
        )
        confirmed = db.scalar(
            select(func.count())
            .select_from(ConfirmationRow)
            .where(ConfirmationRow.year == year, ConfirmationRow.province == code)
        )
        mail_counts = dict(
            db.execute(
                select(OutboxRow.status, func.count())
                .where(OutboxRow.year == year, OutboxRow.province == code)
                .group_by(OutboxRow.status)
            ).all()
        )
        mail = list(
            db.scalars(
                select(OutboxRow)
                .where(OutboxRow.year == year, OutboxRow.province == code)
                .order_by(OutboxRow.made_at.desc(), OutboxRow.message_id)
                .limit(MAIL_SHOWN)
            )
        )
        agreement = db.get(AgreementRow, (year, code))
        signatures = list(
            db.scalars(select(SignatureRow).where(SignatureRow.year == year, SignatureRow.province == code))
        )
        db.expunge_all()
    sessions = [
        {
            "row": r,
            "starts_at": aware(r.starts_at),
            "invited": invited[r.id],
            "answered": answered[r.id],
            "present": present[r.id],
            "items": items[r.desk],
        }
        for r in rows
    ]
    return ProvinceFacts(
        stage=progress.stage,
        sessions=sessions,
        proposals=proposals,
        agreed=agreed or 0,
        confirmed=confirmed or 0,
        agreement=agreement,
        signatures=signatures,
        mail_counts=mail_counts,
        mail=mail,
        actions=[
            {**a, "when": datetime.fromisoformat(a["at"].removesuffix("Z")).replace(tzinfo=UTC)}
            for a in audit_trail(engine, year, code)[-ACTIONS_SHOWN:][::-1]
        ],
    )


class ProvincePage:
    def __init__(self, console: ConsolePages, temporal_ui: str | None, namespace: str) -> None:
        self.console = console
        self.engine = console.engine
        self.temporal_ui = temporal_ui.rstrip("/") if temporal_ui else None
        self.namespace = namespace

    def routes(self) -> list[Route]:
        return [
            Route("/konsol/provinsi/{province}", self.page),
            Route("/konsol/provinsi/{province}/berita-acara.{kind}", self.document),
        ]

    def workflow_link(self, year: int, province: str) -> str | None:
        if self.temporal_ui is None:
            return None
        workflow_id = quote(province_workflow_id(year, province), safe="")
        return f"{self.temporal_ui}/namespaces/{quote(self.namespace, safe='')}/workflows/{workflow_id}"

    async def page(self, request: Request) -> Response:
        who = await self.console.organizer(request)
        if isinstance(who, Response):
            return who
        code = request.path_params["province"]
        title = next((p.title for p in who.cycle.provinces if p.code == code), None)
        facts = await asyncio.to_thread(province_facts, self.engine, who.cycle.year, code) if title else None
        if title is None or facts is None:
            return self.console.portal.message(request, "refused_title", ["not_found"], 404)
        live = await session_states(self.console.portal.actions.client, who.cycle.year, [code])
        deadlines = (await asyncio.to_thread(deadlines_of, self.engine, who.cycle.year)).get(code, {})
        desks = {d.code: d.title for d in who.cycle.desks}
        return self.console.render(
            request,
            who,
            "province.html.j2",
            title,
            code=code,
            facts=facts,
            live=live,
            desks=desks,
            deadlines=deadlines,
            workflow_link=self.workflow_link(who.cycle.year, code),
        )

    async def document(self, request: Request) -> Response:
        """The agreement as last rendered, to read beside the signatures."""
        who = await self.console.organizer(request)
        if isinstance(who, Response):
            return who
        code, kind = request.path_params["province"], request.path_params["kind"]
        with Session(self.engine) as db:
            agreement = db.get(AgreementRow, (who.cycle.year, code))
        path = Path(agreement.path).with_suffix(f".{kind}") if agreement and kind in ("html", "pdf") else None
        if path is None or not path.exists():
            return self.console.portal.message(request, "refused_title", ["not_found"], 404)
        media = "application/pdf" if kind == "pdf" else "text/html; charset=utf-8"
        return FileResponse(path, media_type=media, headers={"Cache-Control": "no-store"})
