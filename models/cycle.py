"""The cycle file: one TOML file per Rakortekrenbang cycle, validated before anything starts."""

from __future__ import annotations

import csv
import tomllib
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from models.participants import Mailbox, Participant, Role
from models.reference import Desk, DeskKind, Province, all_provinces, all_regencies, default_desks
from models.text import Identifier, WebLink, line
from schedule.working_time import working_days


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r}") from exc
    return value


class OfficialLetter(_Strict):
    """The letter that announced the cycle, which every invitation follows up on."""

    signed_by: line(200) = "Direktur Jenderal Bina Pembangunan Daerah"  # type: ignore[valid-type]
    """The position it was signed in."""
    number: line(100)  # type: ignore[valid-type]
    date: date
    subject: line(300)  # type: ignore[valid-type]


class AgreementSpec(_Strict):
    """How each province's berita acara is drawn up."""

    place: line(100) = "Jakarta"  # type: ignore[valid-type]
    """Where it is made: its opening and the place-and-date line above the signatures."""
    central_number: line(100) | None = None  # type: ignore[valid-type]
    regional_number: line(100) | None = None  # type: ignore[valid-type]
    """Each party's registry number, "{province}" standing for the region's code; None leaves
    the NOMOR line dotted, for the registry to fill."""
    acknowledged_by: Identifier | None = None
    """A participant named under "Mengetahui" (Kementerian PPN/Bappenas, which coordinates the
    cycle with Kemendagri); None: no such block."""


class CycleInfo(_Strict):
    year: int = Field(ge=2000, le=2100)
    plan_year: int = Field(ge=2000, le=2101)
    """The year of the RKP and RKPD the agreements feed."""
    name: line(300)  # type: ignore[valid-type]
    source: str = ""


class Organizer(_Strict):
    name: line(300)  # type: ignore[valid-type]
    unit: line(300)  # type: ignore[valid-type]
    mailbox: Mailbox
    """Where replies go: a mailbox that is read."""
    sender: Mailbox
    """The From address of every message (a no-reply address; Reply-To is the mailbox)."""


class PreMeeting(_Strict):
    starts_at: datetime
    ends_at: datetime
    virtual: bool = True
    host_studio: line(300)  # type: ignore[valid-type]
    online_link: WebLink
    expected_participants: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> PreMeeting:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class DeskSessions(_Strict):
    window_start: date
    window_end: date
    venue: line(300)  # type: ignore[valid-type]
    venue_zone: str = "Asia/Jakarta"
    online_link: WebLink
    hybrid: bool = True
    session_minutes: int = Field(default=60, ge=30, le=480)
    max_parallel_per_province: int = Field(default=3, ge=1, le=36)

    _check_zone = field_validator("venue_zone")(_zone)

    @model_validator(mode="after")
    def _window(self) -> DeskSessions:
        if self.window_end < self.window_start:
            raise ValueError(f"window_end {self.window_end} is before window_start {self.window_start}")
        if not working_days(self.window_start, self.window_end):
            raise ValueError(
                f"the window {self.window_start} to {self.window_end} holds no working day "
                "(weekends and Indonesian public holidays excluded)"
            )
        return self


class Deadlines(_Strict):
    data_entry: datetime
    confirmation: datetime
    sign_off: datetime

    @property
    def cycle_ends_at(self) -> datetime:
        """When the links in people's mail stop acting: a month after the sign-off deadline,
        time for a late signature and the escalation that chases it, and no longer."""
        return cycle_ends_after(self.sign_off)


CYCLE_GRACE = timedelta(days=30)


def cycle_ends_after(sign_off: datetime) -> datetime:
    """When links stop acting, given the sign-off deadline (Deadlines.cycle_ends_at)."""
    return sign_off + CYCLE_GRACE


class Reminders(_Strict):
    day_before_at: time = time(8, 0)
    """Venue time, on the working day before a session."""
    minutes_before: int = Field(default=60, ge=5, le=24 * 60)
    sign_off_days_before: int = Field(default=2, ge=1, le=14)


class DeskSpec(_Strict):
    code: line(16)  # type: ignore[valid-type]
    name: line(300)  # type: ignore[valid-type]
    kind: DeskKind
    lead_agency: line(300)  # type: ignore[valid-type]


