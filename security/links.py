"""The personal link in every letter: the portal's address with the reader's action token.

Written by the mail, opened by the portal (portal/visitors.py), which trades the token for a
session at once so that it leaves the address bar.
"""

from __future__ import annotations

from urllib.parse import quote

LINK_PATH = "/masuk"


def portal_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{LINK_PATH}?token={quote(token, safe='')}"
