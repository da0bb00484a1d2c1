"""The board (/board/) answers only with the admin token once it listens beyond loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from settings import PROJECT_DIR
from store.database import connect
from web.app import create_web_app, hosts_for
from web.serve import ExposureError, free_port, require_protection_when_exposed, start_serving, web_server

TOKEN = "s3cret-board-token"


async def test_an_exposed_board_answers_401_without_the_token(database_url: str) -> None:
    port = free_port("0.0.0.0", 0)
    app = create_web_app(connect(database_url), None, token_secret=None, admin_token=TOKEN)
    server = web_server(app, "0.0.0.0", port)
    serving = await start_serving(server)
    try:
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base) as http:
            refused = await http.get("/board/")
            assert refused.status_code == 401
            assert refused.headers["www-authenticate"].startswith("Bearer")
            assert (
                await http.get("/board/api/board", headers={"Authorization": "Bearer wrong"})
            ).status_code == 401
            assert (await http.get("/health")).status_code == 200

            allowed = await http.get("/board/", headers={"Authorization": f"Bearer {TOKEN}"})
            assert allowed.status_code == 200 and "Belum ada siklus" in allowed.text

            # Once by address, then by cookie: the token leaves the address bar.
            traded = await http.get(f"/board/?token={TOKEN}")
            assert traded.status_code == 303 and "token" not in traded.headers["location"]
            assert (await http.get("/board/fragment")).status_code == 200
            # The cookie is a board session, not the token: it expires, and the page is not kept.
            cookie = traded.headers["set-cookie"]
            assert TOKEN not in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
            assert "Max-Age=43200" in cookie and "Secure" not in cookie
            page = await http.get("/board/")
            assert page.headers["cache-control"] == "no-store"
            assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
            assert page.headers["x-frame-options"] == "DENY"
            expires, _, signature = http.cookies["rakortek_board"].partition(".")
            http.cookies.set("rakortek_board", f"{int(expires) - 43201}.{signature}")
            assert (await http.get("/board/")).status_code == 401
    finally:
        server.should_exit = True
        await serving


async def test_the_board_cookie_is_secure_over_https(database_url: str) -> None:
    app = create_web_app(connect(database_url), None, token_secret=None, admin_token=TOKEN, https=True)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://127.0.0.1") as http:
        traded = await http.get(f"/board/?token={TOKEN}")
    assert traded.status_code == 303 and "Secure" in traded.headers["set-cookie"]


async def test_a_name_this_application_does_not_answer_to_is_refused(database_url: str) -> None:
    """DNS rebinding: a page of another site, its name pointed at 127.0.0.1, reads nothing."""
    app = create_web_app(
        connect(database_url),
        None,
        token_secret=None,
        allowed_hosts=hosts_for("https://rakortek.bangda.test"),
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        assert (await http.get("/board/")).status_code == 200
        assert (await http.get("/board/", headers={"Host": "rebind.evil.test"})).status_code == 400
        assert (await http.get("/board/", headers={"Host": "rakortek.bangda.test"})).status_code == 200


def test_the_board_refuses_to_listen_beyond_loopback_without_a_token(tmp_path: Path) -> None:
    with pytest.raises(ExposureError, match="RAKORTEK_ADMIN_TOKEN"):
        require_protection_when_exposed("0.0.0.0", None)
    require_protection_when_exposed("127.0.0.1", None)
    # With the token, the portal still wants https beyond loopback: its own, or a proxy's.
    with pytest.raises(ExposureError, match="without https"):
        require_protection_when_exposed("0.0.0.0", TOKEN, "http://portal.example.org")
    require_protection_when_exposed("0.0.0.0", TOKEN, "https://rakortek.example.org")
    require_protection_when_exposed("0.0.0.0", TOKEN, "http://portal.example.org", "10.0.0.2")
    env = {k: v for k, v in os.environ.items() if k != "RAKORTEK_ADMIN_TOKEN"}
    env["RAKORTEK_DATABASE_URL"] = f"sqlite:///{tmp_path / 'board.db'}"
    result = subprocess.run(
        [sys.executable, "starter.py", "dashboard", "--host", "0.0.0.0"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "without an admin token" in result.stderr
