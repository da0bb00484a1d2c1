"""A simulated person in the portal: opens the link from their mail, reads a page, posts a form,
as a browser does (the session cookie, the CSRF token from its cookie, redirects followed).

A rehearsal sends part of its provinces' people this way (RAKORTEK_SIMULATE_THROUGH_PORTAL), so
that every rehearsal also proves the portal under a whole cycle's load.
"""

from __future__ import annotations

import re
from html import unescape

import httpx
from temporalio.exceptions import ApplicationError

from security.links import portal_link

_REFUSAL = re.compile(r'<p class="note refused"[^>]*>(.*?)</p>', re.S)
_LEGEND = re.compile(r'<fieldset class="item[^"]*" id="butir-\d+">\s*<legend>([^<]+?) · ', re.S)


class PortalRefused(ApplicationError):
    def __init__(self, message: str) -> None:
        super().__init__(message, type="PortalRefused", non_retryable=True)


class PortalBusy(ApplicationError):
    """429: the portal's rate limit; the activity tries again after its retry policy's pause."""

    def __init__(self, message: str) -> None:
        super().__init__(message, type="PortalBusy")


def _check(response: httpx.Response, what: str) -> None:
    if response.status_code == 429:
        raise PortalBusy(f"{what}: the portal asks to slow down (429)")
    if response.status_code == 503:
        found = _REFUSAL.search(response.text)
        raise PortalBusy(f"{what}: the portal could not act now (503): {found.group(1) if found else ''}")


class PortalParticipant:
    def __init__(
        self,
        portal_url: str,
        token: str,
        timeout: float = 60,
        transport: httpx.AsyncBaseTransport | None = None,
        cookies: httpx.Cookies | None = None,
    ) -> None:
        self.base = portal_url.rstrip("/")
        self.token = token
        self.http = httpx.AsyncClient(
            base_url=self.base, timeout=timeout, follow_redirects=False, transport=transport, cookies=cookies
        )

    @property
    def cookies(self) -> httpx.Cookies:
        """The browser's cookies: a person keeps their portal session between steps."""
        return self.http.cookies

    async def __aenter__(self) -> PortalParticipant:
        if self.http.cookies.get("rakortek_portal"):
            home = await self.http.get("/")
            _check(home, "the home page")
            if 'action="/keluar"' in home.text:
                return self  # still signed in, as a person who left the tab open
        opened = await self.http.get(portal_link("", self.token))
        _check(opened, "opening the link")
        if opened.status_code != 303:
            raise PortalRefused(f"the portal did not open the link ({opened.status_code})")
        # Where the link leads, as a browser follows it: the page that hands out the form token.
        await self.page(opened.headers["location"])
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()

    async def page(self, path: str) -> str:
        response = await self.http.get(path)
        response.raise_for_status()
        return response.text

    async def refs_on(self, path: str) -> list[str]:
        """The items a page lists, in its order (their legends begin with the reference)."""
        return [unescape(ref).strip() for ref in _LEGEND.findall(await self.page(path))]

    async def post(self, path: str, data: dict[str, str]) -> None:
        """Post a form; the page must answer with its redirect (accepted), else its refusal is
        raised as the page words it."""
        form = {"csrftoken": self.http.cookies.get("csrftoken", ""), **data}
        response = await self.http.post(path, data=form)
        if response.status_code == 303:
            return
        _check(response, path)
        found = _REFUSAL.search(response.text)
        reason = unescape(found.group(1)).strip() if found else response.text[:300]
        raise PortalRefused(f"{path} refused ({response.status_code}): {reason}")
