"""The database schema: migrate it, or say where it stands."""

from __future__ import annotations

import argparse
from typing import Any

from settings import load_settings
from store.database import connect
from store.schema import current_revision, head_revision, upgrade


async def cmd_db(args: argparse.Namespace) -> None:
    settings = load_settings()
    engine = connect(settings.database_url)
    where = engine.url.render_as_string(hide_password=True)
    if args.action == "upgrade":
        before = current_revision(engine)
        upgrade(engine)
        print(f"{where}: schema {before or '(none)'} → {current_revision(engine)}")
    else:
        current, head = current_revision(engine), head_revision()
        print(f"{where}: schema {current or '(none)'}; this code needs {head}")
        if current != head:
            raise SystemExit(1)


def register(sub: Any) -> None:
    p = sub.add_parser("db", help="the database schema: upgrade it, or show where it stands")
    p.add_argument("action", choices=["upgrade", "current"])
    p.set_defaults(run=cmd_db)
