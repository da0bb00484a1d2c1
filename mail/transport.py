"""SMTP delivery over a small pool of reused connections."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiosmtplib


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    security: str = "none"
    """none, starttls or tls (implicit TLS)."""
    ca_file: str | None = None
    """Certificate authority to trust for the relay (default: the system's)."""
    timeout: float = 30.0
    rate: float | None = None
    """Messages a second this process sends at most (a relay's limit, shared among the
    deployment's workers); None: as fast as the relay takes them."""
    connections: int = 4
    """Connections this process keeps open to the relay at most."""


class PermanentRefusal(Exception):
    """The server refused the message for good (5xx): record it, do not retry."""


class SmtpPool:
    """Reuses a few connections: opening one per message costs about half the throughput."""

    def __init__(self, config: SmtpConfig) -> None:
        self._config = config
        self._idle: asyncio.LifoQueue[aiosmtplib.SMTP] = asyncio.LifoQueue()
        self._slots = asyncio.Semaphore(config.connections)
        self._interval = 1 / config.rate if config.rate else 0.0
        self._next_at = 0.0
        self._pacing = asyncio.Lock()

    async def _pace(self) -> None:
        """Wait for this message's turn under the relay's rate."""
        if not self._interval:
            return
        async with self._pacing:
            now = time.monotonic()
            if self._next_at > now:
                await asyncio.sleep(self._next_at - now)
            self._next_at = max(now, self._next_at) + self._interval

    def _client(self) -> aiosmtplib.SMTP:
        c = self._config
        if c.security not in ("none", "starttls", "tls"):
            raise ValueError(f"SMTP security {c.security!r}: use none, starttls or tls")
        tls = ssl.create_default_context(cafile=c.ca_file) if c.security != "none" else None
        return aiosmtplib.SMTP(
            hostname=c.host,
            port=c.port,
            username=c.username,
            password=c.password,
            use_tls=c.security == "tls",
            start_tls=True if c.security == "starttls" else False,
            tls_context=tls,
            timeout=c.timeout,
        )

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[aiosmtplib.SMTP]:
        async with self._slots:
            client = self._idle.get_nowait() if not self._idle.empty() else self._client()
            try:
                if not client.is_connected:
                    await client.connect()
                yield client
            except BaseException:
                # A connection in an unknown state is not given back.
                with contextlib.suppress(Exception):
                    client.close()
                raise
            else:
                self._idle.put_nowait(client)

    async def send(self, client: aiosmtplib.SMTP, sender: str, recipient: str, message: bytes) -> None:
        """Send one flattened message; PermanentRefusal for a 5xx, other errors are worth a retry."""
        await self._pace()
        try:
            await client.sendmail(sender, [recipient], message)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            if all(500 <= r.code < 600 for r in exc.recipients):
                await self._reset(client)
                reasons = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
                raise PermanentRefusal(reasons) from exc
            raise
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                await self._reset(client)
                raise PermanentRefusal(f"{exc.code} {exc.message}") from exc
            raise

    @staticmethod
    async def _reset(client: aiosmtplib.SMTP) -> None:
        # The connection stays usable for the next message once the transaction is reset.
        with contextlib.suppress(Exception):
            await client.rset()

    async def close(self) -> None:
        while not self._idle.empty():
            client = self._idle.get_nowait()
            with contextlib.suppress(Exception):
                await client.quit()
