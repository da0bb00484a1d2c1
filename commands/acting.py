"""Acting from the command line as the holder of a link: where the link is read from, and the
checks the portal makes too (ours, not withdrawn) before an update token is made from it."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from security.tokens import ActionClaims, Holder, TokenError, TokenIssuer
from settings import Settings
from store.tables import LinkRevocationRow

TOKEN_ENV = "RAKORTEK_TOKEN"


class Operator(NamedTuple):
    """Who acts from the command line, and the issuer that makes their update tokens."""

    holder: Holder
    issuer: TokenIssuer


class LinkRefused(ValueError):
    """A link that cannot act: not ours, damaged, or withdrawn by an organizer."""


def add_token_options(p: argparse.ArgumentParser, whose: str = "the actor's") -> None:
    p.add_argument(
        "--token-file",
        type=Path,
        help=f"a file holding the token (the link) from {whose} mail",
    )
    p.add_argument(
        "--token",
        help=f"the token from {whose} mail; other users of this machine can read it in the process "
        f"list, so prefer --token-file, ${TOKEN_ENV} or the prompt",
    )


def read_token(args: argparse.Namespace) -> str:
    """The token, from --token-file, --token, $RAKORTEK_TOKEN or, at a terminal, a prompt."""
    if args.token_file is not None:
        try:
            text = args.token_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise LinkRefused(f"--token-file {args.token_file}: {exc}") from None
        # A portal link pasted whole is read as its token.
        return text.rsplit("token=", 1)[-1].split("&", 1)[0]
    if args.token:
        return str(args.token)
    if os.environ.get(TOKEN_ENV):
        return os.environ[TOKEN_ENV]
    if sys.stdin.isatty():
        return getpass.getpass("Token from your mail (not shown): ").strip()
    raise LinkRefused(f"no token: give --token-file, set ${TOKEN_ENV} or run at a terminal to be asked")


def issuer_of(settings: Settings) -> TokenIssuer:
    if settings.token_secret is None:
        raise LinkRefused(
            "RAKORTEK_TOKEN_SECRET is not set: this deployment's secret makes the update tokens"
        )
    return TokenIssuer(settings.token_secret.get_secret_value())


def link_holder(engine: Engine, issuer: TokenIssuer, token: str) -> ActionClaims:
    """The link's claims, if this deployment signed it and no organizer withdrew it."""
    try:
        claims = issuer.verify(token)
    except TokenError as exc:
        raise LinkRefused(str(exc)) from None
    with Session(engine) as db:
        revoked = db.get(LinkRevocationRow, (claims.year, claims.sub))
    if revoked is not None and claims.withdrawn(revoked.at):
        raise LinkRefused(
            f"{claims.sub}'s links were withdrawn on {revoked.at:%Y-%m-%d} ({revoked.reason}); "
            "ask the secretariat for a new one"
        )
    return claims
