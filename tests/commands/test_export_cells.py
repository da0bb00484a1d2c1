"""A cell someone typed as a formula is shown, never run, by whoever opens an export."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from commands.export import _write


def test_formulas_are_neutralized_in_csv_and_kept_as_typed_in_json(tmp_path: Path) -> None:
    typed = ['=HYPERLINK("https://evil.test","klik")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx"]
    rows = [{"title": t, "budget_rupiah": -5 if i == 0 else 5} for i, t in enumerate(typed)]
    rows.append({"title": "Jalan Trans-Papua = prioritas", "budget_rupiah": 7})
    csv_path, json_path = _write(tmp_path, "outcomes", ["title", "budget_rupiah"], rows)
    with csv_path.open(encoding="utf-8", newline="") as f:
        read = list(csv.DictReader(f))
    assert [r["title"] for r in read][:5] == ["'" + t for t in typed]
    # Text that merely contains "=" and numbers (a negative one too) are left alone.
    assert read[5]["title"] == "Jalan Trans-Papua = prioritas"
    assert [r["budget_rupiah"] for r in read] == ["-5", "5", "5", "5", "5", "7"]
    assert [r["title"] for r in json.loads(json_path.read_text(encoding="utf-8"))][:5] == typed
