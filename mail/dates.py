"""Dates as participants read them, in their own zone (WIB, WITA or WIT)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from models.reference import ZONE_ABBREVIATION

# "d", not "dd": the Indonesian letter style writes "3 Maret", not "03 Maret".
PATTERNS = {
    "id": "EEEE, d MMMM y, 'pukul' HH.mm",
    "en": "EEEE, d MMMM y, HH:mm",
}
DATE_PATTERNS = {"id": "EEEE, d MMMM y", "en": "EEEE, d MMMM y"}


def letter_datetime(moment: datetime, zone: str, language: str = "id") -> str:
    """'Senin, 21 Februari 2022, pukul 09.00 WIB' (or its English form)."""
    local = moment.astimezone(ZoneInfo(zone))
    text = format_datetime(local, PATTERNS[language], locale=language)
    return f"{text} {ZONE_ABBREVIATION.get(zone, zone)}"


DEADLINE_ZONE = "Asia/Jakarta"
"""The secretariat's clock: a deadline is set in Jakarta, and every reader also sees it in WIB."""


def reads_alike(moment: datetime, zone: str, other: str) -> bool:
    """Whether two zones show a reader the same time and label (Asia/Pontianak and Asia/Jakarta
    are both WIB)."""
    same_label = ZONE_ABBREVIATION.get(zone, zone) == ZONE_ABBREVIATION.get(other, other)
    offset = moment.astimezone(ZoneInfo(zone)).utcoffset()
    return same_label and offset == moment.astimezone(ZoneInfo(other)).utcoffset()


def letter_datetime_beside(moment: datetime, zone: str, other: str, language: str = "id") -> str:
    """The reader's time, and the other zone's beside it when it reads differently:
    'Senin, 21 Februari 2022, pukul 11.00 WIT (09.00 WIB)'; one time when they read alike."""
    mine = letter_datetime(moment, zone, language)
    if reads_alike(moment, zone, other):
        return mine
    if moment.astimezone(ZoneInfo(zone)).date() != moment.astimezone(ZoneInfo(other)).date():
        return f"{mine} ({letter_datetime(moment, other, language)})"
    return f"{mine} ({clock_time(moment, other, language)})"


def letter_date(moment: datetime, zone: str, language: str = "id") -> str:
    local = moment.astimezone(ZoneInfo(zone))
    return format_datetime(local, DATE_PATTERNS[language], locale=language)


def clock_time(moment: datetime, zone: str, language: str = "id") -> str:
    local = moment.astimezone(ZoneInfo(zone))
    separator = "." if language == "id" else ":"
    return f"{local:%H}{separator}{local:%M} {ZONE_ABBREVIATION.get(zone, zone)}"


def short_datetime(moment: datetime, zone: str, language: str = "id") -> str:
    """'Sen, 21 Feb 2022 09.00 WIB': for tables and boards, where a letter date is too long."""
    local = moment.astimezone(ZoneInfo(zone))
    pattern = "EEE, d MMM y HH.mm" if language == "id" else "EEE, d MMM y HH:mm"
    text = format_datetime(local, pattern, locale=language)
    return f"{text} {ZONE_ABBREVIATION.get(zone, zone)}"
