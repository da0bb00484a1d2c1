"""Planning items: what K/L and provinces propose, what a desk agrees, what a province confirms."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from models.text import Line, Note

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

    ref: Line = Field(max_length=64)
    """The item's reference, unique within the province (e-Rakortekrenbang style)."""
    desk: Line = Field(max_length=16)
    level: ItemLevel
    title: Line
    indicator: Line
    target_value: float = Field(ge=0, le=1e12, allow_inf_nan=False)
    target_unit: Line = Field(max_length=40)
    location: Line = Field(max_length=120)
    """The province or a kabupaten/kota in it."""
    budget_rupiah: int = Field(ge=0, le=MAX_BUDGET_RUPIAH)
    funding_source: FundingSource


class ProposalItem(PlanItem):
    proposed_by: Literal["K/L", "Pemda"]


class OutcomeItem(PlanItem):
    status: ItemStatus
    notes: Note = ""


class ItemConfirmation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ref: Line = Field(max_length=64)
    location_ready: bool
    target_confirmed: bool
    notes: Note = ""
