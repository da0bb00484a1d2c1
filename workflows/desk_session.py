"""One desk session's life: invitation, updates or cancellation, reminders, the meeting, its outcome.

Runs as a coroutine of its province workflow. Every wait also watches the session's SEQUENCE:
a reschedule or cancellation wakes it, and the loop starts over with the session as it now is,
so a reminder is always decided at its moment, for the current time, and never after a cancel.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.messages import MailKind
    from models.sessions import DeskSession
    from models.stages import SessionState
    from schedule.working_time import local_date, local_moment, previous_working_day

if TYPE_CHECKING:
    from workflows.province import ProvinceWorkflow


def reminder_moments(
    session: DeskSession, venue_zone: str, day_before_at: time, minutes_before: int
) -> list[tuple[str, datetime]]:
    day = previous_working_day(local_date(session.starts_at, venue_zone))
    return [
        ("day-before", local_moment(day, day_before_at, venue_zone)),
        ("hour-before", session.starts_at - timedelta(minutes=minutes_before)),
    ]


async def run_session(province: ProvinceWorkflow, desk: str) -> None:
    session = province.sessions[desk]
    window_closes = local_moment(
        province.input.window_end + timedelta(days=1), time(0), province.input.venue_zone
    )
    invited_sequence: int | None = None
    while True:
        sequence = session.sequence
        changed = lambda: session.sequence != sequence  # noqa: B023, E731

        if session.state is SessionState.CANCELLED:
            await province.send(
                MailKind.SESSION_CANCEL,
                session.recipients,
                session=session,
                facts={"reason": province.cancel_reasons.get(desk, "")},
            )
            invited_sequence = sequence
            province.cancellations_sent.add(desk)
            # A cancelled session may be held again until the window closes.
            if not await province.time.wait_until(window_closes, changed):
                return
            continue

        if invited_sequence != sequence:
            kind = MailKind.SESSION_INVITE if invited_sequence is None else MailKind.SESSION_UPDATE
            await province.send(kind, session.recipients, session=session)
            invited_sequence = sequence
            if session.state is SessionState.SCHEDULED:
                session.state = SessionState.INVITED
        if changed():
            continue

        reminders = reminder_moments(
            session,
            province.input.venue_zone,
            province.input.reminders.day_before_at,
            province.input.reminders.minutes_before,
        )
        moved = False
        for variant, moment in reminders:
            if province.time.has_passed(moment):
                await province.send(
                    MailKind.SESSION_REMINDER,
                    session.recipients,
                    session=session,
                    variant=variant,
                    skip_reason=f"its moment {moment.isoformat()} had passed",
                )
                continue
            if await province.time.wait_until(moment, changed):
                moved = True
                break
            await province.send(
                MailKind.SESSION_REMINDER, session.recipients, session=session, variant=variant
            )
        if moved or await province.time.wait_until(session.starts_at, changed):
            continue

        # The outcome may already be in: its update is accepted from the session's start on,
        # and this coroutine may wake a moment later.
        if session.state is not SessionState.OUTCOME_RECORDED:
            session.state = SessionState.HELD
        await workflow.wait_condition(lambda: session.state is SessionState.OUTCOME_RECORDED)
        return
