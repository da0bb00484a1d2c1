"""Confirmations: who confirms, when, and only agreed items (rules/confirmation.py)."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from temporalio.exceptions import ApplicationError

from models.items import ItemConfirmation, ItemStatus
from models.stages import Stage
from models.workflow_io import ConfirmItems
from rules.confirmation import check_confirmation
from tests.helpers.progress import outcome, progress, token

NOW = datetime(2022, 3, 10, 10, tzinfo=ZoneInfo("Asia/Jakarta"))


def confirm(state, actor: str, *refs: str) -> ConfirmItems:  # type: ignore[no-untyped-def]
    items = [ItemConfirmation(ref=r, location_ready=True, target_confirmed=True) for r in refs]
    return ConfirmItems(actor=actor, token=token(state, actor), confirmations=items)


def test_agreed_items_are_confirmed_by_the_province_alone() -> None:
    state = progress()
    state.record_outcome(
        "1.01", [outcome("94-1", "1.01"), outcome("94-2", "1.01", ItemStatus.NOT_AGREED)], "FAC-1.01"
    )
    with pytest.raises(ApplicationError, match="accepted in CONFIRMATION only"):
        check_confirmation(state, confirm(state, "P94-KOORD", "94-1"), NOW)
    state.enter(Stage.CONFIRMATION)
    assert check_confirmation(state, confirm(state, "P94-KEPALA", "94-1"), NOW).id == "P94-KEPALA"
    with pytest.raises(ApplicationError, match="item 94-2 is not an agreed item of this province"):
        check_confirmation(state, confirm(state, "P94-KOORD", "94-2"), NOW)
    with pytest.raises(ApplicationError, match=re.escape("FAC-1.01 (facilitator) may not confirm items")):
        check_confirmation(state, confirm(state, "FAC-1.01", "94-1"), NOW)
    assert state.confirm([ItemConfirmation(ref="94-1", location_ready=True, target_confirmed=True)]) == 0
