"""STARTTLS, implicit TLS and authentication against a real aiosmtpd server."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from embedded.smtp import MailStore, free_port
from mail.transport import SmtpConfig, SmtpPool

MESSAGE = b"From: a@rakortek.test\r\nTo: b@papua.prov.test\r\nSubject: uji\r\n\r\nhalo\r\n"


def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == b"rakortek"
        and auth_data.password == b"rahasia"
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def certificates(tmp_path: Path) -> tuple[ssl.SSLContext, str]:
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return server, str(ca_file)


@pytest.mark.parametrize("security", ["starttls", "tls"])
async def test_secure_connection_with_authentication(
    certificates: tuple[ssl.SSLContext, str], security: str
) -> None:
    server_context, ca_file = certificates
    store = MailStore()
    port = free_port()
    options = {"authenticator": authenticator, "auth_required": True, "auth_exclude_mechanism": ["LOGIN"]}
    if security == "starttls":
        controller = Controller(
            store,
            hostname="127.0.0.1",
            port=port,
            tls_context=server_context,
            require_starttls=True,
            **options,
        )
    else:
        controller = Controller(
            store,
            hostname="127.0.0.1",
            port=port,
            ssl_context=server_context,
            auth_require_tls=False,
            **options,
        )
    controller.start()
    try:
        pool = SmtpPool(SmtpConfig("127.0.0.1", port, "rakortek", "rahasia", security, ca_file))
        async with pool.connection() as client:
            await pool.send(client, "a@rakortek.test", "b@papua.prov.test", MESSAGE)
        await pool.close()
        wrong = SmtpPool(SmtpConfig("127.0.0.1", port, "rakortek", "salah", security, ca_file))
        with pytest.raises(Exception, match=r"535|uthentication"):
            async with wrong.connection() as client:
                await wrong.send(client, "a@rakortek.test", "b@papua.prov.test", MESSAGE)
    finally:
        controller.stop()
    assert len(store.raw) == 1 and b"halo" in store.raw[0]
