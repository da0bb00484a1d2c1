"""Proposal items as a person enters them in the portal (e-Rakortekrenbang): rows of text kept as
typed, read into ProposalItems with an error per field, imported from CSV or XLSX, kept as a
draft until submitted.

A row stays as typed, valid or not, so that nothing a person entered is lost to an error; only
a submission turns rows into items, through the same model the workflow's update takes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from openpyxl import Workbook, load_workbook
from pydantic import ValidationError
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from models.items import FundingSource, ItemLevel, PlanItem, ProposalItem
from models.participants import Role
from portal.visitors import Visitor
from store.database import upsert
from store.tables import ProposalDraftRow, ProposalRow

FIELDS = tuple(PlanItem.model_fields)
"""The columns of a row, in the order of the form and of the CSV/XLSX template."""

MAX_ROWS = 2000
"""As many as one submission takes (SubmitProposals)."""
MAX_UPLOAD_BYTES = 5_000_000

Row = dict[str, str]


@dataclass
class Checked:
    """Rows read into items, or the errors that stop them: {(row index, field): message}."""

    items: list[ProposalItem] = field(default_factory=list)
    errors: dict[tuple[int, str], FieldError] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class FieldError:
    kind: str
    """pydantic's error type (missing, float_parsing, enum…): the page words it."""
    message: str
    """pydantic's own words, when the page has none for the kind."""
    limit: object = None


def proposer_kind(visitor: Visitor) -> str:
    """A ministry's official proposes for the K/L; everyone of a province for its Pemda."""
    return "K/L" if visitor.role == Role.DESK_OFFICIAL.value else "Pemda"


def blank_row(province: str, desks: list[str], taken: set[str]) -> Row:
    """A new row, its reference the first of the province's not yet used: a suggested reference
    that is already taken would replace that item on submission."""
    number = 1
    while f"{province}-{number:03d}" in taken:
        number += 1
    row = dict.fromkeys(FIELDS, "")
    row["desk"] = desks[0] if len(desks) == 1 else ""
    row["ref"] = f"{province}-{number:03d}"
    row["level"] = ItemLevel.KEGIATAN.value
    return row


def province_refs(engine: Engine, year: int, province: str) -> set[str]:
    """Every reference the province's proposals already use, whoever submitted them."""
    with Session(engine) as db:
        return set(
            db.scalars(
                select(ProposalRow.ref).where(ProposalRow.year == year, ProposalRow.province == province)
            )
        )


def clean(row: Mapping[str, object]) -> Row:
    return {name: str(row.get(name, "") or "").strip() for name in FIELDS}


def figure(typed: object) -> object:
    """Indonesian figures as people type them ("1.500.000" or "2,5") as numbers; what is not a
    figure stays as typed, for the model to refuse by name; empty is None."""
    if isinstance(typed, (int, float)) and not isinstance(typed, bool):
        return typed
    text = str(typed or "").replace(" ", "").replace("Rp", "").replace("rp", "")
    if text.count(",") == 1 and text.count(".") != 1:
        text = text.replace(".", "").replace(",", ".")
    elif text.count(".") > 1:
        text = text.replace(".", "")
    if not text:
        return None
    for number in (int, float):
        try:
            return number(text)
        except ValueError:
            continue
    return typed


def check_rows(rows: list[Row], visitor: Visitor) -> Checked:
    checked = Checked()
    for index, row in enumerate(rows):
        data: dict[str, object] = {name: row.get(name, "") for name in FIELDS}
        data["target_value"] = figure(row.get("target_value", ""))
        data["budget_rupiah"] = figure(row.get("budget_rupiah", ""))
        data["proposed_by"] = proposer_kind(visitor)
        try:
            checked.items.append(ProposalItem.model_validate(data))
        except ValidationError as exc:
            for error in exc.errors():
                name = str(error["loc"][0]) if error["loc"] else ""
                context = error.get("ctx") or {}
                limit = next(
                    (context[k] for k in ("max_length", "ge", "le", "min_length") if k in context), None
                )
                found = FieldError(error["type"], error["msg"], limit)
                checked.errors.setdefault((index, name if name in FIELDS else "ref"), found)
    return checked


# Drafts -----------------------------------------------------------------------------------


