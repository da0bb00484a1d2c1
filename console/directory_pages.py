"""The directory in the console while the cycle runs: add a person, replace one, change a
person's details, withdraw a person's links and send new ones.

A change goes to the workflow of the person's province, or of every province for a central
person (a ministry's official sits at the desks of all of them); what is already recorded stays.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from console.pages import ConsolePages, Organizer
from console.slots import aware
from models.organizer_actions import ChangeDirectory, DirectoryChangeKind
from models.participants import Participant, Role
from models.stages import SessionState
from models.workflow_io import province_workflow_id
from portal.actions import Outcome
from portal.pages import Note, origin_of
from portal.visitors import revoke_links
from store.tables import LinkRevocationRow, ParticipantRow, SessionInviteeRow, SessionRow
from workflows.province import ProvinceWorkflow

CENTRAL = "pusat"
"""The directory's page of the central people (no province)."""
DETAILS = ("name", "email", "organisation", "language", "zone", "nip", "position", "acting")


def people_of(engine: Engine, year: int, province: str | None) -> list[ParticipantRow]:
    with Session(engine) as db:
        query = select(ParticipantRow).where(ParticipantRow.year == year)
        query = query.where(
            ParticipantRow.province == province if province else ParticipantRow.province.is_(None)
        )
        rows = list(db.scalars(query.order_by(ParticipantRow.role, ParticipantRow.id)))
        db.expunge_all()
    return rows


def person_of(engine: Engine, year: int, participant: str) -> tuple[ParticipantRow, bool] | None:
    """The person and whether their links are withdrawn."""
    with Session(engine) as db:
        row = db.get(ParticipantRow, (year, participant))
        revoked = db.get(LinkRevocationRow, (year, participant)) is not None
        if row is None:
            return None
        db.expunge(row)
    return row, revoked


def participant_of(row: ParticipantRow) -> Participant:
    return Participant.model_validate(
        {
            "id": row.id,
            "name": row.name,
            "role": row.role,
            "organisation": row.organisation,
            "province": row.province,
            "desks": tuple(d for d in row.desks.split(";") if d),
            "email": row.email,
            "language": row.language,
            "zone": row.zone,
            "nip": row.nip,
            "position": row.position,
            "acting": row.acting,
        }
    )


def next_id(engine: Engine, year: int, participant: str) -> str:
    """The id of whoever takes ``participant``'s place: P94-KOORD-2, -3…"""
    with Session(engine) as db:
        n = 2
        while db.get(ParticipantRow, (year, f"{participant}-{n}")) is not None:
            n += 1
    return f"{participant}-{n}"


def open_sessions_of(engine: Engine, year: int, participant: str, now: Any) -> list[SessionRow]:
    """The person's sessions still to come (not cancelled), whose invitation a new link rides on."""
    with Session(engine) as db:
        rows = list(
            db.scalars(
                select(SessionRow)
                .join(SessionInviteeRow, SessionInviteeRow.session_id == SessionRow.id)
                .where(
                    SessionInviteeRow.year == year,
                    SessionInviteeRow.participant == participant,
                    SessionRow.state == SessionState.SCHEDULED.value,
                )
            )
        )
        db.expunge_all()
    return [r for r in rows if aware(r.starts_at) > now]


