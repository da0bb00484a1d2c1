"""Timeouts and retries of the activities the workflows run."""

from datetime import timedelta
from typing import TypedDict

from temporalio.common import RetryPolicy


class ActivityOptions(TypedDict, total=False):
    start_to_close_timeout: timedelta
    heartbeat_timeout: timedelta
    retry_policy: RetryPolicy


# Mail servers and databases come back: keep retrying, slower and slower, and let the
# outbox and keyed writes make every retry harmless.
PATIENT = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=["DeskTaken", "ScheduleError", "ValueError", "LookupError"],
)

RECORD: ActivityOptions = {"start_to_close_timeout": timedelta(minutes=2), "retry_policy": PATIENT}
MAIL: ActivityOptions = {
    "start_to_close_timeout": timedelta(minutes=10),
    "heartbeat_timeout": timedelta(minutes=2),
    "retry_policy": PATIENT,
}
PLAN: ActivityOptions = {"start_to_close_timeout": timedelta(minutes=10), "retry_policy": PATIENT}
"""Scheduling a regency-level cycle takes tens of seconds; a province's plan loads in a moment."""
DOCUMENT: ActivityOptions = {"start_to_close_timeout": timedelta(minutes=5), "retry_policy": PATIENT}
SIMULATION: ActivityOptions = {
    # A simulated step waits for its update to be accepted, and the time-skipping server may
    # jump its clock past a short timeout meanwhile: a generous one, and no limit on attempts
    # (the update id makes them harmless; a refusal is not retried, see UpdateRefused).
    "start_to_close_timeout": timedelta(minutes=10),
    # A step heartbeats every 5 s: one whose worker was killed is tried again within 30 s, not
    # ten minutes later (past a rehearsal's deadlines, or a test's patience).
    "heartbeat_timeout": timedelta(seconds=30),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30)
    ),
}