class CycleFile(_Strict):
    """What the TOML file holds. Local times are in the venue's zone."""

    cycle: CycleInfo
    organizer: Organizer
    opens_at: datetime
    """When the cycle begins: pre-meeting invitations go out."""
    pre_meeting: PreMeeting
    desk_sessions: DeskSessions
    deadlines: Deadlines
    reminders: Reminders = Reminders()
    level: Literal["province", "regency"] = "province"
    """province: the provinces meet the central government. regency: every kabupaten/kota of
    the listed provinces meets its desks (the provinces' own cycles passing targets down)."""
    provinces: list[str] = Field(min_length=1)
    desks: list[DeskSpec] | None = None
    """None: the default 36 desks (config/reference)."""
    participants: str
    """The directory CSV, relative to the cycle file."""
    agreement: AgreementSpec = AgreementSpec()
    letter: OfficialLetter | None = None

    @field_validator("provinces")
    @classmethod
    def _known_provinces(cls, codes: list[str]) -> list[str]:
        known = all_provinces()
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise ValueError(f"unknown BPS province code(s): {', '.join(unknown)}")
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"province listed twice: {', '.join(duplicates)}")
        return codes

    @field_validator("desks")
    @classmethod
    def _unique_desks(cls, desks: list[DeskSpec] | None) -> list[DeskSpec] | None:
        if desks is not None:
            codes = [d.code for d in desks]
            duplicates = sorted({c for c in codes if codes.count(c) > 1})
            if duplicates:
                raise ValueError(f"desk listed twice: {', '.join(duplicates)}")
            if not desks:
                raise ValueError("at least one desk is needed")
        return desks

    @model_validator(mode="after")
    def _in_order(self) -> CycleFile:
        window_opens = datetime.combine(self.desk_sessions.window_start, time(0))
        window_closes = datetime.combine(self.desk_sessions.window_end, time(23, 59))
        steps = [
            ("opens_at", self.opens_at),
            ("pre_meeting.starts_at", self.pre_meeting.starts_at),
            ("deadlines.data_entry", self.deadlines.data_entry),
            ("desk_sessions.window_start", window_opens),
            ("desk_sessions.window_end", window_closes),
            ("deadlines.confirmation", self.deadlines.confirmation),
            ("deadlines.sign_off", self.deadlines.sign_off),
        ]
        for (name_a, a), (name_b, b) in pairwise(steps):
            if a.tzinfo is not None or b.tzinfo is not None:
                raise ValueError("write local times without an offset: they are venue time")
            if b < a:
                raise ValueError(f"{name_b} ({b}) comes before {name_a} ({a})")
        return self


class Cycle(BaseModel):
    """A validated cycle, resolved against the reference data: the workflows' input."""

    model_config = ConfigDict(frozen=True)

    year: int
    plan_year: int
    name: str
    organizer: Organizer
    opens_at: datetime
    pre_meeting: PreMeeting
    desk_sessions: DeskSessions
    deadlines: Deadlines
    reminders: Reminders
    provinces: list[Province]
    """The regions going through the cycle: provinces, or kabupaten/kota (``level``)."""
    desks: list[Desk]
    participants: list[Participant]
    level: Literal["province", "regency"] = "province"
    agreement: AgreementSpec = AgreementSpec()
    letter: OfficialLetter | None = None

    @property
    def venue_zone(self) -> ZoneInfo:
        return ZoneInfo(self.desk_sessions.venue_zone)

    def people(self, role: Role, province: str | None = None) -> list[Participant]:
        return [
            p for p in self.participants if p.role is role and (province is None or p.province == province)
        ]


class CycleFileError(ValueError):
    """A cycle file that cannot be used: names the file, the field and the reason."""

    def __init__(self, path: Path, problems: list[tuple[str, str]]) -> None:
        self.path = path
        self.problems = problems
        lines = [f"{path}: {field}: {reason}" for field, reason in problems]
        super().__init__("\n".join(lines))


