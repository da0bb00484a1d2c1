"""What a person types is one clean value or a refusal that says which character and where: no
hidden characters, one spelling per reference, numbers that are numbers, links that are https."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from models.items import OutcomeItem, ProposalItem
from models.workflow_io import RescheduleSession

ITEM: dict[str, Any] = {
    "ref": "94-1.01-01",
    "desk": "1.01",
    "level": "program",
    "title": "Program prioritas",
    "indicator": "Persentase layanan",
    "target_value": 85.5,
    "target_unit": "persen",
    "location": "Provinsi Papua",
    "budget_rupiah": 12_500_000_000,
    "funding_source": "APBN",
    "proposed_by": "Pemda",
}


@pytest.mark.parametrize(
    ("title", "where"),
    [
        ("Jalan\u0085Raya", "U+0085 at position 6"),  # NEL: a line break in some readers
        ("Program \u202eadaptasi", "U+202E at position 9"),  # right-to-left override
        ("\u200b\u200b", "U+200B at position 1"),  # a title of zero-width spaces only
        ("Jalan\u2028Raya", "U+2028 at position 6"),
    ],
)
def test_hidden_characters_are_refused_by_name_and_place(title: str, where: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(where)) as refused:
        ProposalItem.model_validate({**ITEM, "title": title})
    assert refused.value.errors()[0]["loc"] == ("title",)


def test_a_reference_has_one_spelling() -> None:
    plain = ProposalItem.model_validate({**ITEM, "ref": "1.01-1"})
    full_width = ProposalItem.model_validate({**ITEM, "ref": "\uff11.01-1"})
    assert plain.ref == full_width.ref == "1.01-1"
    with pytest.raises(ValidationError, match="U\\+200B at position 7"):
        ProposalItem.model_validate({**ITEM, "ref": "1.01-1\u200b"})


@pytest.mark.parametrize(
    ("field", "value"),
    [("budget_rupiah", True), ("budget_rupiah", "12000"), ("budget_rupiah", 12.5), ("target_value", "85")],
)
def test_a_figure_is_a_number_not_something_taken_for_one(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as refused:
        OutcomeItem.model_validate({**ITEM, field: value, "status": "agreed"} | {"proposed_by": None})
    assert any(e["loc"] == (field,) for e in refused.value.errors())


def test_budgets_and_targets_in_json_are_read_as_they_are_written() -> None:
    item = ProposalItem.model_validate_json(
        '{"ref": "r", "desk": "1.01", "level": "program", "title": "t", "indicator": "i",'
        '"target_value": 85, "target_unit": "persen", "location": "l", "budget_rupiah": 12000,'
        '"funding_source": "APBN", "proposed_by": "Pemda"}'
    )
    assert (item.target_value, item.budget_rupiah) == (85.0, 12000)


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "data:text/html,<b>x</b>",
        "http://vicon.kemendagri.test/x",
        "https://",
        "ftp://x.test",
    ],
)
def test_a_meeting_link_is_an_https_address(link: str) -> None:
    starts = datetime(2022, 3, 7, 2, tzinfo=UTC)
    with pytest.raises(ValidationError, match="must be an https:// web address"):
        RescheduleSession(actor="FAC-1.01", desk="1.01", starts_at=starts, online_link=link)
    moved = RescheduleSession(
        actor="FAC-1.01", desk="1.01", starts_at=starts, online_link="https://vicon.kemendagri.test/r-1"
    )
    assert moved.online_link == "https://vicon.kemendagri.test/r-1"
