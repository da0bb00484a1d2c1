"""Proposal rows as typed or uploaded: read into items, or an error that says where."""

from __future__ import annotations

import re

import pytest

from portal.proposals import UploadError, check_rows, read_upload, template_csv, template_xlsx
from portal.visitors import Visitor

KOORD = Visitor(
    "0" * 64,
    2022,
    "P94-KOORD",
    "Koordinator",
    "province_coordinator",
    "Bappeda",
    "94",
    (),
    "id",
    "Asia/Jayapura",
)
OFFICIAL = Visitor(
    "1" * 64,
    2022,
    "KL-1.01-1",
    "Pejabat",
    "desk_official",
    "Kemendikbudristek",
    None,
    ("1.01",),
    "en",
    "Asia/Jakarta",
)


def test_both_templates_read_back_as_one_valid_item() -> None:
    for name, data in (("templat.csv", template_csv()), ("templat.xlsx", template_xlsx())):
        rows = read_upload(name, data)
        checked = check_rows(rows, KOORD)
        assert checked.ok, (name, checked.errors)
        (item,) = checked.items
        assert (item.ref, item.budget_rupiah, item.target_value, item.proposed_by) == (
            "94-001",
            15_000_000_000,
            120.0,
            "Pemda",
        )


def test_figures_as_people_type_them_and_errors_by_row_and_field() -> None:
    rows = read_upload(
        "usulan.csv",
        b"ref;desk;level;title;indicator;target_value;target_unit;location;budget_rupiah;funding_source\n"
        b"94-1;1.01;kegiatan;Sekolah;Ruang kelas;2,5;ha;Biak;Rp 1.500.000;APBN\n"
        b"94-2;1.01;tahap;Sekolah;;x;ha;Biak;12,5;APBN\n",
    )
    checked = check_rows(rows, OFFICIAL)
    assert checked.items[0].budget_rupiah == 1_500_000 and checked.items[0].target_value == 2.5
    assert checked.items[0].proposed_by == "K/L"
    assert {field for row, field in checked.errors if row == 1} == {
        "level",
        "indicator",
        "target_value",
        "budget_rupiah",
    }
    assert checked.errors[(1, "level")].kind == "enum"


@pytest.mark.parametrize(
    ("name", "data", "where"),
    [
        ("usulan.csv", b"ref;desk;title\n94-1;1.01;x\n", "usulan.csv, row 1: missing column(s) level"),
        ("usulan.csv", "ref\n".encode("utf-16"), "usulan.csv: not UTF-8 text"),
        ("usulan.xlsx", b"PK not really", "usulan.xlsx: not a readable XLSX file"),
        ("usulan.csv", b"", "usulan.csv: the file is empty"),
    ],
)
def test_a_file_that_is_not_the_template_says_where(name: str, data: bytes, where: str) -> None:
    with pytest.raises(UploadError, match=re.escape(where)):
        read_upload(name, data)
