"""A new cycle from the browser: the cycle file and its participants (CSV or XLSX) checked, every
error named with its file, row and field; the schedule previewed (days × desks, each hard
constraint checked again on the result, or the solver's reasons when none exists); then started
as a rehearsal at a speed, or for real, as ``starter.py start`` does."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from pathlib import Path

from openpyxl import load_workbook

from models.cycle import Cycle, CycleFileError, load_cycle
from models.sessions import DeskSession
from schedule.plan import plan_sessions
from schedule.solver import ScheduleError
from schedule.working_time import is_within_office_hours, local_date

MAX_CYCLE_BYTES = 1_000_000
MAX_DIRECTORY_BYTES = 10_000_000
UPLOAD_ID = re.compile(r"^[0-9a-f]{16}$")
DIRECTORY_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}\.csv")
"""The participants file a cycle file names: a plain CSV name, never a path."""


@dataclass
class Checked:
    """What the upload gave: the cycle and its plan, or every problem found."""

    upload: str = ""
    cycle: Cycle | None = None
    sessions: list[DeskSession] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    """(where: file, row and field; what is wrong)."""
    violations: list[str] = field(default_factory=list)
    """Hard constraints the plan breaks (none, when the solver is right)."""


def directory_csv(name: str, data: bytes) -> bytes:
    """The participants as the CSV a cycle file names, from a CSV or an XLSX upload."""
    if not name.lower().endswith(".xlsx"):
        return data
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise CycleFileError(
            Path(name), [("(file)", f"not a readable XLSX file ({type(exc).__name__})")]
        ) from None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in book.worksheets[0].iter_rows(values_only=True):
        writer.writerow(
            ["" if v is None else (int(v) if isinstance(v, float) and v.is_integer() else v) for v in row]
        )
    return out.getvalue().encode("utf-8")


def store_upload(
    folder: Path, cycle_name: str, cycle_data: bytes, people_name: str, people_data: bytes
) -> tuple[str, Path]:
    """The two files under ``folder``/ID, the directory under the name the cycle file gives it;
    returns the upload's id and the cycle file's path."""
    if len(cycle_data) > MAX_CYCLE_BYTES:
        raise CycleFileError(Path(cycle_name), [("(file)", f"larger than {MAX_CYCLE_BYTES // 1000} KB")])
    if len(people_data) > MAX_DIRECTORY_BYTES:
        raise CycleFileError(
            Path(people_name), [("(file)", f"larger than {MAX_DIRECTORY_BYTES // 1_000_000} MB")]
        )
    try:
        named = tomllib.loads(cycle_data.decode("utf-8")).get("participants", "participants.csv")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CycleFileError(Path(cycle_name), [("(file)", f"not valid TOML: {exc}")]) from None
    if not isinstance(named, str) or not DIRECTORY_NAME.fullmatch(named):
        raise CycleFileError(
            Path(cycle_name), [("participants", "a file name beside the cycle file, like participants.csv")]
        )
    directory = directory_csv(people_name, people_data)
    upload = hashlib.sha256(cycle_data + b"\0" + directory).hexdigest()[:16]
    place = folder / upload
    place.mkdir(parents=True, exist_ok=True, mode=0o700)
    (place / "cycle.toml").write_bytes(cycle_data)
    (place / named).write_bytes(directory)
    return upload, place / "cycle.toml"


def check_upload(folder: Path, upload: str) -> Checked:
    """The stored upload read again: the cycle, its plan and its problems."""
    if not UPLOAD_ID.match(upload) or not (folder / upload / "cycle.toml").is_file():
        return Checked(problems=[("(upload)", "not found: upload the files again")])
    checked = Checked(upload=upload)
    try:
        checked.cycle = load_cycle(folder / upload / "cycle.toml")
    except CycleFileError as exc:
        named = _directory_name(folder / upload / "cycle.toml")
        checked.problems = [
            (where if where.startswith(named) else f"cycle.toml: {where}", what)
            for where, what in exc.problems
        ]
        return checked
    try:
        checked.sessions = plan_sessions(checked.cycle)
    except ScheduleError as exc:
        checked.problems = [("schedule", reason) for reason in exc.reasons]
        return checked
    checked.violations = violations(checked.cycle, checked.sessions)
    return checked


def _directory_name(cycle_file: Path) -> str:
    try:
        named = tomllib.loads(cycle_file.read_text(encoding="utf-8")).get("participants", "participants.csv")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return "participants.csv"
    return str(named)


def violations(cycle: Cycle, sessions: list[DeskSession]) -> list[str]:
    """Each hard constraint the plan breaks, checked from the result alone."""
    found = []
    venue = cycle.desk_sessions.venue_zone
    zones = {p.code: p.zone for p in cycle.provinces}
    for s in sessions:
        for zone in (venue, zones[s.province]):
            if not is_within_office_hours(s.starts_at, s.ends_at, zone):
                found.append(f"{s.id}: outside the office hours of {zone}")
        day = local_date(s.starts_at, venue)
        if not cycle.desk_sessions.window_start <= day <= cycle.desk_sessions.window_end:
            found.append(f"{s.id}: outside the desk window")
    by_desk: dict[str, list[DeskSession]] = defaultdict(list)
    by_province: dict[str, list[DeskSession]] = defaultdict(list)
    groups = {p.code: p.parent for p in cycle.provinces}
    for s in sessions:
        by_desk[f"{groups.get(s.province) or ''}/{s.desk}"].append(s)
        by_province[s.province].append(s)
    for desk, taken in by_desk.items():
        taken.sort(key=lambda s: s.starts_at)
        for a, b in pairwise(taken):
            if b.starts_at < a.ends_at:
                found.append(f"{a.id} and {b.id}: the desk {desk.split('/')[1]} twice at once")
    limit = cycle.desk_sessions.max_parallel_per_province
    for province, own in by_province.items():
        for s in own:
            at_once = sum(1 for o in own if o.starts_at < s.ends_at and s.starts_at < o.ends_at)
            if at_once > limit:
                found.append(f"{s.id}: {at_once} sessions of {province} at once (at most {limit})")
    return found


@dataclass(frozen=True)
class Preview:
    """The plan as a table: a row per desk, a column per day, the provinces in each cell."""

    days: list[date]
    desks: list[tuple[str, str]]
    cells: dict[tuple[str, date], list[DeskSession]]


def preview_of(cycle: Cycle, sessions: list[DeskSession]) -> Preview:
    venue = cycle.desk_sessions.venue_zone
    cells: dict[tuple[str, date], list[DeskSession]] = defaultdict(list)
    for s in sorted(sessions, key=lambda s: (s.starts_at, s.province)):
        cells[(s.desk, local_date(s.starts_at, venue))].append(s)
    days = sorted({day for _, day in cells})
    desks = sorted(cycle.desks, key=lambda d: (d.kind.value != "urusan", d.code))
    return Preview(days=days, desks=[(d.code, d.title) for d in desks], cells=dict(cells))