def load_draft(engine: Engine, visitor: Visitor, province: str) -> list[Row]:
    with Session(engine) as db:
        draft = db.get(ProposalDraftRow, (visitor.year, province, visitor.id))
        return [clean(r) for r in json.loads(draft.rows)] if draft else []


def save_draft(engine: Engine, visitor: Visitor, province: str, rows: list[Row]) -> None:
    with Session(engine) as db, db.begin():
        upsert(
            db,
            ProposalDraftRow,
            [
                {
                    "year": visitor.year,
                    "province": province,
                    "participant": visitor.id,
                    "rows": json.dumps(rows[:MAX_ROWS], ensure_ascii=False),
                    "updated_at": datetime.now(UTC).replace(tzinfo=None),
                }
            ],
            ["year", "province", "participant"],
        )


def drop_draft(engine: Engine, visitor: Visitor, province: str) -> None:
    with Session(engine) as db, db.begin():
        db.execute(
            delete(ProposalDraftRow).where(
                ProposalDraftRow.year == visitor.year,
                ProposalDraftRow.province == province,
                ProposalDraftRow.participant == visitor.id,
            )
        )


def submitted(engine: Engine, visitor: Visitor, province: str) -> list[ProposalRow]:
    """What this person has submitted for the province so far, as the workflow recorded it."""
    with Session(engine) as db:
        return list(
            db.scalars(
                select(ProposalRow)
                .where(
                    ProposalRow.year == visitor.year,
                    ProposalRow.province == province,
                    ProposalRow.submitted_by == visitor.id,
                )
                .order_by(ProposalRow.ref)
            )
        )


# CSV and XLSX -----------------------------------------------------------------------------


class UploadError(ValueError):
    """A file that cannot be read as rows: says which file, row and column."""


def template_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIELDS)
    writer.writerow(
        ["94-001", "1.01", "kegiatan", "Rehabilitasi ruang kelas SMA", "Ruang kelas direhabilitasi",
         "120", "ruang", "Kabupaten Jayapura", "15000000000", "APBN"]
    )  # fmt: skip
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "usulan"
    sheet.append(list(FIELDS))
    sheet.append(
        ["94-001", "1.01", "kegiatan", "Rehabilitasi ruang kelas SMA", "Ruang kelas direhabilitasi",
         120, "ruang", "Kabupaten Jayapura", 15000000000, "APBN"]
    )  # fmt: skip
    hints = book.create_sheet("petunjuk")
    hints.append(["kolom", "isi"])
    hints.append(["level", ", ".join(level.value for level in ItemLevel)])
    hints.append(["funding_source", ", ".join(source.value for source in FundingSource)])
    hints.append(["budget_rupiah", "pagu dalam rupiah, tanpa titik atau koma"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rows_from_table(name: str, table: list[list[object]]) -> list[Row]:
    if not table:
        raise UploadError(f"{name}: the file is empty")
    header = [str(h or "").strip().lstrip("\ufeff").lower() for h in table[0]]
    missing = [f for f in FIELDS if f not in header]
    if missing:
        raise UploadError(f"{name}, row 1: missing column(s) {', '.join(missing)}")
    rows: list[Row] = []
    for number, values in enumerate(table[1:], start=2):
        if not any(str(v or "").strip() for v in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise UploadError(f"{name}, row {number}: more than {MAX_ROWS} items in one file")
        row = {}
        for column, value in zip(header, values, strict=False):
            if column in FIELDS:
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                row[column] = "" if value is None else str(value)
        rows.append(clean(row))
    return rows


def read_upload(name: str, data: bytes) -> list[Row]:
    """Rows from a CSV (UTF-8, comma or semicolon) or XLSX file in the template's columns."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError(f"{name}: larger than {MAX_UPLOAD_BYTES // 1_000_000} MB")
    if name.lower().endswith(".xlsx"):
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:
            raise UploadError(f"{name}: not a readable XLSX file ({type(exc).__name__})") from None
        sheet = book.worksheets[0]
        return _rows_from_table(name, [list(r) for r in sheet.iter_rows(values_only=True)])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadError(f"{name}: not UTF-8 text; save it as CSV UTF-8 or XLSX") from None
    dialect = csv.excel
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else "", delimiters=",;")  # type: ignore[assignment]
    except csv.Error:
        pass
    return _rows_from_table(name, [list(r) for r in csv.reader(io.StringIO(text), dialect)])
