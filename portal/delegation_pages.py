"""The Diwakilkan (disposisi) pages: an invitee passes a session, or a proposer a province's data
entry, to a colleague of their own organisation, through the `delegate` update."""

from __future__ import annotations

import asyncio

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from models.workflow_io import Delegate
from portal.actions import Outcome
from portal.home import cycle_of, session_of
from portal.pages import Note, Portal, labels, origin_of
from portal.proposal_pages import ProposalPages
from portal.visitors import Visitor


class DelegationPages:
    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.engine = portal.engine

    def routes(self) -> list[Route]:
        return [
            Route("/sesi/{session_id}/wakilkan", self.session, methods=["GET", "POST"]),
            Route("/usulan/{province}/wakilkan", self.data_entry, methods=["GET", "POST"]),
        ]

    async def session(self, request: Request) -> Response:
        visitor = await self.portal.visitor(request)
        if visitor is None:
            return self.portal.expired(request)
        row = await asyncio.to_thread(session_of, self.engine, visitor, request.path_params["session_id"])
        if row is None:
            return self.portal.message(request, "refused_title", ["not_found"], 404)
        t = labels(visitor.language)
        cycle = await asyncio.to_thread(cycle_of, self.engine, visitor.year)
        desk = next((d.title for d in cycle.desks if d.code == row.desk), row.desk) if cycle else row.desk
        region = next((p.title for p in cycle.provinces if p.code == row.province), "") if cycle else ""
        what = t["delegate_session_what"].format(desk=desk, region=region)
        return await self._page(request, visitor, row.province, row.desk, what, f"/#sesi-{row.id}")

    async def data_entry(self, request: Request) -> Response:
        visitor = await self.portal.visitor(request)
        if visitor is None:
            return self.portal.expired(request)
        province = request.path_params["province"]
        cycle = await asyncio.to_thread(cycle_of, self.engine, visitor.year)
        found = next((p for p in cycle.provinces if p.code == province), None) if cycle else None
        if found is None or not ProposalPages.may_propose(visitor, province):
            return self.portal.message(request, "refused_title", ["not_found"], 404)
        what = labels(visitor.language)["delegate_data_entry_what"].format(region=found.title)
        return await self._page(request, visitor, province, None, what, f"/usulan/{province}")

    async def _page(
        self, request: Request, visitor: Visitor, province: str, desk: str | None, what: str, back: str
    ) -> Response:
        t = labels(visitor.language)
        name, email, notes, status_code = "", "", [], 200
        if request.method == "POST":
            form = await request.form()
            name, email = str(form.get("name", "")).strip(), str(form.get("email", "")).strip()
            outcome = await self._delegate(request, visitor, province, desk, name, email)
            if outcome.accepted:
                return RedirectResponse(f"{request.url.path}?terkirim=1", status_code=303)
            notes.append(
                Note(
                    "refused",
                    t["delegate_refused"].format(reason=outcome.worded(visitor.language, visitor.zone)),
                )
            )
            status_code = outcome.status_code
        elif request.query_params.get("terkirim"):
            notes.append(Note("ok", t["delegate_sent"]))
        return self.portal.render(
            request,
            "delegate.html.j2",
            "delegate",
            visitor,
            status_code=status_code,
            what=what,
            name=name,
            email=email,
            notes=notes,
            back=back,
            action=request.url.path,
        )

    async def _delegate(
        self, request: Request, visitor: Visitor, province: str, desk: str | None, name: str, email: str
    ) -> Outcome:
        t = labels(visitor.language)
        try:
            # The form's own checks first (a name, an address), in the reader's language.
            Delegate(actor=visitor.id, desk=desk, name=name, email=email)
        except ValidationError as exc:
            fields = {str(e["loc"][0]) for e in exc.errors()}
            return Outcome(
                False, t["delegate_email_invalid" if "email" in fields else "delegate_name_missing"]
            )
        return await self.portal.actions.delegate(
            visitor, origin_of(request, visitor), province, desk, name, email
        )
