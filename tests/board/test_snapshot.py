"""The calendar time the board shows beside live workflow state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from commands.status import live_calendar_now
from store.database import utc
from store.tables import CycleRow


def test_a_rehearsal_calendar_moves_on_while_its_cycle_workflow_waits() -> None:
    # At 5000x, started ten real minutes ago: 34.7 calendar days on. The cycle workflow, waiting
    # for its provinces, last told the calendar time of its start.
    origin = datetime(2022, 2, 1, 1, 0)
    started = utc(datetime.now(UTC) - timedelta(minutes=10))
    cycle = CycleRow(year=2022, calendar_origin=origin, real_origin=started, speed=5000.0)
    before = origin + (utc(datetime.now(UTC)) - started) * 5000
    shown = live_calendar_now(cycle, told=origin)
    after = origin + (utc(datetime.now(UTC)) - started) * 5000
    assert before <= shown <= after
    assert shown - origin > timedelta(days=34)

    # A workflow ahead of the wall clock (on a time-skipping server) is believed.
    ahead = origin + timedelta(days=60)
    assert live_calendar_now(cycle, told=ahead) == ahead
    # A live cycle (no rehearsal clock): the wall clock.
    live = CycleRow(year=2023)
    assert abs(live_calendar_now(live, told=origin) - utc(datetime.now(UTC))) < timedelta(seconds=5)
