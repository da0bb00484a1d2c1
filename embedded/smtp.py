"""A local SMTP server (aiosmtpd) that keeps every message it accepts."""

from __future__ import annotations

import os
import re
import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_MESSAGE_ID = re.compile(rb"^Message-ID:\s*<([^>]+)>", re.MULTILINE | re.IGNORECASE)


@dataclass
class MailStore:
    """Accepted messages: in memory, or as .eml files when a folder is given."""

    folder: Path | None = None
    raw: list[bytes] = field(default_factory=list)
    count: int = 0
    refuse: dict[str, str] = field(default_factory=dict)
    """Recipient address → SMTP reply that refuses it (e.g. "550 5.1.1 no such user")."""
    defer_every: int = 0
    """Answer every Nth message "451 try again later", as a busy relay does (0: never)."""
    offered: int = 0

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.offered += 1
        if self.defer_every and self.offered % self.defer_every == 0:
            return "451 4.3.0 Try again later"
        raw = envelope.original_content or b""
        self.count += 1
        if self.folder is None:
            self.raw.append(raw)
        else:
            # Each message carries its recipient's live link: readable by this user alone.
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            found = _MESSAGE_ID.search(raw)
            name = _UNSAFE.sub("_", found.group(1).decode() if found else str(self.count))
            path = self.folder / f"{self.count:06d}-{name}.eml"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as file:
                file.write(raw)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        """The accepted messages, parsed (parsing waits until asked: it is the costly part).

        A method, not a property: aiosmtpd inspects its handler's attributes on every connection.
        """
        return [message_from_bytes(r, policy=policy.default) for r in self.raw]  # type: ignore[misc]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_smtp_server(store: MailStore, port: int | None = None) -> Controller:
    """Start the server on 127.0.0.1 in a thread of its own; call .stop() to end it."""
    controller = Controller(store, hostname="127.0.0.1", port=port or free_port(), data_size_limit=10_000_000)
    controller.start()
    return controller


def main() -> None:
    """Serve until terminated, keeping every message as an .eml file under --folder."""
    import argparse
    import signal
    import threading

    parser = argparse.ArgumentParser(description="Local SMTP server keeping every message as .eml")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--defer-every", type=int, default=0, help="answer 451 to every Nth message")
    args = parser.parse_args()
    controller = start_smtp_server(MailStore(folder=args.folder, defer_every=args.defer_every), args.port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"SMTP server on 127.0.0.1:{controller.port}, mail kept in {args.folder}", flush=True)
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
