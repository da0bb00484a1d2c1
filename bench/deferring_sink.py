"""An SMTP sink that answers every Nth message "451 try again later", as a busy or rate-limiting
relay does under a burst: ``python -m aiosmtpd -n -c bench.deferring_sink.DeferringSink 7``."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from aiosmtpd.handlers import Sink


class DeferringSink(Sink):
    def __init__(self, every: int) -> None:
        self.every = every
        self.seen = 0

    @classmethod
    def from_cli(cls, parser: ArgumentParser, *args: str) -> DeferringSink:
        if len(args) != 1 or not args[0].isdigit() or int(args[0]) < 2:
            parser.error("DeferringSink takes one argument: defer every Nth message (N >= 2)")
        return cls(int(args[0]))

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.seen += 1
        if self.seen % self.every == 0:
            return "451 4.3.0 Try again later"
        return "250 OK"
