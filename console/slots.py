"""Where a session can go: the free starts that keep every hard constraint, and a plan that moves
many sessions at once.

The same constraints as the schedule (schedule/solver.py) and the reschedule rule
(rules/desk_sessions.py): a working day of the desk window, inside the office hours of the venue
and of the province, the desk free (as the database records it: that is where a clash is
refused), and the province under its parallel limit. The workflow checks each move again; a slot
taken in between is refused there with its reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from models.cycle import Cycle
from models.stages import SessionState
from schedule.plan import schedule_request
from schedule.solver import candidate_starts
from schedule.working_time import local_date
from store.tables import SessionRow

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Move:
    session_id: str
    province: str
    desk: str
    starts_at: datetime
    """Where it is now (aware, UTC)."""
    to: datetime
    """Where the plan puts it (aware, UTC)."""


def aware(moment: datetime) -> datetime:
    """A stored time (naive UTC) as an aware one."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _overlaps(start: datetime, end: datetime, busy: Iterable[Interval]) -> int:
    return sum(1 for lo, hi in busy if lo < end and start < hi)


class Occupancy:
    """The desks and provinces busy in the cycle, as recorded, plus the moves planned so far."""

    def __init__(self, engine: Engine, cycle: Cycle) -> None:
        self.cycle = cycle
        with Session(engine) as db:
            rows = db.scalars(
                select(SessionRow).where(
                    SessionRow.year == cycle.year, SessionRow.state != SessionState.CANCELLED.value
                )
            ).all()
        self.kept: dict[str, tuple[str, str, Interval]] = {
            r.id: (r.province, r.desk, (aware(r.starts_at), aware(r.ends_at))) for r in rows
        }
        self.zones = {p.code: p.zone for p in cycle.provinces}
        self._starts: dict[str, list[datetime]] = {}

    def starts_in(self, zone: str) -> list[datetime]:
        """Every start inside the window and both parties' office hours (solver's candidates)."""
        if zone not in self._starts:
            self._starts[zone] = candidate_starts(schedule_request(self.cycle), zone)
        return self._starts[zone]

    def place(self, session_id: str, province: str, desk: str, start: datetime, end: datetime) -> None:
        """A planned move: later sessions of the same plan see it."""
        self.kept[session_id] = (province, desk, (start, end))

    def free(
        self, session_id: str, province: str, desk: str, length: timedelta, now: datetime
    ) -> list[datetime]:
        """The starts where the session could go, earliest first (aware, UTC)."""
        others = [v for k, v in self.kept.items() if k != session_id]
        desk_busy = [span for _, d, span in others if d == desk]
        province_busy = [span for p, _, span in others if p == province]
        limit = self.cycle.desk_sessions.max_parallel_per_province
        found = []
        for start in self.starts_in(self.zones[province]):
            start = start.astimezone(UTC)
            end = start + length
            if start <= now or _overlaps(start, end, desk_busy):
                continue
            if _overlaps(start, end, province_busy) >= limit:
                continue
            found.append(start)
        return found


def free_slots(engine: Engine, cycle: Cycle, session: SessionRow, now: datetime) -> list[datetime]:
    """Where ``session`` could move to now."""
    length = session.ends_at - session.starts_at
    return Occupancy(engine, cycle).free(session.id, session.province, session.desk, length, aware(now))


def by_day(starts: Sequence[datetime], zone: str) -> list[tuple[date, list[datetime]]]:
    """Starts grouped by the venue's calendar day."""
    days: dict[date, list[datetime]] = {}
    for start in starts:
        days.setdefault(local_date(start, zone), []).append(start)
    return sorted(days.items())


def plan_moves(
    engine: Engine, cycle: Cycle, sessions: Sequence[SessionRow], away_from: date, now: datetime
) -> tuple[list[Move], list[str]]:
    """Each session off the day ``away_from`` (the venue's date) to the free start nearest its own
    time on another day, later days first; returns the moves and the sessions no slot was
    found for."""
    occupancy = Occupancy(engine, cycle)
    venue = cycle.desk_sessions.venue_zone
    for row in sessions:
        # The sessions that move leave their places free for each other.
        occupancy.kept.pop(row.id, None)
    moves, stuck = [], []
    for row in sorted(sessions, key=lambda r: (r.starts_at, r.province, r.desk)):
        start, length = aware(row.starts_at), row.ends_at - row.starts_at
        free = [
            s
            for s in occupancy.free(row.id, row.province, row.desk, length, aware(now))
            if local_date(s, venue) != away_from
        ]
        if not free:
            stuck.append(row.id)
            continue
        chosen = min(free, key=lambda s: _nearness(s, start, away_from, venue))
        occupancy.place(row.id, row.province, row.desk, chosen, chosen + length)
        moves.append(Move(row.id, row.province, row.desk, start, chosen))
    return moves, stuck


def _nearness(candidate: datetime, own: datetime, away_from: date, venue: str) -> tuple[bool, int, float]:
    """Later days before earlier ones, then the nearest day, then the nearest time of day."""
    day = local_date(candidate, venue)
    own_time, its_time = own.astimezone(UTC).time(), candidate.astimezone(UTC).time()
    minutes = abs((datetime.combine(day, its_time) - datetime.combine(day, own_time)).total_seconds())
    return (day < away_from, abs((day - away_from).days), minutes)
