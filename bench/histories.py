"""What a run left in Temporal: workflows, activities, timers, updates, and the largest history."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

COUNTED = {
    EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: "activities",
    EventType.EVENT_TYPE_TIMER_STARTED: "timers",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: "updates",
    EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED: "children",
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: "workflow_tasks",
}
LOCAL_ACTIVITY_MARKER = "core_local_activity"
"""The marker a local activity leaves in history, in place of an activity's three events."""


@dataclass
class HistoryFigures:
    workflows: int
    counts: Counter[str]
    events: int
    largest_events: int
    largest_workflow: str
    largest_bytes: int


async def history_figures(client: Client, workflow_ids: list[str]) -> HistoryFigures:
    counts: Counter[str] = Counter()
    events = largest = largest_bytes = 0
    largest_id = ""
    for workflow_id in workflow_ids:
        history = await client.get_workflow_handle(workflow_id).fetch_history()
        found = history.events
        events += len(found)
        size = sum(e.ByteSize() for e in found)
        largest_bytes = max(largest_bytes, size)
        if len(found) > largest:
            largest, largest_id = len(found), workflow_id
        for event in found:
            name = COUNTED.get(event.event_type)
            if name:
                counts[name] += 1
            elif event.marker_recorded_event_attributes.marker_name == LOCAL_ACTIVITY_MARKER:
                counts["local_activities"] += 1
    return HistoryFigures(len(workflow_ids), counts, events, largest, largest_id, largest_bytes)
