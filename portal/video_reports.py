"""A video platform's participant report (CSV), read as the online part of a daftar hadir.

Zoom's "Participants" export (Name (Original Name), User Email, Join Time, Leave Time,
Duration (Minutes), Guest; sometimes after a block about the meeting) and Google Meet's
attendance report (First name, Last name, Email, Duration, Time joined, Time exited) are read
alike: by the names of their columns, in English or Indonesian. People are matched to the
invitees by their e-mail address; a person who joined several times counts once, from their
first joining. What matches no invitee is reported, never guessed.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

MAX_REPORT_BYTES = 5_000_000
MAX_REPORT_ROWS = 20_000

TIME_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",  # Zoom (US locale)
    "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",  # Zoom and Meet in an Indonesian locale
    "%d/%m/%Y %H.%M.%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%d/%m/%Y %H:%M",
)


JOINED = ("join", "bergabung", "masuk")
"""How a column of joining times is named."""


class ReportError(ValueError):
    """The file is not a participant report this module can read: says what and where."""


@dataclass(frozen=True)
class Joined:
    participant: str
    email: str
    joined_at: datetime


@dataclass
class VideoReport:
    present: list[Joined] = field(default_factory=list)
    unmatched: list[tuple[int, str, str]] = field(default_factory=list)
    """(line, name, address) of rows that are no invitee of the session."""
    rows: int = 0


def _column(header: list[str], *words: str, avoid: tuple[str, ...] = ()) -> int | None:
    for i, name in enumerate(header):
        lowered = name.strip().lower()
        if any(w in lowered for w in words) and not any(a in lowered for a in avoid):
            return i
    return None


def _cell(row: list[str], i: int | None) -> str:
    return row[i].strip() if i is not None and i < len(row) else ""


def _moment(value: str, day: datetime, zone: ZoneInfo) -> datetime | None:
    text = value.strip()
    if not text:
        return None
    moment: datetime | None = None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        for pattern in TIME_FORMATS:
            try:
                moment = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        if moment is None:
            # Meet gives the time of day alone ("9:01 AM", "09.01"): on the session's day.
            clock = re.fullmatch(r"(\d{1,2})[.:](\d{2})(?:[.:](\d{2}))?\s*([AaPp][Mm])?", text)
            if clock is None:
                return None
            hour, minute = int(clock[1]), int(clock[2])
            if clock[4]:
                hour = hour % 12 + (12 if clock[4].lower() == "pm" else 0)
            moment = day.astimezone(zone).replace(hour=hour, minute=minute, second=int(clock[3] or 0))
    return moment if moment is not None and moment.tzinfo else moment.replace(tzinfo=zone)


def read_report(data: bytes, invitees: dict[str, str], day: datetime, zone: str) -> VideoReport:
    """``invitees``: e-mail address (any case) → participant id; ``day``: the meeting's start,
    for reports that give the time of day only; ``zone``: the zone the report's times are in."""
    if len(data) > MAX_REPORT_BYTES:
        raise ReportError(f"the report is {len(data):,} bytes; at most {MAX_REPORT_BYTES:,} are read")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    lines = list(csv.reader(io.StringIO(text)))
    # Zoom may put a block about the meeting first (naming the host's address too): the table
    # starts at the row naming both an address and a joining time.
    named = [i for i, row in enumerate(lines) if _column(row, "email", "e-mail", "surel") is not None]
    start = next((i for i in named if _column(lines[i], *JOINED) is not None), named[0] if named else None)
    if start is None:
        raise ReportError(
            "no column of e-mail addresses (User Email, Email, Surel): is this a participant report?"
        )
    header = lines[start]
    email_at = _column(header, "email", "e-mail", "surel")
    join_at = _column(header, *JOINED)
    first_at = _column(header, "first name", "nama depan")
    last_at = _column(header, "last name", "nama belakang")
    name_at = _column(header, "name", "nama", avoid=("first", "last", "depan", "belakang", "original"))
    name_at = name_at if name_at is not None else _column(header, "name", "nama", avoid=("first", "last"))
    if join_at is None:
        raise ReportError(f"line {start + 1}: no column of joining times (Join Time, Time joined)")
    assert email_at is not None
    zone_info = ZoneInfo(zone)
    lowered = {address.lower(): participant for address, participant in invitees.items()}
    first: dict[str, Joined] = {}
    report = VideoReport()
    for n, row in enumerate(lines[start + 1 :], start + 2):
        if not any(cell.strip() for cell in row):
            continue
        report.rows += 1
        if report.rows > MAX_REPORT_ROWS:
            raise ReportError(f"more than {MAX_REPORT_ROWS:,} rows; split the report")
        cell = partial(_cell, row)
        address = cell(email_at).lower()
        name = cell(name_at) or " ".join(p for p in (cell(first_at), cell(last_at)) if p)
        joined = _moment(cell(join_at), day, zone_info)
        if joined is None:
            raise ReportError(f"line {n}: {cell(join_at)!r} is not a time of joining this report can read")
        participant = lowered.get(address)
        if participant is None:
            report.unmatched.append((n, name, address))
            continue
        if participant not in first or joined < first[participant].joined_at:
            first[participant] = Joined(participant, address, joined)
    report.present = sorted(first.values(), key=lambda j: (j.joined_at, j.participant))
    return report
