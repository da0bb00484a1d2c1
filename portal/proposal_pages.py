"""The Usulan pages: a person enters proposal items for a province, as a draft, by hand or from
a CSV or XLSX file, then submits them through the `submit_proposals` update.

Errors are shown where they are: a field the item model refuses, next to that field; a refusal
of the workflow's rules that names an item, on that item.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC
from typing import Any

from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from models.items import FundingSource, ItemLevel
from models.participants import Role
from models.stages import Stage
from portal.home import Moment, cycle_of
from portal.pages import Note, Portal, labels, origin_of
from portal.proposals import (
    FIELDS,
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    FieldError,
    Row,
    UploadError,
    blank_row,
    check_rows,
    clean,
    drop_draft,
    load_draft,
    province_refs,
    read_upload,
    save_draft,
    submitted,
    template_csv,
    template_xlsx,
)
from portal.visitors import Visitor
from rules.data_entry import PROPOSERS
from store.tables import ProvinceProgressRow

NAMED_ITEMS = re.compile(r"item (?:reference used twice: )?([^\s:,]+(?:, [^\s:,]+)*)")
"""The items a rule's refusal names: "item X: …" or "item reference used twice: X, Y"."""


class ProposalPages:
    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.engine = portal.engine

    def routes(self) -> list[Route]:
        return [
            Route("/usulan", self.choose),
            Route("/usulan/templat.csv", self.csv_template),
            Route("/usulan/templat.xlsx", self.xlsx_template),
            Route("/usulan/{province}", self.page, methods=["GET", "POST"]),
            Route("/usulan/{province}/unggah", self.upload, methods=["POST"]),
        ]

    # Who may propose where -------------------------------------------------------------------

    @staticmethod
    def may_propose(visitor: Visitor, province: str) -> bool:
        if visitor.role not in {r.value for r in PROPOSERS}:
            return False
        return visitor.province is None or visitor.province == province

    def _desks(self, visitor: Visitor) -> list[tuple[str, str]]:
        cycle = cycle_of(self.engine, visitor.year)
        desks = [(d.code, d.title) for d in cycle.desks] if cycle else []
        if visitor.role == Role.DESK_OFFICIAL.value:
            desks = [d for d in desks if d[0] in visitor.desks]
        return desks

    def _province(self, visitor: Visitor, code: str) -> tuple[str, str | None, str] | None:
        """(region title, stage, deadline) of a province of the cycle, or None."""
        cycle = cycle_of(self.engine, visitor.year)
        province = next((p for p in cycle.provinces if p.code == code), None) if cycle else None
        if cycle is None or province is None:
            return None
        with Session(self.engine) as db:
            progress = db.get(ProvinceProgressRow, (visitor.year, code))
        extended = progress.data_entry_deadline if progress else None
        deadline_at = extended.replace(tzinfo=UTC) if extended else cycle.deadlines.data_entry
        when = Moment.of(deadline_at, visitor.zone, cycle.desk_sessions.venue_zone, visitor.language)
        deadline = f"{when.mine} ({when.venue})" if when.venue else when.mine
        return province.title, progress.stage if progress else None, deadline

    # Pages -------------------------------------------------------------------------------------

    async def choose(self, request: Request) -> Response:
        return await self.portal.choose_province(request, "/usulan")

    async def render(
        self,
        request: Request,
        visitor: Visitor,
        province: str,
        rows: list[Row],
        notes: list[Note] | None = None,
        errors: dict[tuple[int, str], FieldError] | None = None,
        marked: set[int] | None = None,
        status_code: int = 200,
    ) -> Response:
        found = await asyncio.to_thread(self._province, visitor, province)
        if found is None:
            return self.portal.message(request, "refused_title", ["not_found"], 404)
        title, stage, deadline = found
        t = labels(visitor.language)
        sent = await asyncio.to_thread(submitted, self.engine, visitor, province)
        messages = {key: worded(error, t) for key, error in (errors or {}).items()}
        return self.portal.render(
            request,
            "proposals.html.j2",
            "proposals",
            visitor,
            status_code=status_code,
            title_text=t["proposals_for"].format(region=title),
            province=province,
            rows=rows,
            desks=self._desks(visitor),
            levels=[level.value for level in ItemLevel],
            sources=[source.value for source in FundingSource],
            errors=messages,
            marked=marked or set(),
            row_notes={},
            notes=notes or [],
            open=stage == Stage.DATA_ENTRY.value,
            stage=stage or "",
            deadline=deadline,
            sent=sent,
        )

    async def page(self, request: Request) -> Response:
        visitor = await self.portal.visitor(request)
        if visitor is None:
            return self.portal.expired(request)
        province = request.path_params["province"]
        if not self.may_propose(visitor, province):
            return self.portal.message(request, "refused_title", ["not_found"], 404)
        t = labels(visitor.language)
        if request.method == "GET":
            rows = await asyncio.to_thread(load_draft, self.engine, visitor, province)
            notes = []
            if request.query_params.get("terkirim"):
                count = request.query_params["terkirim"]
                notes.append(Note("ok", t["proposals_sent"].format(count=count)))
            if request.query_params.get("tersimpan"):
                notes.append(Note("ok", t["draft_saved"]))
            return await self.render(
                request, visitor, province, rows or [await self._blank(visitor, province, rows)], notes
            )

        form = await request.form()
        rows = _rows_of(form)
        action = str(form.get("action", ""))
        if action == "add" and len(rows) < MAX_ROWS:
            rows.append(await self._blank(visitor, province, rows))
        elif action.startswith("remove-") and action[7:].isdigit():
            index = int(action[7:])
            rows = [r for i, r in enumerate(rows) if i != index]
        if action != "submit":
            await asyncio.to_thread(save_draft, self.engine, visitor, province, rows)
            if action == "save":
                return RedirectResponse(f"/usulan/{province}?tersimpan=1", status_code=303)
            return await self.render(request, visitor, province, rows)

        await asyncio.to_thread(save_draft, self.engine, visitor, province, rows)
        if not rows:
            return await self.render(
                request, visitor, province, rows, [Note("refused", t["no_rows"])], status_code=422
            )
        checked = check_rows(rows, visitor)
        if not checked.ok:
            notes = [Note("refused", t["proposals_invalid"])]
            marked = {i for i, _ in checked.errors}
            return await self.render(request, visitor, province, rows, notes, checked.errors, marked, 422)
        outcome = await self.portal.actions.submit_proposals(
            visitor, origin_of(request, visitor), province, checked.items
        )
        if not outcome.accepted:
            named = named_refs(outcome.reason)
            marked = {i for i, row in enumerate(rows) if row["ref"] in named}
            note = Note(
                "refused",
                t["proposals_refused"].format(reason=outcome.worded(visitor.language, visitor.zone)),
            )
            status = outcome.status_code
            return await self.render(
                request, visitor, province, rows, [note], marked=marked, status_code=status
            )
        await asyncio.to_thread(drop_draft, self.engine, visitor, province)
        return RedirectResponse(f"/usulan/{province}?terkirim={len(checked.items)}", status_code=303)

    async def upload(self, request: Request) -> Response:
        received = await self.portal.upload_of(request, MAX_UPLOAD_BYTES)
        if isinstance(received, Response):
            return received
        form, visitor = received
        province = request.path_params["province"]
        if not self.may_propose(visitor, province):
            return self.portal.message(request, "refused_title", ["not_found"], 404)
        t = labels(visitor.language)
        rows = await asyncio.to_thread(load_draft, self.engine, visitor, province)
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            note = Note("refused", t["upload_refused"].format(reason=t["upload_file"]))
            return await self.render(request, visitor, province, rows, [note], status_code=422)
        name = upload.filename
        data = await upload.read()
        try:
            read = await asyncio.to_thread(read_upload, name, data)
        except UploadError as exc:
            note = Note("refused", t["upload_refused"].format(reason=str(exc)))
            return await self.render(request, visitor, province, rows, [note], status_code=422)
        # A blank first row the page offered is replaced, not kept in front of the file's.
        kept = [r for r in rows if any(v for k, v in r.items() if k not in ("ref", "level", "desk"))]
        rows = (kept + read)[:MAX_ROWS]
        await asyncio.to_thread(save_draft, self.engine, visitor, province, rows)
        checked = check_rows(rows, visitor)
        notes = [Note("ok", t["upload_read"].format(count=len(read), name=name))]
        marked = {i for i, _ in checked.errors}
        return await self.render(request, visitor, province, rows, notes, checked.errors, marked)

    async def csv_template(self, request: Request) -> Response:
        return Response(
            template_csv(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="templat-usulan.csv"'},
        )

    async def xlsx_template(self, request: Request) -> Response:
        return Response(
            template_xlsx(),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": 'attachment; filename="templat-usulan.xlsx"'},
        )

    async def _blank(self, visitor: Visitor, province: str, rows: list[Row]) -> Row:
        taken = await asyncio.to_thread(province_refs, self.engine, visitor.year, province)
        return blank_row(
            province, [code for code, _ in self._desks(visitor)], taken | {r["ref"] for r in rows}
        )


def _rows_of(form: Any) -> list[Row]:
    try:
        count = min(int(form.get("rows", "0")), MAX_ROWS)
    except ValueError:
        count = 0
    return [clean({name: form.get(f"{i}.{name}", "") for name in FIELDS}) for i in range(count)]


def named_refs(reason: str) -> set[str]:
    found = NAMED_ITEMS.search(reason)
    return set(found.group(1).split(", ")) if found else set()


def worded(error: FieldError, t: dict[str, str]) -> str:
    key = f"err_{error.kind}"
    return t[key].format(limit=error.limit) if key in t else error.message
