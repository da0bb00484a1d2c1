"""Text fields that a person types: single lines, no control characters, bounded length."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, StringConstraints

HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp"})
"""Control characters (CR, LF, tab, NEL…), invisible formatting (zero-width spaces, the bidi
overrides that make text read backwards) and line separators: none belongs in what a person
types into a field, and each can make two values look alike or a letter lie about its text."""


def _hidden(value: str, allowed: str = "") -> str | None:
    """Where the first hidden character is, as the error says it: "U+202E at position 5"."""
    for index, char in enumerate(value):
        if char not in allowed and unicodedata.category(char) in HIDDEN:
            return f"U+{ord(char):04X} at position {index + 1}"
    return None


def _single_line(value: str) -> str:
    found = _hidden(value)
    if found:
        raise ValueError(
            f"must be one line without control or invisible characters (no CR, LF, tab, zero-width "
            f"or direction marks): {found}"
        )
    return value


def _paragraphs(value: str) -> str:
    value = value.replace("\r\n", "\n")
    found = _hidden(value, allowed="\n")
    if found:
        raise ValueError(f"must not contain control or invisible characters: {found}")
    return value


def _compatible(value: object) -> object:
    """NFKC: a full-width "１.01" and "1.01" are one reference, as a reader sees them."""
    return unicodedata.normalize("NFKC", value) if isinstance(value, str) else value


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
    if parts.scheme != "https" or not parts.netloc or re.search(r"\s", value):
        # Letters and calendars link to it as written: no javascript:, data: or plain http.
        raise ValueError("must be an https:// web address without spaces")
    return value


WebLink = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=300),
    AfterValidator(_web_link),
]
"""An online meeting's address: it goes into calendars (URL) and letters as it is."""


def ref(max_length: int) -> Any:
    """An item's or a desk's reference: one line, compared after NFKC normalization."""
    return Annotated[
        str,
        BeforeValidator(_compatible),
        StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length),
        AfterValidator(_single_line),
    ]


Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
"""A participant id: it names them in tokens, Message-IDs and addresses of the portal."""

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), AfterValidator(_paragraphs)]
"""Free text of a few paragraphs, possibly empty."""
