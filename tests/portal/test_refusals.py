"""Every refusal a rule words by code reads in Bahasa Indonesia and in English, with its facts."""

from __future__ import annotations

import ast
import string
import tomllib
from pathlib import Path

from portal.actions import Outcome
from portal.refusals import REFUSALS
from settings import PROJECT_DIR


def coded_refusals() -> dict[str, set[str]]:
    """Code → the facts given with it, from every ``refuse(message, code, **facts)`` in rules/
    and workflows/ (the update guard refuses before the rules)."""
    found: dict[str, set[str]] = {}
    paths = [*(PROJECT_DIR / "rules").glob("*.py"), *(PROJECT_DIR / "workflows").glob("*.py")]
    for path in sorted(paths):
        for node in ast.walk(ast.parse(Path(path).read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "refuse"
                and len(node.args) > 1
            ):
                code = node.args[1]
                assert isinstance(code, ast.Constant) and isinstance(code.value, str), ast.dump(node)
                found.setdefault(code.value, set()).update(k.arg for k in node.keywords if k.arg)
    return found


def test_each_coded_refusal_is_worded_in_both_languages_with_the_facts_it_carries() -> None:
    wordings = tomllib.loads(REFUSALS.read_text(encoding="utf-8"))
    coded = coded_refusals()
    assert len(coded) >= 30
    for language in ("id", "en"):
        assert set(wordings[language]) == set(coded), language
        for code, facts in coded.items():
            named = {name for _, name, _, _ in string.Formatter().parse(wordings[language][code]) if name}
            assert named <= facts, (language, code, named - facts)


def test_a_refusal_reads_in_the_readers_language_and_zone() -> None:
    refused = Outcome(
        False,
        "the session at desk 1.01 has not started yet (it starts 2022-02-21T02:00:00+00:00)",
        code="not_started",
        values={"desk": "1.01", "at": "2022-02-21T02:00:00+00:00"},
    )
    assert refused.worded("id", "Asia/Jayapura") == (
        "sesi desk 1.01 belum dimulai (dimulai Senin, 21 Februari 2022, pukul 11.00 WIT)"
    )
    assert refused.worded("en", "Asia/Jakarta").startswith(
        "the desk 1.01 session has not started yet (it starts"
    )
    # Without a code, as the workflow said it.
    assert Outcome(False, "something else").worded("id", "Asia/Jakarta") == "something else"
