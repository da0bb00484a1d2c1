"""Numbers and dates in Indonesian words, as official minutes write them out."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from mail.words import date_in_words, terbilang


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "nol"),
        (9, "sembilan"),
        (10, "sepuluh"),
        (11, "sebelas"),
        (15, "lima belas"),
        (20, "dua puluh"),
        (31, "tiga puluh satu"),
        (100, "seratus"),
        (110, "seratus sepuluh"),
        (250, "dua ratus lima puluh"),
        (1000, "seribu"),
        (1945, "seribu sembilan ratus empat puluh lima"),
        (2022, "dua ribu dua puluh dua"),
        (11_000, "sebelas ribu"),
        (100_000, "seratus ribu"),
    ],
)
def test_terbilang(number: int, words: str) -> None:
    assert terbilang(number) == words


def test_a_date_written_out_in_the_venues_zone() -> None:
    # 9 March 2022, 23.30 WIT is still the 9th in Jakarta; 01.00 WIT on the 10th is the 9th there.
    late = datetime(2022, 3, 10, 1, 0, tzinfo=ZoneInfo("Asia/Jayapura"))
    assert date_in_words(late, "Asia/Jakarta") == {
        "day": "Rabu",
        "date": "sembilan",
        "month": "Maret",
        "year": "dua ribu dua puluh dua",
    }
    with pytest.raises(ValueError):
        terbilang(1_000_000)
