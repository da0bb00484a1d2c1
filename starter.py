"""The organizers' and admins' command line: start a cycle, act on it, see where it stands.

python starter.py --help

Each group of subcommands lives in commands/: cycle_commands (start, rehearse), actions (the
human steps), reports (status, audit, export, dashboard), database (db) and links (revoke-link).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from commands import actions, cycle_commands, database, links, reports


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="starter.py", description=__doc__.splitlines()[0])
    sub = root.add_subparsers(dest="command", required=True)
    for group in (cycle_commands, reports, database, actions, links):
        group.register(sub)
    return root


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        asyncio.run(args.run(args))
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
