"""A desk's facilitator records its outcome in the portal once the session has begun: each
proposal agreed, adjusted or not agreed, and a refused outcome says which item and why."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import async_playwright
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.workflow_io import SessionQuery, SubmitProposals, province_workflow_id
from security.tokens import Holder
from store.tables import OutcomeItemRow
from tests.helpers.acting import send
from tests.helpers.browser import CHROMIUM_ARGS, chromium, horizontal_overflow, serious_violations, shoot
from tests.helpers.progress import proposal
from tests.portal.conftest import RunningCycle
from workflows.province import ProvinceWorkflow


@pytest.mark.speed(40_000)
async def test_the_facilitator_records_the_desk_outcome(running_cycle: RunningCycle) -> None:
    executable = chromium()
    year = running_cycle.cycle.year
    province = running_cycle.client.get_workflow_handle(province_workflow_id(year, "94"))
    await running_cycle.mail("data_entry_open")
    coordinator = Holder(sub="P94-KOORD", year=year, province="94", role="province_coordinator")
    await send(
        province,
        ProvinceWorkflow.submit_proposals,
        SubmitProposals(
            actor="P94-KOORD",
            items=[proposal("94-1", "1.01"), proposal("94-2", "1.01"), proposal("94-3", "1.01")],
        ),
        coordinator,
    )
    invite = await running_cycle.mail("session_invite", to="FAC-1.01")
    session_id = str(invite["X-Rakortek-Session"])
    for _ in range(1200):
        detail = await province.query(ProvinceWorkflow.session, SessionQuery(desk="1.01"))
        if detail.state == "held":
            break
        await asyncio.sleep(0.1)
    assert detail.state == "held"

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1000, "height": 900})
        await page.goto(running_cycle.link_in(invite))
        await page.get_by_role("link", name="Catat hasil desk").click()
        await page.get_by_role("heading", name="Hasil Desk Urusan Pendidikan · Provinsi Papua").wait_for()

        first, second, third = (page.locator(f"#butir-{n}") for n in (1, 2, 3))
        await first.get_by_label("Disepakati", exact=True).check()
        await second.get_by_label("Disesuaikan").check()
        await second.get_by_label("Target hasil penyesuaian (persen)").fill("85,5")
        await second.get_by_label("Pagu hasil penyesuaian (Rp)").fill("750.000.000")
        await third.get_by_label("Tidak disepakati").check()
        # Not agreed without its reason: the workflow's rule refuses, on that item.
        await page.get_by_role("button", name="Kirim hasil desk").click()
        await page.get_by_text("butir 94-3 tidak disepakati: alasannya wajib diisi").wait_for()
        assert await page.locator("fieldset.item.marked").count() == 1
        assert "marked" in (await third.get_attribute("class") or "")
        await shoot(page, "portal", "desk-ditolak")

        await third.get_by_label("Alasan atau catatan").fill("Belum selaras dengan prioritas nasional.")
        await page.get_by_role("button", name="Kirim hasil desk").click()
        await page.get_by_text("Hasil desk tercatat.").wait_for()
        assert await serious_violations(page) == []
        await page.set_viewport_size({"width": 360, "height": 800})
        assert await horizontal_overflow(page) == 0
        await shoot(page, "portal", "desk-360")
        await browser.close()

    detail = await province.query(ProvinceWorkflow.session, SessionQuery(desk="1.01"))
    assert detail.state == "outcome_recorded" and detail.outcome_by == "FAC-1.01"
    with Session(running_cycle.engine) as db:
        rows = {
            r.ref: (r.status, r.target_value, r.budget_rupiah)
            for r in db.scalars(select(OutcomeItemRow).where(OutcomeItemRow.session_id == session_id))
        }
    assert rows == {
        "94-1": ("agreed", 90.0, 1_000_000_000),
        "94-2": ("adjusted", 85.5, 750_000_000),
        "94-3": ("not_agreed", 90.0, 1_000_000_000),
    }
