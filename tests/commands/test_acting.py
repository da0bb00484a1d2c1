"""The command line acts as the holder of a link it reads from a file, the environment or a
prompt, and refuses one that is damaged or withdrawn, as the portal does."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from commands.acting import LinkRefused, link_holder, read_token
from portal.visitors import restore_links, revoke_links
from security.tokens import TokenIssuer, claims_for
from tests.conftest import TOKEN_SECRET
from tests.helpers.mail import registered_cycle

ISSUER = TokenIssuer(TOKEN_SECRET)


def args(**given: object) -> argparse.Namespace:
    return argparse.Namespace(**{"token_file": None, "token": None, **given})


def test_the_token_comes_from_a_file_the_environment_or_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RAKORTEK_TOKEN", raising=False)
    kept = tmp_path / "link.txt"
    # A whole portal link pasted from the mail is read as its token.
    kept.write_text("http://127.0.0.1:8000/masuk?token=abc.def.ghi\n", encoding="utf-8")
    assert read_token(args(token_file=kept)) == "abc.def.ghi"
    monkeypatch.setenv("RAKORTEK_TOKEN", "from.the.environment")
    assert read_token(args()) == "from.the.environment"
    assert read_token(args(token="given.on.argv")) == "given.on.argv"
    with pytest.raises(LinkRefused, match="--token-file"):
        read_token(args(token_file=tmp_path / "missing.txt"))


def test_a_withdrawn_or_damaged_link_is_refused_before_anything_is_sent(
    database_url: str, tmp_path: Path
) -> None:
    cycle, engine = registered_cycle(tmp_path, database_url)
    claims = claims_for(
        "P94-KOORD", 2022, "94", "province_coordinator", expires_at=cycle.deadlines.cycle_ends_at
    )
    link = ISSUER.issue(claims)
    assert link_holder(engine, ISSUER, link).sub == "P94-KOORD"
    revoke_links(engine, 2022, "P94-KOORD", "kontak diganti", "ORG-02")
    with pytest.raises(LinkRefused, match=r"P94-KOORD's links were withdrawn on .* \(kontak diganti\)"):
        link_holder(engine, ISSUER, link)
    restore_links(engine, 2022, "P94-KOORD")
    assert link_holder(engine, ISSUER, link).sub == "P94-KOORD"
    with pytest.raises(LinkRefused, match="not valid here"):
        link_holder(engine, TokenIssuer("another-deployments-secret-of-32-bytes"), link)
