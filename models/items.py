"""Planning items: what K/L and provinces propose, what a desk agrees, what a province confirms."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict

from models.text import Line, Note, line, ref

MAX_BUDGET_RUPIAH = 100_000_000_000_000
"""Rp100 triliun: above any single item of a province's plan; larger figures are typing errors."""


class FundingSource(StrEnum):
    APBN = "APBN"
    DAK = "DAK"
    APBD_PROVINSI = "APBD Provinsi"
    APBD_KABUPATEN_KOTA = "APBD Kabupaten/Kota"
    KPBU = "KPBU"
    SWASTA = "Swasta"
    LAINNYA = "Lainnya"


class ItemLevel(StrEnum):
    PROGRAM = "program"
    KEGIATAN = "kegiatan"
    PROYEK = "proyek"


class ItemStatus(StrEnum):
    AGREED = "agreed"
    ADJUSTED = "adjusted"
    NOT_AGREED = "not_agreed"


class PlanItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ref: ref(64)  # type: ignore[valid-type]
    """The item's reference, unique within the province (e-Rakortekrenbang style)."""
    desk: ref(16)  # type: ignore[valid-type]
    level: ItemLevel
    title: Line
    indicator: Line
    # Strict: a budget or target is a number, not true or "12000" taken for one.
    target_value: Annotated[float, Strict()] = Field(ge=0, le=1e12, allow_inf_nan=False)
    # line(n), not Line with Field(max_length=n): the Annotated type's own limit would win.
    target_unit: line(40)  # type: ignore[valid-type]
    location: line(120)  # type: ignore[valid-type]
    """The province or a kabupaten/kota in it."""
    budget_rupiah: Annotated[int, Strict()] = Field(ge=0, le=MAX_BUDGET_RUPIAH)
    funding_source: FundingSource


class ProposalItem(PlanItem):
    proposed_by: Literal["K/L", "Pemda"]


class OutcomeItem(PlanItem):
    status: ItemStatus
    notes: Note = ""


class ItemConfirmation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ref: ref(64)  # type: ignore[valid-type]
    location_ready: bool
    target_confirmed: bool
    notes: Note = ""
