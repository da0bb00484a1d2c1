"""The rehearsal's mail folder holds live links: its files are readable by their owner alone."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

from aiosmtpd.smtp import Envelope

from embedded.smtp import MailStore


def test_kept_messages_are_private_to_their_owner(tmp_path: Path) -> None:
    store = MailStore(folder=tmp_path / "mail")
    envelope = Envelope()
    envelope.original_content = (
        b"Message-ID: <m-1@bangda.test>\r\nSubject: x\r\n\r\nhttps://portal/masuk?token=t\r\n"
    )
    asyncio.run(store.handle_DATA(None, None, envelope))  # type: ignore[arg-type]
    (kept,) = (tmp_path / "mail").iterdir()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "mail").stat().st_mode) == 0o700
    assert kept.read_bytes().endswith(b"token=t\r\n")
