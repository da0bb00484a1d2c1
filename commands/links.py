"""Portal links: withdraw a person's links (a contact replaced, a mail forwarded) or restore them."""

from __future__ import annotations

import argparse
from typing import Any

from commands.console import console, engine_and_year, fail
from portal.visitors import restore_links, revoke_links


async def cmd_revoke_link(args: argparse.Namespace) -> None:
    # Revoking checks no token: whoever runs this command already holds the database.
    engine, year = engine_and_year(args)
    if args.restore:
        if not restore_links(engine, year, args.participant):
            fail(f"{args.participant}'s links were not revoked in cycle {year}")
        console.print(f"{args.participant}'s portal links open again")
        return
    if not args.reason:
        fail("say why with --reason: the person is shown that their link was withdrawn")
    try:
        closed = revoke_links(engine, year, args.participant, args.reason, args.actor)
    except LookupError as exc:
        fail(str(exc))
    console.print(
        f"{args.participant}'s portal links and calendar feed no longer open; "
        f"{closed} open portal session(s) closed"
    )


def register(sub: Any) -> None:
    p = sub.add_parser("revoke-link", help="withdraw a participant's portal links, or restore them")
    p.add_argument("participant", help="participant id, e.g. P94-KOORD")
    p.add_argument("--reason", help="why, e.g. 'contact person replaced'")
    p.add_argument("--actor", default="", help="the organizer revoking (recorded with the revocation)")
    p.add_argument("--restore", action="store_true", help="let the links open again")
    p.add_argument("--year", type=int)
    p.set_defaults(run=cmd_revoke_link)
