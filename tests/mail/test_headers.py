"""Header lines written directly fold exactly as the email package folds them."""

from __future__ import annotations

import email.policy

from hypothesis import given
from hypothesis import strategies as st

from mail.compose import _header

NAMES = st.sampled_from(["To", "Message-ID", "Subject", "X-Rakortek-Session", "Content-Type"])
WORD = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=40)
VALUES = st.one_of(
    st.lists(WORD, min_size=1, max_size=6).map(" ".join),
    st.text(min_size=1, max_size=120).filter(lambda v: v.strip() == v and "\n" not in v and "\r" not in v),
)


@given(NAMES, VALUES)
def test_a_header_line_is_what_the_email_package_writes(name: str, value: str) -> None:
    assert _header(name, value) == email.policy.compat32.fold(name, value)


def test_a_long_subject_reads_back_as_written() -> None:
    from email import message_from_string, policy

    from mail.compose import _header

    for subject in (
        "Pengingat: Desk Urusan Penanaman Modal Provinsi Kepulauan Bangka Belitung, Senin, 21 Februari 2022",
        "Undangan Desk Urusan Pendidikan: Provinsi Papua, Jayapura — Ruang É",
    ):
        folded = _header("Subject", subject)
        assert not folded.startswith("Subject: \n")
        parsed = message_from_string(folded + "From: a@b.test\n\nx", policy=policy.default)
        assert str(parsed["Subject"]) == subject
