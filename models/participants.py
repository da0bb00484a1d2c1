"""The directory of people taking part in a cycle."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, field_validator

from models.text import Identifier, line

RESERVED_DOMAINS = ("example.org", "example.com", "example.net", "example", "test", "invalid")
"""RFC 2606 / RFC 6761 names: mail to them can never reach a real person."""


def _mailbox(value: str) -> str:
    # test_environment admits the reserved ``.test`` names a rehearsal directory must use.
    try:
        return validate_email(value, check_deliverability=False, test_environment=True).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"invalid e-mail address {value!r}: {exc}") from exc


Mailbox = Annotated[str, AfterValidator(_mailbox)]
"""An e-mail address, checked for syntax only (no DNS look-up)."""


class Role(StrEnum):
    ORGANIZER = "organizer"
    """Ditjen Bina Bangda's secretariat running the cycle."""
    CENTRAL_SIGNER = "central_signer"
    """Signs the agreements for the central government (Bangda)."""
    FACILITATOR = "facilitator"
    """Bangda staff facilitating one desk."""
    DESK_OFFICIAL = "desk_official"
    """Official of the ministry or agency (K/L) at a desk."""
    BAPPENAS = "bappenas"
    REGIONAL_SIGNER = "regional_signer"
    """Kepala Bappeda Provinsi: signs the agreement for the province."""
    PROVINCE_COORDINATOR = "province_coordinator"
    """Bappeda planner coordinating the province's delegation."""
    PROVINCE_OFFICE = "province_office"
    """Head of the provincial office (perangkat daerah) for one or more affairs."""


class Participant(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Identifier
    name: line(200)  # type: ignore[valid-type]
    role: Role
    organisation: line(300)  # type: ignore[valid-type]
    province: str | None = None
    desks: tuple[str, ...] = ()
    email: Mailbox
    language: Literal["id", "en"] = "id"
    zone: str = "Asia/Jakarta"
    nip: Annotated[str, StringConstraints(pattern=r"^\d{18}$")] | None = None
    """Nomor Induk Pegawai: 18 digits, printed under a signer's name."""
    position: line(200) | None = None  # type: ignore[valid-type]
    """Jabatan, as a signature block prints it: "Kepala Bappeda Provinsi Papua"; None: the role's
    usual position in the agreement."""
    acting: Literal["Plt.", "Plh."] | None = None
    """Pelaksana Tugas or Pelaksana Harian: written before the position."""

    @field_validator("zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def has_reserved_address(self) -> bool:
        domain = self.email.rsplit("@", 1)[-1].lower()
        return any(domain == d or domain.endswith("." + d) for d in RESERVED_DOMAINS)