class DirectoryPages:
    def __init__(self, console: ConsolePages) -> None:
        self.console = console
        self.engine = console.engine

    def routes(self) -> list[Route]:
        return [
            Route("/konsol/direktori", self.listing, methods=["GET", "POST"]),
            Route("/konsol/direktori/{participant}", self.person, methods=["GET", "POST"]),
        ]

    async def _change(self, request: Request, who: Organizer, change: ChangeDirectory) -> dict[str, Outcome]:
        """The change sent to the person's province, or to every province for a central person."""
        person = change.person
        provinces = [person.province] if person.province else [p.code for p in who.cycle.provinces]
        change = change.model_copy(
            update={"origin": origin_of(request, who.visitor), "actor": who.visitor.id}
        )
        actions = self.console.portal.actions
        holder = actions.holder_of(who.visitor)
        results = await asyncio.gather(
            *(
                actions.send(
                    province_workflow_id(who.cycle.year, code),
                    ProvinceWorkflow.change_directory,
                    change,
                    holder,
                )
                for code in provinces
            )
        )
        return dict(zip(provinces, results, strict=True))

    def _notes(self, who: Organizer, outcomes: dict[str, Outcome], done: str) -> tuple[list[Note], int]:
        refused = who.refusals(outcomes)
        if len(refused) == len(outcomes):
            return refused, 409
        return [Note("ok", who.t[done]), *refused], 200 if not refused else 409

    def _person_from(self, form: Any, base: dict[str, Any]) -> tuple[Participant | None, str]:
        values = dict(base)
        for name in (*DETAILS, "id", "role", "desks"):
            if name in form:
                text = str(form.get(name, "")).strip()
                values[name] = text or None if name in ("nip", "position", "acting") else text
        if isinstance(values.get("desks"), str):
            values["desks"] = tuple(
                d.strip() for d in values["desks"].replace(",", ";").split(";") if d.strip()
            )
        try:
            return Participant.model_validate(values), ""
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            return None, f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"

    async def listing(self, request: Request) -> Response:
        who = await self.console.organizer(request)
        if isinstance(who, Response):
            return who
        t = who.t
        notes: list[Note] = []
        status_code = 200
        shown = request.query_params.get("provinsi") or who.cycle.provinces[0].code
        if request.method == "POST":
            form = await request.form()
            shown = str(form.get("province") or CENTRAL)
            province = None if shown == CENTRAL else shown
            person, problem = self._person_from(form, {"province": province})
            if person is None:
                notes, status_code = [Note("refused", t["person_invalid"].format(problem=problem))], 422
            else:
                change = ChangeDirectory(actor=who.visitor.id, kind=DirectoryChangeKind.ADD, person=person)
                notes, status_code = self._notes(
                    who, await self._change(request, who, change), "person_added"
                )
        province = None if shown == CENTRAL else shown
        people = await asyncio.to_thread(people_of, self.engine, who.cycle.year, province)
        return self.console.render(
            request,
            who,
            "directory.html.j2",
            t["nav_directory"],
            status_code=status_code,
            people=people,
            shown=shown,
            provinces=[(p.code, p.title) for p in who.cycle.provinces],
            roles=[r.value for r in Role],
            notes=notes,
        )

    async def person(self, request: Request) -> Response:
        who = await self.console.organizer(request)
        if isinstance(who, Response):
            return who
        t = who.t
        found = await asyncio.to_thread(
            person_of, self.engine, who.cycle.year, request.path_params["participant"]
        )
        if found is None:
            return self.console.portal.message(request, "refused_title", ["not_found"], 404)
        row, revoked = found
        notes: list[Note] = []
        status_code = 200
        if request.method == "POST":
            form = await request.form()
            action = str(form.get("action", ""))
            current = participant_of(row)
            if action == "revoke":
                return await self._revoke(request, who, row, str(form.get("reason", "")).strip())
            base = current.model_dump()
            if action == "replace":
                base["id"] = await asyncio.to_thread(next_id, self.engine, who.cycle.year, row.id)
                for name in ("nip", "position", "acting"):
                    base[name] = None
            person, problem = self._person_from(form, base)
            if person is None:
                notes, status_code = [Note("refused", t["person_invalid"].format(problem=problem))], 422
            elif action in ("update", "replace"):
                kind = DirectoryChangeKind.REPLACE if action == "replace" else DirectoryChangeKind.UPDATE
                change = ChangeDirectory(
                    actor=who.visitor.id,
                    kind=kind,
                    person=person,
                    replaces=row.id if kind is DirectoryChangeKind.REPLACE else None,
                )
                outcomes = await self._change(request, who, change)
                notes, status_code = self._notes(who, outcomes, f"person_{action}d")
                if status_code == 200 and kind is DirectoryChangeKind.REPLACE:
                    return RedirectResponse(f"/konsol/direktori/{person.id}?pengganti=1", status_code=303)
                found = await asyncio.to_thread(person_of, self.engine, who.cycle.year, row.id)
                assert found is not None
                row, revoked = found
        elif request.query_params.get("pengganti"):
            notes.append(Note("ok", t["person_replaced"]))
        elif request.query_params.get("dicabut"):
            notes.append(Note("ok", t["links_revoked"].format(count=request.query_params.get("dicabut"))))
        return self.console.render(
            request,
            who,
            "person.html.j2",
            row.name,
            status_code=status_code,
            row=row,
            revoked=revoked,
            notes=notes,
        )

    async def _revoke(self, request: Request, who: Organizer, row: ParticipantRow, reason: str) -> Response:
        """Withdraw the person's links, then send their open sessions' invitations again: each
        carries a new link (made after the withdrawal, so it opens)."""
        if not reason:
            notes = [Note("refused", who.t["reason_needed_revoke"])]
            return self.console.render(
                request, who, "person.html.j2", row.name, status_code=422, row=row, revoked=False, notes=notes
            )
        await asyncio.to_thread(revoke_links, self.engine, who.cycle.year, row.id, reason, who.visitor.id)
        # A link made in the same second as the withdrawal would count as withdrawn.
        await asyncio.sleep(1.1)
        sessions = await asyncio.to_thread(open_sessions_of, self.engine, who.cycle.year, row.id, who.now)
        origin = origin_of(request, who.visitor)
        results = await asyncio.gather(
            *(self.console.acts.resend(who.visitor, origin, s.province, s.desk, row.id) for s in sessions)
        )
        sent = sum(1 for r in results if r.accepted)
        return RedirectResponse(f"/konsol/direktori/{row.id}?dicabut={sent}", status_code=303)
