"""Update inputs refuse what their column could not hold, before it reaches a workflow."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from models.workflow_io import RescheduleSession


def test_a_move_refuses_a_room_longer_than_its_column_and_a_link_that_is_no_web_address() -> None:
    starts = datetime(2022, 3, 7, 2, tzinfo=UTC)
    moved = RescheduleSession(actor="FAC-1.01", desk="1.01", starts_at=starts, room="R" * 200)
    assert moved.room == "R" * 200
    with pytest.raises(ValidationError, match="room\n  String should have at most 200 characters"):
        RescheduleSession(actor="FAC-1.01", desk="1.01", starts_at=starts, room="R" * 250)
    with pytest.raises(ValidationError, match="online_link\n  Value error, must be one line"):
        RescheduleSession(
            actor="FAC-1.01", desk="1.01", starts_at=starts, online_link="https://a.test/x\r\ny"
        )
