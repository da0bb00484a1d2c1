"""A workflow's refusal in the reader's language.

The rules refuse with a message in English (for the command line and the logs) and, for what a
participant may meet in the portal, a code and its facts (rules/access.py, ``refuse``). The page
words the code from templates/portal/refusals.toml, times in the reader's zone; a refusal
without a wording there is shown as the workflow said it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from mail.dates import letter_datetime
from settings import PROJECT_DIR

REFUSALS = PROJECT_DIR / "templates" / "portal" / "refusals.toml"
STAGES = {
    "id": {
        "PRE_MEETING": "pra-rakortek",
        "DATA_ENTRY": "pengisian usulan",
        "DESK_SESSIONS": "pembahasan desk",
        "CONFIRMATION": "konfirmasi",
        "SIGN_OFF": "penandatanganan",
        "COMPLETED": "selesai",
    },
}


@cache
def _wordings() -> dict[str, dict[str, str]]:
    with REFUSALS.open("rb") as f:
        return tomllib.load(f)


def refusal_of(details: Sequence[Any]) -> tuple[str, dict[str, str]]:
    """The code and facts an ApplicationError's details carry ("" when it has none)."""
    first = details[0] if details else None
    if not isinstance(first, dict) or not isinstance(first.get("code"), str):
        return "", {}
    return first["code"], {str(k): str(v) for k, v in first.items() if k != "code"}


def worded(message: str, code: str, values: dict[str, str], language: str, zone: str) -> str:
    wording = _wordings().get(language, {}).get(code)
    if wording is None:
        return message
    facts = dict(values)
    if "at" in facts:
        facts["at"] = letter_datetime(datetime.fromisoformat(facts["at"]), zone, language)
    if "stage" in facts:
        facts["stage"] = STAGES.get(language, {}).get(facts["stage"], facts["stage"])
    try:
        return wording.format(**facts)
    except (KeyError, IndexError):
        return message
