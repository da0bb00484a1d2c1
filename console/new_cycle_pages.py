"""The new-cycle pages of the console: upload, preview, start (console/new_cycle.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from commands.cycle_commands import real_addresses, start_cycle
from commands.namespace import SearchAttributesMissing, require_search_attributes
from console.new_cycle import MAX_DIRECTORY_BYTES, Checked, check_upload, preview_of, store_upload
from console.pages import ConsolePages, Organizer
from models.cycle import CycleFileError
from portal.csrf import form_token_matches
from portal.pages import Note
from settings import Unsafe, load_settings, require_production_safe

NEW_CYCLE = "/konsol/siklus-baru"
SPEEDS = (1000, 5000, 20000)


class NewCyclePages:
    def __init__(self, console: ConsolePages, uploads: Path) -> None:
        self.console = console
        self.uploads = uploads

    def routes(self) -> list[Route]:
        return [
            Route(NEW_CYCLE, self.upload, methods=["GET", "POST"]),
            Route(NEW_CYCLE + "/{upload}", self.preview),
            Route(NEW_CYCLE + "/{upload}/mulai", self.start, methods=["POST"]),
        ]

    def _render(
        self, request: Request, who: Organizer, checked: Checked | None, notes: list[Note], status_code: int
    ) -> Response:
        preview = None
        if checked is not None and checked.cycle is not None and not checked.problems:
            preview = preview_of(checked.cycle, checked.sessions)
        return self.console.render(
            request,
            who,
            "new_cycle.html.j2",
            who.t["new_cycle"],
            status_code=status_code,
            checked=checked,
            preview=preview,
            speeds=SPEEDS,
            notes=notes,
        )

    async def upload(self, request: Request) -> Response:
        if request.method == "GET":
            who = await self.console.organizer(request)
            if isinstance(who, Response):
                return who
            return self._render(request, who, None, [], 200)
        # A multipart form: asgi-csrf does not read its body (web/app.py), the token is checked here.
        form = await request.form(max_part_size=MAX_DIRECTORY_BYTES)
        if not form_token_matches(request, form, self.console.portal.csrf_secret):
            return Response("CSRF token verification failed", status_code=403)
        who = await self.console.organizer(request)
        if isinstance(who, Response):
            return who
        cycle_file, people_file = form.get("cycle"), form.get("participants")
        if (
            not isinstance(cycle_file, UploadFile)
            or not isinstance(people_file, UploadFile)
            or not cycle_file.filename
        ):
            return self._render(request, who, None, [Note("refused", who.t["both_files"])], 422)
        try:
            upload, _ = await asyncio.to_thread(
                store_upload,
                self.uploads,
                cycle_file.filename or "cycle.toml",
                await cycle_file.read(),
                people_file.filename or "participants.csv",
                await people_file.read(),
            )
        except CycleFileError as exc:
            checked = Checked(problems=[(f"{exc.path.name}: {where}", what) for where, what in exc.problems])
            return self._render(request, who, checked, [Note("refused", who.t["upload_refused"])], 422)
        checked = await asyncio.to_thread(check_upload, self.uploads, upload)
        if checked.problems:
            note = Note("refused", who.t["upload_refused"])
            return self._render(request, who, checked, [note], 422)
        return RedirectResponse(f"{NEW_CYCLE}/{upload}", status_code=303)

    async def preview(self, request: Request) -> Response:
        who = await self.console.organizer(request)
        if isinstance(who, Response):
            return who
        checked = await asyncio.to_thread(check_upload, self.uploads, request.path_params["upload"])
        status_code = 422 if checked.problems else 200
        return self._render(request, who, checked, [], status_code)

    async def start(self, request: Request) -> Response:
        who = await self.console.organizer(request)
        if isinstance(who, Response):
            return who
        t = who.t
        checked = await asyncio.to_thread(check_upload, self.uploads, request.path_params["upload"])
        if checked.problems or checked.cycle is None:
            return self._render(request, who, checked, [Note("refused", t["upload_refused"])], 422)
        cycle = checked.cycle
        form = await request.form()
        rehearsal = form.get("mode") != "real"
        speed = float(str(form.get("speed", SPEEDS[1]))) if rehearsal else None
        settings = load_settings()
        if rehearsal and (real := real_addresses(cycle)):
            return self._render(
                request,
                who,
                checked,
                [Note("refused", t["real_addresses"].format(address=real[0], count=len(real)))],
                409,
            )
        if not rehearsal:
            try:
                require_production_safe(settings)
            except Unsafe as exc:
                return self._render(
                    request, who, checked, [Note("refused", t["not_production_safe"].format(reason=exc))], 409
                )
        client = self.console.portal.actions.client
        if client is None:
            return self._render(request, who, checked, [Note("refused", t["no_temporal"])], 503)
        try:
            await require_search_attributes(client, settings)
            handle = await start_cycle(
                client, settings, cycle, speed, bool(form.get("simulate")) and rehearsal
            )
        except WorkflowAlreadyStartedError:
            return self._render(
                request, who, checked, [Note("refused", t["cycle_running"].format(year=cycle.year))], 409
            )
        except (SearchAttributesMissing, RPCError) as exc:
            return self._render(
                request, who, checked, [Note("refused", t["start_failed"].format(reason=exc))], 503
            )
        note = Note("ok", t["cycle_started"].format(year=cycle.year, workflow=handle.id))
        return self._render(request, who, None, [note], 200)
