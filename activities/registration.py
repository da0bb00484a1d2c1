"""A cycle written to the database as it starts: the cycle, its desks, its directory and its
provinces."""

from __future__ import annotations

from sqlalchemy import Engine

from models.participants import Participant
from models.records import RegisterCycle
from models.stages import Stage
from store.database import transaction, upsert, utc
from store.tables import CycleRow, DeskRow, ParticipantRow, ProvinceProgressRow, StageChangeRow


def participant_row(year: int, p: Participant) -> dict[str, object]:
    return {
        "year": year,
        "id": p.id,
        "name": p.name,
        "role": p.role.value,
        "organisation": p.organisation,
        "province": p.province,
        "desks": ";".join(p.desks),
        "email": p.email,
        "language": p.language,
        "zone": p.zone,
        "nip": p.nip,
        "position": p.position,
        "acting": p.acting,
    }


def register_cycle(engine: Engine, request: RegisterCycle) -> None:
    """The cycle, its desks, its directory and its provinces at PRE_MEETING: written again
    unchanged on a retry."""
    cycle, clock = request.cycle, request.clock
    with transaction(engine) as db:
        upsert(
            db,
            CycleRow,
            [
                {
                    "year": cycle.year,
                    "name": cycle.name,
                    "plan_year": cycle.plan_year,
                    "venue_zone": cycle.desk_sessions.venue_zone,
                    "venue": cycle.desk_sessions.venue,
                    "organizer_name": cycle.organizer.name,
                    "calendar_origin": utc(clock.calendar_origin) if clock else None,
                    "real_origin": utc(clock.real_origin) if clock else None,
                    "speed": clock.speed if clock else None,
                    "data_entry_deadline": utc(cycle.deadlines.data_entry),
                    "confirmation_deadline": utc(cycle.deadlines.confirmation),
                    "sign_off_deadline": utc(cycle.deadlines.sign_off),
                    "definition": cycle.model_dump_json(),
                }
            ],
            ["year"],
        )
        upsert(
            db,
            DeskRow,
            [
                {
                    "year": cycle.year,
                    "code": d.code,
                    "name": d.name,
                    "kind": d.kind.value,
                    "lead_agency": d.lead_agency,
                    "title": d.title,
                }
                for d in cycle.desks
            ],
            ["year", "code"],
        )
        upsert(
            db,
            ParticipantRow,
            [participant_row(cycle.year, p) for p in cycle.participants],
            ["year", "id"],
        )
        upsert(
            db,
            ProvinceProgressRow,
            [
                {
                    "year": cycle.year,
                    "province": p.code,
                    "name": p.name,
                    "zone": p.zone,
                    "stage": Stage.PRE_MEETING.value,
                    "stage_since": utc(cycle.opens_at),
                }
                for p in cycle.provinces
            ],
            ["year", "province"],
            update=False,
        )
        upsert(
            db,
            StageChangeRow,
            [
                {
                    "year": cycle.year,
                    "province": p.code,
                    "stage": Stage.PRE_MEETING.value,
                    "entered_at": utc(cycle.opens_at),
                }
                for p in cycle.provinces
            ],
            ["year", "province", "stage"],
            update=False,
        )