def _located(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(file)"


def _venue_local(value: datetime, zone: ZoneInfo) -> datetime:
    return value.replace(tzinfo=zone)


def load_cycle(path: str | Path) -> Cycle:
    """Read, validate and resolve a cycle file; raise CycleFileError on any problem."""
    path = Path(path)
    try:
        raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CycleFileError(path, [("(file)", "no such file")]) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CycleFileError(path, [("(file)", f"not valid TOML: {exc}")]) from exc

    try:
        spec = CycleFile.model_validate(raw)
    except ValidationError as exc:
        raise CycleFileError(
            path, [(_located(e["loc"]), e["msg"]) for e in exc.errors(include_url=False)]
        ) from exc

    zone = ZoneInfo(spec.desk_sessions.venue_zone)
    desks = [Desk(**d.model_dump()) for d in spec.desks] if spec.desks is not None else list(default_desks())
    provinces = [all_provinces()[code] for code in spec.provinces]
    if spec.level == "regency":
        chosen = set(spec.provinces)
        provinces = [r for r in all_regencies().values() if r.parent in chosen]
    participants = _load_participants(path, spec.participants, provinces, desks)
    witness = spec.agreement.acknowledged_by
    if witness is not None and witness not in {p.id for p in participants}:
        raise CycleFileError(path, [("agreement.acknowledged_by", f"{witness} is not in the directory")])

    pre = spec.pre_meeting
    deadlines = spec.deadlines
    return Cycle(
        year=spec.cycle.year,
        plan_year=spec.cycle.plan_year,
        name=spec.cycle.name,
        organizer=spec.organizer,
        opens_at=_venue_local(spec.opens_at, zone),
        pre_meeting=pre.model_copy(
            update={
                "starts_at": _venue_local(pre.starts_at, zone),
                "ends_at": _venue_local(pre.ends_at, zone),
            }
        ),
        desk_sessions=spec.desk_sessions,
        deadlines=Deadlines(
            data_entry=_venue_local(deadlines.data_entry, zone),
            confirmation=_venue_local(deadlines.confirmation, zone),
            sign_off=_venue_local(deadlines.sign_off, zone),
        ),
        reminders=spec.reminders,
        provinces=provinces,
        desks=desks,
        participants=participants,
        level=spec.level,
        agreement=spec.agreement,
        letter=spec.letter,
    )


def _load_participants(
    cycle_path: Path, name: str, provinces: list[Province], desks: list[Desk]
) -> list[Participant]:
    path = cycle_path.parent / name
    field = "participants"
    if not path.is_file():
        raise CycleFileError(cycle_path, [(field, f"directory file {path} does not exist")])
    problems: list[tuple[str, str]] = []
    people: list[Participant] = []
    with path.open(newline="", encoding="utf-8") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            row = {k: v for k, v in row.items() if v not in ("", None)}
            if "desks" in row:
                row["desks"] = tuple(row["desks"].split(";"))
            try:
                people.append(Participant.model_validate(row))
            except ValidationError as exc:
                for e in exc.errors(include_url=False):
                    problems.append((f"{path.name} line {line}: {_located(e['loc'])}", e["msg"]))
    if problems:
        raise CycleFileError(cycle_path, problems)

    seen: set[str] = set()
    for p in people:
        if p.id in seen:
            problems.append((f"{path.name}: {p.id}", "participant id used twice"))
        seen.add(p.id)
    codes = {p.code for p in provinces}
    desk_codes = {d.code for d in desks}
    for p in people:
        if p.province is not None and p.province not in codes:
            problems.append((f"{path.name}: {p.id}", f"province {p.province} is not in the cycle"))
        for d in p.desks:
            if d not in desk_codes:
                problems.append((f"{path.name}: {p.id}", f"desk {d} is not in the cycle"))
    for role in (Role.ORGANIZER, Role.CENTRAL_SIGNER):
        if not any(p.role is role for p in people):
            problems.append((path.name, f"nobody has the role {role.value}"))
    for province in provinces:
        for role in (Role.REGIONAL_SIGNER, Role.PROVINCE_COORDINATOR):
            if not any(p.role is role and p.province == province.code for p in people):
                problems.append((path.name, f"province {province.code} {province.name} has no {role.value}"))
    for desk in desks:
        if not any(p.role is Role.FACILITATOR and desk.code in p.desks for p in people):
            problems.append((path.name, f"desk {desk.code} has no facilitator"))
    if problems:
        raise CycleFileError(cycle_path, problems)
    return people


def session_length(cycle: Cycle) -> timedelta:
    return timedelta(minutes=cycle.desk_sessions.session_minutes)
