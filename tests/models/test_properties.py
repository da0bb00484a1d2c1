"""Property-based checks of the validators, and a fuzz pass over the cycle-file and reply parsers.

Whatever a person types or a mail server delivers, the answer is the value, cleaned, or a
clear refusal: never an unexpected exception, never control characters let through.
"""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from mail.replies import ReplyError, parse_reply
from models.cycle import CycleFileError, load_cycle
from models.items import MAX_BUDGET_RUPIAH, OutcomeItem
from tests.conftest import write_cycle
from tests.helpers.replies import eml, ics

CONTROL = {chr(c) for c in range(0x20)} | {"\x7f", "\u2028", "\u2029"}


def hidden(text: str) -> set[str]:
    """Control, invisible formatting and separator characters (models/text.py's HIDDEN)."""
    return {c for c in text if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")}


ITEM = {
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
    "status": "agreed",
}


@given(st.text(max_size=400))
@example("Jalan\r\nBcc: someone@example.org")
@example("<script>alert(1)</script>")
def test_a_line_is_one_clean_line_or_refused(title: str) -> None:
    try:
        item = OutcomeItem.model_validate({**ITEM, "title": title})
    except ValidationError as exc:
        assert all(e["loc"] == ("title",) for e in exc.errors())
        return
    assert item.title == title.strip()
    assert 1 <= len(item.title) <= 300
    assert not CONTROL & set(item.title) and not hidden(item.title)


@given(st.text(max_size=2500))
def test_notes_keep_paragraphs_and_nothing_else(notes: str) -> None:
    try:
        item = OutcomeItem.model_validate({**ITEM, "notes": notes})
    except ValidationError as exc:
        assert all(e["loc"] == ("notes",) for e in exc.errors())
        return
    assert len(item.notes) <= 2000
    assert not (CONTROL - {"\n"}) & set(item.notes) and not hidden(item.notes) - {"\n"}


@given(st.integers())
def test_budgets_outside_zero_to_100_trillion_are_refused(budget: int) -> None:
    valid = 0 <= budget <= MAX_BUDGET_RUPIAH
    try:
        OutcomeItem.model_validate({**ITEM, "budget_rupiah": budget})
    except ValidationError:
        assert not valid
    else:
        assert valid


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_targets_are_finite_and_not_negative(value: float) -> None:
    try:
        item = OutcomeItem.model_validate({**ITEM, "target_value": value})
    except ValidationError:
        assert math.isnan(value) or math.isinf(value) or value < 0 or value > 1e12
    else:
        assert 0 <= item.target_value <= 1e12


@pytest.fixture(scope="module")
def cycle_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_cycle(tmp_path_factory.mktemp("fuzz"), ["31", "94"]).parent


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_cycle_files_load_or_fail_with_a_cycle_file_error(
    cycle_folder: Path, data: st.DataObject
) -> None:
    lines = (cycle_folder / "cycle.toml").read_text(encoding="utf-8").splitlines()
    # Drop a few lines and overwrite a few characters: the shapes of real editing mistakes.
    for _ in range(data.draw(st.integers(0, 3))):
        del lines[data.draw(st.integers(0, len(lines) - 1))]
    for _ in range(data.draw(st.integers(0, 4))):
        i = data.draw(st.integers(0, len(lines) - 1))
        if lines[i]:
            j = data.draw(st.integers(0, len(lines[i]) - 1))
            lines[i] = lines[i][:j] + data.draw(st.characters()) + lines[i][j + 1 :]
    fuzzed = cycle_folder / "fuzzed.toml"
    fuzzed.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    try:
        load_cycle(fuzzed)
    except CycleFileError as exc:
        assert str(exc).startswith(str(fuzzed))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_are_refused_as_replies(raw: bytes) -> None:
    try:
        parse_reply(raw)
    except ReplyError:
        pass


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_mangled_replies_parse_or_fail_with_a_reply_error(data: st.DataObject) -> None:
    raw = bytearray(eml(ics()))
    for _ in range(data.draw(st.integers(1, 8))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    try:
        reply = parse_reply(bytes(raw))
    except ReplyError:
        return
    assert reply.uid and reply.partstat
