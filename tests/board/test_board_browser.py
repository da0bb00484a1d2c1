"""The board in headless Chromium while the 2022 cycle runs: 34 provinces × 36 desks, cells changing."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from playwright.async_api import async_playwright
from temporalio.client import WorkflowFailureError
from temporalio.testing import WorkflowEnvironment

from embedded.smtp import MailStore
from models.cycle import load_cycle
from models.workflow_io import CycleInput, cycle_workflow_id, province_workflow_id
from settings import Settings
from store.database import connect
from tests.conftest import CYCLE_2022, TOKEN_SECRET, fresh_database_url
from tests.helpers.browser import CHROMIUM_ARGS, SCREENSHOTS, chromium
from web.app import create_web_app
from web.serve import free_port, start_serving, web_server
from worker import rakortek_worker
from workflows.cycle import CycleWorkflow


async def test_board_shows_the_cycle_moving_in_a_real_browser(
    request: pytest.FixtureRequest,
    time_skipping: WorkflowEnvironment,
    mail: tuple[MailStore, int],
    task_queue: str,
    tmp_path: Path,
) -> None:
    executable = chromium()
    cycle = load_cycle(CYCLE_2022)
    url = fresh_database_url(request, "sqlite", tmp_path)
    settings = Settings.model_validate(
        {
            "RAKORTEK_DATABASE_URL": url,
            "RAKORTEK_TOKEN_SECRET": TOKEN_SECRET,
            "RAKORTEK_SMTP_PORT": mail[1],
            "RAKORTEK_OUTPUT_DIR": tmp_path / "out",
        }
    )
    client = time_skipping.client
    port = free_port("127.0.0.1", 0)
    app = create_web_app(connect(url), client, token_secret=TOKEN_SECRET, year=cycle.year)
    server = web_server(app, "127.0.0.1", port)
    serving = await start_serving(server)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    screenshot = SCREENSHOTS / "board-2022.png"
    try:
        async with rakortek_worker(client, settings, task_queue):
            handle = await client.start_workflow(
                CycleWorkflow.run,
                CycleInput(cycle=cycle, rehearsal_speed=1.0, simulate_participants=True),
                id=cycle_workflow_id(cycle.year),
                task_queue=task_queue,
            )
            # The cycle runs on (waiting on its result lets the test server skip time) while
            # a person watches the board.
            result = asyncio.ensure_future(handle.result())
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
                page = await browser.new_page(viewport={"width": 1500, "height": 1200})
                await page.goto(f"http://127.0.0.1:{port}/board/")
                await page.wait_for_function(
                    "document.querySelectorAll('#matrix td.cell[data-state]:not([data-state=\"\"])').length"
                    " === 34 * 36",
                    timeout=120_000,
                )
                rows = await page.locator("#matrix tbody tr").count()
                columns = await page.locator("#matrix thead th.desk").count()
                before = await page.eval_on_selector_all(
                    "#matrix td.cell", "cells => cells.map(c => c.dataset.state)"
                )
                # No reload: the page refreshes itself.
                await page.wait_for_function(
                    "before => [...document.querySelectorAll('#matrix td.cell')]"
                    ".some((c, i) => c.dataset.state !== before[i])",
                    arg=before,
                    timeout=240_000,
                )
                after = await page.eval_on_selector_all(
                    "#matrix td.cell", "cells => cells.map(c => c.dataset.state)"
                )
                await page.screenshot(path=str(screenshot), full_page=True)
                await browser.close()
            # End the cycle here, its provinces first; the wait on its result then ends with the
            # termination, and the test server's time-skipping lock is released as it should be.
            for province in cycle.provinces:
                await client.get_workflow_handle(province_workflow_id(cycle.year, province.code)).terminate()
            await handle.terminate()
            with pytest.raises(WorkflowFailureError):
                await result
    finally:
        server.should_exit = True
        await serving

    changed = sum(a != b for a, b in zip(before, after, strict=True))
    print(f"\nboard: {rows} provinces × {columns} desks; {changed} cells changed; screenshot {screenshot}")
    print(json.dumps({s: after.count(s) for s in sorted(set(after))}))
    assert (rows, columns) == (34, 36)
    assert changed > 0
    assert screenshot.stat().st_size > 10_000
