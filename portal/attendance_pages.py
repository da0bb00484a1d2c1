"""The Daftar hadir pages: who is present at a session (or the pre-meeting), and the import of a
video platform's participant report by the desk's facilitator or an organizer, through the
`import_attendance` update."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from models.participants import Role
from models.workflow_io import Presence
from portal.actions import Outcome
from portal.desk_pages import DeskPages
from portal.home import cycle_of, session_of
from portal.pages import Note, Portal, labels, origin_of
from portal.video_reports import MAX_REPORT_BYTES, ReportError, read_report
from portal.visitors import Visitor
from store.tables import AttendanceRow, ParticipantRow, SessionInviteeRow, SessionRow

PLATFORMS = ("Zoom", "Google Meet", "Microsoft Teams", "Cisco Webex")
REPORT_ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "UTC")


@dataclass(frozen=True)
class Present:
    name: str
    organisation: str
    mode: str
    source: str


def present_at(engine: Engine, year: int, subject: str) -> list[Present]:
    """The daftar hadir of a session or the pre-meeting so far, by name."""
    with Session(engine) as db:
        rows = db.execute(
            select(ParticipantRow.name, ParticipantRow.organisation, AttendanceRow.mode, AttendanceRow.source)
            .join(
                ParticipantRow,
                (ParticipantRow.year == AttendanceRow.year)
                & (ParticipantRow.id == AttendanceRow.participant),
            )
            .where(AttendanceRow.year == year, AttendanceRow.subject == subject)
            .order_by(ParticipantRow.name)
        ).all()
    return [Present(*row) for row in rows]


def invitees_of(engine: Engine, year: int, session_id: str) -> dict[str, str]:
    """E-mail address → participant id of a session's invitees (delegates among them)."""
    with Session(engine) as db:
        return dict(
            db.execute(
                select(ParticipantRow.email, ParticipantRow.id)
                .join(
                    SessionInviteeRow,
                    (SessionInviteeRow.year == ParticipantRow.year)
                    & (SessionInviteeRow.participant == ParticipantRow.id),
                )
                .where(SessionInviteeRow.year == year, SessionInviteeRow.session_id == session_id)
            ).all()
        )


