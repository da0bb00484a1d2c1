"""Database writes from a workflow: local activities, in workflows started since.

A local activity runs in the worker that holds the workflow task and leaves one marker in the
history, where an activity leaves three events, a task on the server's queue and one more
workflow task to resume the workflow. A row takes milliseconds to write and every write is keyed
(a repeat changes nothing), so if a worker dies mid-write, the workflow task times out and the
next worker writes again.

Mail stays an activity (in batches, see workflows.batches): a burst of it, queued inside a
worker, would hold workflow tasks open past their timeout. So do the plan, the documents
(seconds of layout) and the simulated participants, who act on the workflow through updates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from temporalio import workflow

from workflows import options

LOCAL_WRITES = "local-writes"


def writes_are_local() -> bool:
    """False in workflows that wrote through activities before; the answer is kept per run."""
    return workflow.patched(LOCAL_WRITES)


async def write(activity: Callable[..., Any], arg: Any) -> Any:
    if writes_are_local():
        return await workflow.execute_local_activity_method(  # type: ignore[call-overload]
            activity, arg, **options.RECORD
        )
    return await workflow.execute_activity_method(activity, arg, **options.RECORD)  # type: ignore[call-overload]
