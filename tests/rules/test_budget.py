"""What a workflow's history can take: a too large action is refused, plain input stops first,
the actions that finish a cycle still pass after it, and nothing passes the bound."""

from __future__ import annotations

import pytest
from temporalio.exceptions import ApplicationError

from rules.budget import CYCLE, EVENTS_PER_UPDATE, MB, PROVINCE, Budget, check_budget


def refusal(update: str, size: int, history_bytes: int, history_events: int) -> str | None:
    try:
        check_budget(PROVINCE, update, size, history_bytes, history_events)
    except ApplicationError as exc:
        return str(exc.details[0]["code"])
    return None


def test_one_action_larger_than_its_share_is_refused_whatever_the_history() -> None:
    assert refusal("submit_proposals", PROVINCE.max_update_bytes, 0, 0) is None
    assert refusal("submit_proposals", PROVINCE.max_update_bytes + 1, 0, 0) == "too_large"


def test_plain_input_stops_before_the_actions_that_finish_a_cycle() -> None:
    full = PROVINCE.input_bytes - 1000
    assert refusal("submit_proposals", 999, full, 100) is None
    assert refusal("submit_proposals", 2000, full, 100) == "budget_spent"
    assert refusal("record_reply", 500, full + 1000, 100) == "budget_spent"
    # The outcome, confirmation and signatures still pass: a province can finish its cycle.
    for finishing in ("record_outcome", "confirm_items", "sign"):
        assert refusal(finishing, 200_000, full + 1000, 100) is None
    assert refusal("sign", 1000, PROVINCE.finishing_bytes, 100) == "budget_spent"


def test_events_count_as_well_as_bytes() -> None:
    assert refusal("check_in", 100, MB, PROVINCE.input_events - EVENTS_PER_UPDATE) is None
    assert refusal("check_in", 100, MB, PROVINCE.input_events - EVENTS_PER_UPDATE + 1) == "budget_spent"
    assert refusal("sign", 100, MB, PROVINCE.input_events) is None


@pytest.mark.parametrize("budget", [PROVINCE, CYCLE])
def test_every_share_stays_under_its_bound(budget: Budget) -> None:
    assert budget.max_update_bytes < budget.input_bytes <= budget.finishing_bytes < budget.bound_bytes
    assert budget.input_events <= budget.finishing_events < budget.bound_events
