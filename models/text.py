"""Text fields that a person types: single lines, no control characters, bounded length."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import urlsplit

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


def line(max_length: int) -> Any:
    """A required single line of at most ``max_length`` characters: the length of the column it
    is stored in, so that a value the file accepts is one the database takes."""
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length),
        AfterValidator(_single_line),
    ]


def _web_link(value: str) -> str:
    _single_line(value)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"\s", value):
        raise ValueError("must be a web address (https://…) without spaces")
    return value


WebLink = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=300),
    AfterValidator(_web_link),
]
"""An online meeting's address: it goes into calendars (URL) and letters as it is."""

Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
"""A participant id: it names them in tokens, Message-IDs and addresses of the portal."""

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), AfterValidator(_paragraphs)]
"""Free text of a few paragraphs, possibly empty."""
