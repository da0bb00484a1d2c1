"""Reference data kept under ``config/reference`` (see its SOURCES.md)."""

from __future__ import annotations

import csv
from enum import StrEnum
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "config" / "reference"

ZONE_ABBREVIATION = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


class DeskKind(StrEnum):
    URUSAN = "urusan"
    KEWILAYAHAN = "kewilayahan"


class Province(BaseModel):
    """A region going through the cycle: a province, or in a regency-level cycle a kabupaten/kota."""

    model_config = ConfigDict(frozen=True)

    code: str
    """BPS province code; for a kabupaten/kota its Kemendagri code without the dot ("3578")."""
    name: str
    zone: str
    """IANA time zone of the province's capital."""
    parent: str | None = None
    """For a kabupaten/kota: the BPS code of its province."""

    @property
    def zone_abbreviation(self) -> str:
        return ZONE_ABBREVIATION[self.zone]

    @property
    def title(self) -> str:
        """As participants read it: "Provinsi Aceh", "Kabupaten Aceh Selatan", "Kota Surabaya"."""
        return self.name if self.parent is not None else f"Provinsi {self.name}"


class Desk(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    kind: DeskKind
    lead_agency: str

    @property
    def title(self) -> str:
        prefix = "Desk Urusan" if self.kind is DeskKind.URUSAN else "Desk Kewilayahan"
        return f"{prefix} {self.name}"


def _rows(name: str) -> list[dict[str, str]]:
    with (REFERENCE_DIR / name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@cache
def all_provinces() -> dict[str, Province]:
    """Every province the reference knows, by BPS code (today's 38)."""
    return {
        r["bps_code"]: Province(code=r["bps_code"], name=r["name"], zone=r["iana_zone"])
        for r in _rows("provinces.csv")
    }


@cache
def all_regencies() -> dict[str, Province]:
    """The 514 kabupaten/kota, by Kemendagri code, each in its province's zone."""
    provinces = all_provinces()
    return {
        r["kemendagri_code"]: Province(
            code=r["kemendagri_code"],
            name=r["name"],
            zone=provinces[r["province_bps"]].zone,
            parent=r["province_bps"],
        )
        for r in _rows("regencies.csv")
    }


@cache
def provinces_of_2022() -> tuple[str, ...]:
    """BPS codes of the 34 provinces of February 2022."""
    return tuple(r["bps_code"] for r in _rows("provinces.csv") if r["in_2022"] == "yes")


@cache
def default_desks() -> tuple[Desk, ...]:
    """The default 36 desks: 32 desk urusan (UU 23/2014) and 4 desk kewilayahan (assumed)."""
    urusan = [
        Desk(code=r["sipd_code"], name=r["name"], kind=DeskKind.URUSAN, lead_agency=r["lead_agency"])
        for r in _rows("government-affairs.csv")
    ]
    kewilayahan = [
        Desk(code=r["code"], name=r["name"], kind=DeskKind.KEWILAYAHAN, lead_agency=r["lead_agency"])
        for r in _rows("desks-kewilayahan.csv")
    ]
    return (*urusan, *kewilayahan)
