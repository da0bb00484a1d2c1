"""Text fields that a person types: single lines, no control characters, bounded length."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_CONTROL_EXCEPT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


def _single_line(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must be one line without control characters (no CR, LF or tab)")
    return value


def _paragraphs(value: str) -> str:
    if _CONTROL_EXCEPT_NEWLINE.search(value.replace("\r\n", "\n")):
        raise ValueError("must not contain control characters")
    return value.replace("\r\n", "\n")


Line = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=300),
    AfterValidator(_single_line),
]
"""A short required line: a title, an indicator, a name."""

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), AfterValidator(_paragraphs)]
"""Free text of a few paragraphs, possibly empty."""
