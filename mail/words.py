"""Numbers and dates in words, as a berita acara opens: "Pada hari ini Rabu, tanggal sembilan,
bulan Maret, tahun dua ribu dua puluh dua"."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

ONES = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")


def terbilang(number: int) -> str:
    """An integer from 0 to 999,999 in Indonesian words: 11 "sebelas", 100 "seratus", 1,000
    "seribu", 2022 "dua ribu dua puluh dua"."""
    if not 0 <= number < 1_000_000:
        raise ValueError(f"{number} is outside 0 to 999,999")
    if number < 10:
        return ONES[number]
    if number == 10:
        return "sepuluh"
    if number == 11:
        return "sebelas"
    if number < 20:
        return f"{ONES[number - 10]} belas"
    if number < 100:
        tens, rest = divmod(number, 10)
        return f"{ONES[tens]} puluh" + (f" {ONES[rest]}" if rest else "")
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        head = "seratus" if hundreds == 1 else f"{ONES[hundreds]} ratus"
        return head + (f" {terbilang(rest)}" if rest else "")
    thousands, rest = divmod(number, 1000)
    head = "seribu" if thousands == 1 else f"{terbilang(thousands)} ribu"
    return head + (f" {terbilang(rest)}" if rest else "")


def date_in_words(moment: datetime, zone: str) -> dict[str, str]:
    """The parts of a date as the opening of a berita acara writes them out."""
    local = moment.astimezone(ZoneInfo(zone))
    return {
        "day": format_datetime(local, "EEEE", locale="id"),
        "date": terbilang(local.day),
        "month": format_datetime(local, "MMMM", locale="id"),
        "year": terbilang(local.year),
    }
