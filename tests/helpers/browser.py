"""Debian's chromium under Playwright, and axe-core's verdict on a page."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page

from settings import PROJECT_DIR

SCREENSHOTS = PROJECT_DIR / "var" / "test-output"
# Debian's chromium, as root, in a machine without a network: no sandbox, no background calls.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.skip("browser test skipped: Debian's chromium is not installed (apt-get install chromium)")
    return path


async def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations of the page as it stands (WCAG 2.1 A and AA)."""
    results = await Axe().run(
        page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


async def horizontal_overflow(page: Page) -> int:
    """How many pixels the page is wider than its viewport (0: no horizontal scrolling)."""
    return int(
        await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


async def shoot(page: Page, folder: str, name: str) -> Path:
    path = SCREENSHOTS / folder / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(path), full_page=True)
    return path
