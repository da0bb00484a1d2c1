"""The desk page: the facilitator of a session records what it agreed, item by item.

Each proposal of the desk and province is shown with its figures; the facilitator marks it
Disepakati, Disesuaikan (with the adjusted target or budget) or Tidak disepakati (with the
reason), and the outcome goes through the `record_outcome` update.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from models.items import ItemStatus, OutcomeItem
from models.participants import Role
from portal.home import Moment, cycle_of, session_of
from portal.pages import Note, Portal, labels, origin_of
from portal.proposal_pages import named_refs, worded
from portal.proposals import FieldError, figure
from portal.visitors import Visitor
from store.tables import OutcomeItemRow, ProposalRow, SessionRow

STATUSES = [status.value for status in ItemStatus]


@dataclass
class Line:
    """One proposal on the desk page, and what the facilitator has marked for it."""

    proposal: ProposalRow
    status: str
    target_value: str
    budget_rupiah: str
    notes: str


class DeskPages:
    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.engine = portal.engine

    def routes(self) -> list[Route]:
        return [Route("/desk/{session_id}", self.page, methods=["GET", "POST"])]

    @staticmethod
    def may_record(visitor: Visitor, row: SessionRow) -> bool:
        if visitor.role == Role.ORGANIZER.value:
            return True
        return visitor.role == Role.FACILITATOR.value and row.desk in visitor.desks

    def _lines(self, visitor: Visitor, row: SessionRow) -> list[Line]:
        with Session(self.engine) as db:
            proposals = list(
                db.scalars(
                    select(ProposalRow)
                    .where(
                        ProposalRow.year == visitor.year,
                        ProposalRow.province == row.province,
                        ProposalRow.desk == row.desk,
                    )
                    .order_by(ProposalRow.ref)
                )
            )
            recorded = {
                o.ref: o
                for o in db.scalars(
                    select(OutcomeItemRow).where(
                        OutcomeItemRow.year == visitor.year,
                        OutcomeItemRow.province == row.province,
                        OutcomeItemRow.desk == row.desk,
                    )
                )
            }
        lines = []
        for p in proposals:
            done = recorded.get(p.ref)
            lines.append(
                Line(
                    proposal=p,
                    status=done.status if done else "",
                    target_value=_plain(done.target_value if done else p.target_value),
                    budget_rupiah=str(done.budget_rupiah if done else p.budget_rupiah),
                    notes=done.notes if done else "",
                )
            )
        return lines

    async def render(
        self,
        request: Request,
        visitor: Visitor,
        row: SessionRow,
        lines: list[Line],
        notes: list[Note],
        errors: dict[tuple[int, str], FieldError] | None = None,
        marked: set[int] | None = None,
        session_notes: str = "",
        status_code: int = 200,
    ) -> Response:
        cycle = cycle_of(self.engine, visitor.year)
        assert cycle is not None
        t = labels(visitor.language)
        desk = next((d.title for d in cycle.desks if d.code == row.desk), row.desk)
        province = next((p.title for p in cycle.provinces if p.code == row.province), row.province)
        starts = Moment.of(row.starts_at, visitor.zone, cycle.desk_sessions.venue_zone, visitor.language)
        return self.portal.render(
            request,
            "desk.html.j2",
            "desk_outcome",
            visitor,
            status_code=status_code,
            title_text=t["desk_outcome_for"].format(desk=desk, region=province),
            session=row,
            starts=starts,
            lines=lines,
            statuses=STATUSES,
            notes=notes,
            errors={key: worded(error, t) for key, error in (errors or {}).items()},
            marked=marked or set(),
            session_notes=session_notes,
        )

    async def page(self, request: Request) -> Response:
        visitor = await self.portal.visitor(request)
        if visitor is None:
            return self.portal.expired(request)
        row = await asyncio.to_thread(session_of, self.engine, visitor, request.path_params["session_id"])
        if row is None or not self.may_record(visitor, row):
            return self.portal.message(request, "refused_title", ["not_found"], 404)
        t = labels(visitor.language)
        lines = await asyncio.to_thread(self._lines, visitor, row)
        if request.method == "GET":
            notes = [Note("ok", t["outcome_saved"])] if request.query_params.get("tercatat") else []
            return await self.render(request, visitor, row, lines, notes)

        form = await request.form()
        for i, line in enumerate(lines):
            line.status = str(form.get(f"{i}.status", ""))
            line.target_value = str(form.get(f"{i}.target_value", line.target_value)).strip()
            line.budget_rupiah = str(form.get(f"{i}.budget_rupiah", line.budget_rupiah)).strip()
            line.notes = str(form.get(f"{i}.notes", "")).strip()
        session_notes = str(form.get("notes", "")).strip()
        items, errors = outcome_items(lines)
        if errors:
            note = Note("refused", t["proposals_invalid"])
            marked = {i for i, _ in errors}
            return await self.render(
                request, visitor, row, lines, [note], errors, marked, session_notes, status_code=422
            )
        outcome = await self.portal.actions.record_outcome(
            visitor, origin_of(request, visitor), row.province, row.desk, items, session_notes
        )
        if not outcome.accepted:
            named = named_refs(outcome.reason)
            marked = {i for i, line in enumerate(lines) if line.proposal.ref in named}
            note = Note(
                "refused", t["outcome_refused"].format(reason=outcome.worded(visitor.language, visitor.zone))
            )
            return await self.render(
                request,
                visitor,
                row,
                lines,
                [note],
                marked=marked,
                session_notes=session_notes,
                status_code=outcome.status_code,
            )
        return RedirectResponse(f"/desk/{row.id}?tercatat=1", status_code=303)


def outcome_items(lines: list[Line]) -> tuple[list[OutcomeItem], dict[tuple[int, str], FieldError]]:
    """The outcome as the facilitator marked it: an adjusted item with its new figures."""
    items: list[OutcomeItem] = []
    errors: dict[tuple[int, str], FieldError] = {}
    for i, line in enumerate(lines):
        p = line.proposal
        if line.status not in STATUSES:
            errors[(i, "status")] = FieldError("enum", "choose one", None)
            continue
        adjusted = line.status == ItemStatus.ADJUSTED.value
        data = {
            "ref": p.ref,
            "desk": p.desk,
            "level": p.level,
            "title": p.title,
            "indicator": p.indicator,
            "target_value": figure(line.target_value) if adjusted else p.target_value,
            "target_unit": p.target_unit,
            "location": p.location,
            "budget_rupiah": figure(line.budget_rupiah) if adjusted else p.budget_rupiah,
            "funding_source": p.funding_source,
            "status": line.status,
            "notes": line.notes,
        }
        try:
            items.append(OutcomeItem.model_validate(data))
        except ValidationError as exc:
            for error in exc.errors():
                name = str(error["loc"][0]) if error["loc"] else "status"
                errors.setdefault((i, name), FieldError(error["type"], error["msg"], None))
    return items, errors


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
