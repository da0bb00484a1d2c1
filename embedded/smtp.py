"""A local SMTP server (aiosmtpd) that keeps every message it accepts."""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


@dataclass
class MailStore:
    """Accepted messages, in memory and (when a folder is given) as .eml files."""

    folder: Path | None = None
    messages: list[EmailMessage] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    """Recipient address → SMTP reply that refuses it (e.g. "550 5.1.1 no such user")."""

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message: Any = message_from_bytes(raw, policy=policy.default)
        self.messages.append(message)
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            name = _UNSAFE.sub("_", str(message["Message-ID"] or len(self.messages)).strip("<>"))
            path = self.folder / f"{len(self.messages):06d}-{name}.eml"
            path.write_bytes(raw)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_smtp_server(store: MailStore, port: int | None = None) -> Controller:
    """Start the server on 127.0.0.1 in a thread of its own; call .stop() to end it."""
    controller = Controller(store, hostname="127.0.0.1", port=port or free_port(), data_size_limit=10_000_000)
    controller.start()
    return controller
