"""The Konfirmasi page: the province confirms, per agreed item, that its location is ready and
its target holds, through the `confirm_items` update."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from models.items import ItemConfirmation
from portal.home import cycle_of
from portal.pages import Note, Portal, labels, origin_of
from portal.proposal_pages import named_refs
from portal.visitors import Visitor
from rules.confirmation import CONFIRMERS
from store.tables import ConfirmationRow, OutcomeItemRow


@dataclass
class Confirmable:
    item: OutcomeItemRow
    location_ready: bool
    target_confirmed: bool
    notes: str
    confirmed: bool


class ConfirmationPages:
    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.engine = portal.engine

    def routes(self) -> list[Route]:
        return [Route("/konfirmasi/{province}", self.page, methods=["GET", "POST"])]

    @staticmethod
    def may_confirm(visitor: Visitor, province: str) -> bool:
        return visitor.role in {r.value for r in CONFIRMERS} and visitor.province == province

    def _items(self, visitor: Visitor, province: str) -> list[Confirmable]:
        with Session(self.engine) as db:
            agreed = list(
                db.scalars(
                    select(OutcomeItemRow)
                    .where(
                        OutcomeItemRow.year == visitor.year,
                        OutcomeItemRow.province == province,
                        OutcomeItemRow.status != "not_agreed",
                    )
                    .order_by(OutcomeItemRow.desk, OutcomeItemRow.ref)
                )
            )
            done = {
                c.ref: c
                for c in db.scalars(
                    select(ConfirmationRow).where(
                        ConfirmationRow.year == visitor.year, ConfirmationRow.province == province
                    )
                )
            }
        return [
            Confirmable(
                item=item,
                location_ready=done[item.ref].location_ready if item.ref in done else True,
                target_confirmed=done[item.ref].target_confirmed if item.ref in done else True,
                notes=done[item.ref].notes if item.ref in done else "",
                confirmed=item.ref in done,
            )
            for item in agreed
        ]

    async def page(self, request: Request) -> Response:
        visitor = await self.portal.visitor(request)
        if visitor is None:
            return self.portal.expired(request)
        province = request.path_params["province"]
        cycle = cycle_of(self.engine, visitor.year)
        if cycle is None or not self.may_confirm(visitor, province):
            return self.portal.message(request, "refused_title", ["not_found"], 404)
        t = labels(visitor.language)
        items = await asyncio.to_thread(self._items, visitor, province)
        notes: list[Note] = []
        marked: set[int] = set()
        status_code = 200
        if request.method == "POST":
            form = await request.form()
            for i, entry in enumerate(items):
                entry.location_ready = form.get(f"{i}.location_ready") == "ya"
                entry.target_confirmed = form.get(f"{i}.target_confirmed") == "ya"
                entry.notes = str(form.get(f"{i}.notes", "")).strip()[:2000]
            confirmations = [
                ItemConfirmation(
                    ref=e.item.ref,
                    location_ready=e.location_ready,
                    target_confirmed=e.target_confirmed,
                    notes=e.notes,
                )
                for e in items
            ]
            outcome = await self.portal.actions.confirm_items(
                visitor, origin_of(request, visitor), province, confirmations
            )
            if outcome.accepted:
                return RedirectResponse(f"/konfirmasi/{province}?tercatat=1", status_code=303)
            named = named_refs(outcome.reason)
            marked = {i for i, e in enumerate(items) if e.item.ref in named}
            notes.append(
                Note(
                    "refused",
                    t["confirmation_refused"].format(reason=outcome.worded(visitor.language, visitor.zone)),
                )
            )
            status_code = outcome.status_code
        elif request.query_params.get("tercatat"):
            notes.append(Note("ok", t["confirmation_saved"]))
        title = next((p.title for p in cycle.provinces if p.code == province), province)
        return self.portal.render(
            request,
            "confirmation.html.j2",
            "confirmation",
            visitor,
            status_code=status_code,
            title_text=t["confirmation_for"].format(region=title),
            province=province,
            items=items,
            notes=notes,
            marked=marked,
        )
