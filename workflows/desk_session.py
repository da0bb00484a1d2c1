"""One desk session's life: invitation, updates or cancellation, reminders, the meeting, its outcome.

Runs as a coroutine of its province workflow, given the province's progress, its mailer and its
calendar: never the workflow itself. Every wait also watches the session's SEQUENCE: a reschedule
or cancellation wakes it, and the loop starts over with the session as it now is, so a reminder
is always decided at its moment, for the current time, and never after a cancel.
"""

from __future__ import annotations

from datetime import time, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.messages import MailKind
    from models.progress import ProvinceProgress
    from models.stages import SessionState
    from schedule.reminders import reminder_moments
    from schedule.working_time import local_moment

from workflows.calendar_time import CalendarTime
from workflows.mailer import ProvinceMailer


async def run_session(
    progress: ProvinceProgress, desk: str, mailer: ProvinceMailer, time_: CalendarTime
) -> None:
    session = progress.sessions[desk]
    input = progress.input
    window_closes = local_moment(input.window_end + timedelta(days=1), time(0), input.venue_zone)
    invited_sequence: int | None = None
    announced_start = None
    """The start the invitees were last told, for an update to say what it changes."""
    while True:
        sequence = session.sequence
        changed = lambda: session.sequence != sequence  # noqa: B023, E731

        if session.state is SessionState.CANCELLED:
            await mailer.send_session(
                MailKind.SESSION_CANCEL, session, reason=progress.cancel_reasons.get(desk, "")
            )
            invited_sequence = sequence
            progress.cancellations_sent.add(desk)
            # A cancelled session may be held again until the window closes.
            if not await time_.wait_until(window_closes, changed):
                return
            continue

        if invited_sequence != sequence:
            kind = MailKind.SESSION_INVITE if invited_sequence is None else MailKind.SESSION_UPDATE
            moved_from = announced_start if announced_start != session.starts_at else None
            await mailer.send_session(kind, session, moved_from=moved_from)
            invited_sequence, announced_start = sequence, session.starts_at
            if not changed():
                session.invite()
        if changed():
            continue

        moved = False
        reminders = reminder_moments(
            session.starts_at, input.venue_zone, input.reminders.day_before_at, input.reminders.minutes_before
        )
        for variant, moment in reminders:
            if time_.has_passed(moment):
                await mailer.send_session(
                    MailKind.SESSION_REMINDER,
                    session,
                    variant=variant,
                    skip_reason=f"its moment {moment.isoformat()} had passed",
                )
                continue
            if await time_.wait_until(moment, changed):
                moved = True
                break
            await mailer.send_session(MailKind.SESSION_REMINDER, session, variant=variant)
        if moved or await time_.wait_until(session.starts_at, changed):
            continue

        # The outcome may already be in: its update is accepted from the session's start on,
        # and this coroutine may wake a moment later.
        session.hold()
        await workflow.wait_condition(lambda: session.state is SessionState.OUTCOME_RECORDED)
        return
