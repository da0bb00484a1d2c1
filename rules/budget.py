"""How much people's input a workflow takes: bounded, whatever anyone sends.

Temporal terminates a workflow whose history passes its limits (50 MB or 51,200 events by
default), and a province terminated is a province whose cycle is over. Every accepted update
stays in the history, so input is counted before it is accepted: one update may carry at most
``max_update_bytes``; input is taken while the history stays under ``input_*``; past that only the
actions that finish a cycle (outcomes, confirmations, signatures, an organizer's moves) are taken,
up to ``finishing_*``, which leaves the workflow room for its own last steps under ``bound_*``.
A refused update never enters the history, so refusals cost nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from rules.access import refuse

MB = 1024 * 1024


@dataclass(frozen=True)
class Budget:
    max_update_bytes: int
    input_bytes: int
    input_events: int
    finishing_bytes: int
    finishing_events: int
    bound_bytes: int
    bound_events: int
    """What no history may pass: what the budget is measured against (BENCHMARKS.md)."""


PROVINCE = Budget(
    max_update_bytes=512 * 1024,
    input_bytes=7 * MB,
    input_events=7_000,
    finishing_bytes=8 * MB,
    finishing_events=8_500,
    bound_bytes=10 * MB,
    bound_events=10_000,
)
"""A 2022 province ends its cycle under 1 MB and 1,000 events (BENCHMARKS.md): the budget leaves
seven times that for people's input and still a margin for the workflow's own steps."""

CYCLE = Budget(
    max_update_bytes=64 * 1024,
    input_bytes=30 * MB,
    input_events=30_000,
    finishing_bytes=30 * MB,
    finishing_events=30_000,
    bound_bytes=50 * MB,
    bound_events=51_200,
)
"""The cycle's workflow takes the pre-meeting's answers and check-ins of every participant (about
7 events and 7 KB each): kept under Temporal's own limits, not the province's tighter bound."""

FINISHING = frozenset({"record_outcome", "amend_outcome", "confirm_items", "sign", "reschedule", "cancel"})
"""The actions a cycle cannot end without: still taken once plain input has filled its share."""

EVENTS_PER_UPDATE = 8
"""What one accepted update adds at most: its acceptance and completion, a workflow task, the
write of its rows."""


def check_budget(
    budget: Budget, update: str, update_bytes: int, history_bytes: int, history_events: int
) -> None:
    """Refuses ``update`` (its name) when it is too large, or when accepting it could take the
    history past what its kind of action may use."""
    if update_bytes > budget.max_update_bytes:
        raise refuse(
            f"{update} carries {update_bytes:,} bytes, more than the {budget.max_update_bytes:,} one "
            "action may: send it in parts",
            "too_large",
            size=f"{update_bytes / 1024:,.0f} KB",
            limit=f"{budget.max_update_bytes / 1024:,.0f} KB",
        )
    finishing = update in FINISHING
    limit_bytes = budget.finishing_bytes if finishing else budget.input_bytes
    limit_events = budget.finishing_events if finishing else budget.input_events
    if history_bytes + update_bytes > limit_bytes or history_events + EVENTS_PER_UPDATE > limit_events:
        raise refuse(
            f"this workflow has taken all the input it can ({history_bytes / MB:.1f} MB, "
            f"{history_events:,} events; {update} may use up to {limit_bytes / MB:.0f} MB and "
            f"{limit_events:,} events): ask the secretariat",
            "budget_spent",
            limit=f"{limit_bytes / MB:.0f} MB",
        )
