"""Mail and database writes from a workflow: local activities, in workflows started since.

A local activity runs in the worker that holds the workflow task and leaves one marker in the
history, where an activity leaves three events, a task on the server's queue and one more
workflow task to resume the workflow. A session's mail or a row takes milliseconds to send or
write, and both are idempotent (the outbox, keyed writes): if a worker dies mid-step, the
workflow task times out and the next worker runs the step again.

Long or outward-facing steps stay activities: the plan, the documents (seconds of layout) and
the simulated participants, who act on the workflow through updates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from temporalio import workflow

from workflows.options import ActivityOptions

LOCAL_STEPS = "local-steps"


def steps_are_local() -> bool:
    """False in workflows that ran these steps as activities before; the answer is kept per run."""
    return workflow.patched(LOCAL_STEPS)


async def run_step(activity: Callable[..., Any], arg: Any, options: ActivityOptions) -> Any:
    if steps_are_local():
        local = {k: v for k, v in options.items() if k != "heartbeat_timeout"}
        return await workflow.execute_local_activity_method(activity, arg, **local)  # type: ignore[call-overload]
    return await workflow.execute_activity_method(activity, arg, **options)  # type: ignore[call-overload]