class AttendancePages:
    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.engine = portal.engine

    def routes(self) -> list[Route]:
        return [
            Route("/kehadiran/pra", self.pre_meeting),
            Route("/kehadiran/pra/impor", self.import_pre_meeting, methods=["POST"]),
            Route("/kehadiran/sesi/{session_id}", self.session),
            Route("/kehadiran/sesi/{session_id}/impor", self.import_session, methods=["POST"]),
        ]

    async def _session_row(self, request: Request, visitor: Visitor) -> SessionRow | None:
        row = await asyncio.to_thread(session_of, self.engine, visitor, request.path_params["session_id"])
        if row is None and visitor.role == Role.ORGANIZER.value:
            # An organizer sees every session, invited or not.
            with Session(self.engine) as db:
                row = db.get(SessionRow, request.path_params["session_id"])
        return row if row is not None and DeskPages.may_record(visitor, row) else None

    async def session(self, request: Request) -> Response:
        visitor = await self.portal.visitor(request)
        if visitor is None:
            return self.portal.expired(request)
        row = await self._session_row(request, visitor)
        if row is None:
            return self.portal.message(request, "refused_title", ["not_found"], 404)
        return await self._page(request, visitor, row.id, f"/kehadiran/sesi/{row.id}/impor", [])

    async def pre_meeting(self, request: Request) -> Response:
        visitor = await self.portal.visitor(request)
        if visitor is None:
            return self.portal.expired(request)
        if visitor.role != Role.ORGANIZER.value:
            return self.portal.message(request, "refused_title", ["not_found"], 404)
        return await self._page(request, visitor, f"{visitor.year}-pra", "/kehadiran/pra/impor", [])

    async def _page(
        self,
        request: Request,
        visitor: Visitor,
        subject: str,
        action: str,
        notes: list[Note],
        status_code: int = 200,
    ) -> Response:
        t = labels(visitor.language)
        if request.query_params.get("diimpor") and not notes:
            notes = [Note("ok", t["import_done"].format(count=request.query_params["diimpor"]))]
        present = await asyncio.to_thread(present_at, self.engine, visitor.year, subject)
        return self.portal.render(
            request,
            "attendance.html.j2",
            "attendance",
            visitor,
            status_code=status_code,
            subject=subject,
            present=present,
            action=action,
            notes=notes,
            platforms=PLATFORMS,
            zones=REPORT_ZONES,
        )

    async def import_session(self, request: Request) -> Response:
        received = await self.portal.upload_of(request, MAX_REPORT_BYTES)
        if isinstance(received, Response):
            return received
        form, visitor = received
        row = await self._session_row(request, visitor)
        if row is None:
            return self.portal.message(request, "refused_title", ["not_found"], 404)
        starts = row.starts_at.replace(tzinfo=UTC)
        invitees = await asyncio.to_thread(invitees_of, self.engine, visitor.year, row.id)
        return await self._import(request, visitor, form, row.id, row.province, row.desk, starts, invitees)

    async def import_pre_meeting(self, request: Request) -> Response:
        received = await self.portal.upload_of(request, MAX_REPORT_BYTES)
        if isinstance(received, Response):
            return received
        form, visitor = received
        cycle = await asyncio.to_thread(cycle_of, self.engine, visitor.year)
        if visitor.role != Role.ORGANIZER.value or cycle is None:
            return self.portal.message(request, "refused_title", ["not_found"], 404)
        everyone = {p.email: p.id for p in cycle.participants}
        starts = cycle.pre_meeting.starts_at
        return await self._import(request, visitor, form, f"{visitor.year}-pra", None, None, starts, everyone)

    async def _import(
        self,
        request: Request,
        visitor: Visitor,
        form: FormData,
        subject: str,
        province: str | None,
        desk: str | None,
        starts: datetime,
        invitees: dict[str, str],
    ) -> Response:
        t = labels(visitor.language)
        action = request.url.path
        upload = form.get("file")
        source = str(form.get("platform", ""))
        zone = str(form.get("zone", ""))
        if not isinstance(upload, UploadFile) or not upload.filename:
            return await self._refused(request, visitor, subject, action, t["import_file_missing"], 422)
        if source not in PLATFORMS or zone not in REPORT_ZONES:
            return await self._refused(request, visitor, subject, action, t["import_choices"], 422)
        data = await upload.read()
        try:
            report = await asyncio.to_thread(read_report, data, invitees, starts, zone)
        except ReportError as exc:
            return await self._refused(request, visitor, subject, action, str(exc), 422)
        if not report.present:
            reason = t["import_nobody"].format(rows=report.rows)
            return await self._refused(request, visitor, subject, action, reason, 422)
        present = [Presence(participant=j.participant, joined_at=j.joined_at) for j in report.present]
        outcome: Outcome = await self.portal.actions.import_attendance(
            visitor, origin_of(request, visitor), province, desk, source, present
        )
        if not outcome.accepted:
            reason = outcome.worded(visitor.language, visitor.zone)
            return await self._refused(request, visitor, subject, action, reason, outcome.status_code)
        notes = [Note("ok", t["import_done"].format(count=len(present)))]
        if report.unmatched:
            shown = ", ".join(
                t["import_row"].format(name=name or "?", address=address or "?", line=line)
                for line, name, address in report.unmatched[:20]
            )
            notes.append(
                Note("refused", t["import_unmatched"].format(count=len(report.unmatched), rows=shown))
            )
            return await self._page(request, visitor, subject, action, notes)
        return RedirectResponse(f"{action.removesuffix('/impor')}?diimpor={len(present)}", status_code=303)

    async def _refused(
        self, request: Request, visitor: Visitor, subject: str, action: str, reason: str, status_code: int
    ) -> Response:
        note = Note("refused", labels(visitor.language)["import_refused"].format(reason=reason))
        return await self._page(request, visitor, subject, action, [note], status_code)
