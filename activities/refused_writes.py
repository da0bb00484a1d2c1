"""A write the database refuses for good fails at once, visibly, and says why without repeating
what people typed.

A value too long for its column (PostgreSQL's DataError) or a broken constraint (IntegrityError)
fails the same way on every attempt: retried, it would hold every later write of its workflow
behind it. The workflow's Recorder records the failure (write_failures) and goes on.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import DataError, IntegrityError
from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

WRITE_REFUSED = "WriteRefused"


def what_the_database_said(error: DataError | IntegrityError) -> str:
    """The database's own message, first line only: the column or constraint and the reason.
    (SQLAlchemy's text would add the statement and its parameters: people's names.)"""
    original = error.orig
    diag = getattr(original, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    text = primary or str(original).splitlines()[0] if original is not None else type(error).__name__
    return f"{type(original).__name__}: {text}"


class _Inbound(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        try:
            return await super().execute_activity(input)
        except (DataError, IntegrityError) as error:
            raise ApplicationError(
                f"the database refused {activity.info().activity_type}: {what_the_database_said(error)}",
                type=WRITE_REFUSED,
                non_retryable=True,
            ) from None


class RefusedWrites(Interceptor):
    """The worker's interceptor: database refusals become non-retryable, named failures."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _Inbound(next)
