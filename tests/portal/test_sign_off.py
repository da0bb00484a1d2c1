"""After the desks: the province confirms its agreed items in the portal, then both signers read
the minutes and sign them there, by keyboard; the province's workflow completes."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from playwright.async_api import Page, async_playwright

from models.items import ItemStatus, OutcomeItem
from models.workflow_io import RecordOutcome, SessionQuery, SubmitProposals, province_workflow_id
from security.tokens import Holder
from tests.helpers.acting import send
from tests.helpers.browser import CHROMIUM_ARGS, chromium, horizontal_overflow, serious_violations, shoot
from tests.helpers.progress import proposal
from tests.portal.conftest import RunningCycle
from workflows.province import ProvinceWorkflow

DESKS = ("1.01", "W.02")


def holder(person: str, role: str, province: str | None = "94") -> Holder:
    return Holder(sub=person, year=2022, province=province, role=role)


async def desks_done(running_cycle: RunningCycle) -> None:
    """Proposals in, then each desk's outcome once its session has begun (one item not agreed)."""
    province = running_cycle.client.get_workflow_handle(province_workflow_id(2022, "94"))
    await running_cycle.mail("data_entry_open")
    items = [proposal(f"94-{d}", d) for d in DESKS]
    await send(
        province,
        ProvinceWorkflow.submit_proposals,
        SubmitProposals(actor="P94-KOORD", items=items),
        holder("P94-KOORD", "province_coordinator"),
    )
    for desk, item in zip(DESKS, items, strict=True):
        for _ in range(1200):
            if (await province.query(ProvinceWorkflow.session, SessionQuery(desk=desk))).state == "held":
                break
            await asyncio.sleep(0.1)
        agreed = desk == "1.01"
        outcome = OutcomeItem(
            **item.model_dump(exclude={"proposed_by"}),
            status=ItemStatus.AGREED if agreed else ItemStatus.NOT_AGREED,
            notes="" if agreed else "Belum selaras dengan prioritas nasional.",
        )
        facilitator = f"FAC-{desk}"
        await send(
            province,
            ProvinceWorkflow.record_outcome,
            RecordOutcome(actor=facilitator, desk=desk, items=[outcome]),
            holder(facilitator, "facilitator", None),
        )


async def sign_by_keyboard(page: Page) -> None:
    await page.get_by_label("Saya telah membaca dan menyetujui").focus()
    await page.keyboard.press("Space")
    await page.get_by_role("button", name="Tandatangani").focus()
    await page.keyboard.press("Enter")
    await page.get_by_text("Tanda tangan Anda tercatat.").wait_for()


@pytest.mark.speed(40_000)
async def test_confirmation_and_both_signatures_from_the_portal(running_cycle: RunningCycle) -> None:
    executable = chromium()
    base = running_cycle.base
    await desks_done(running_cycle)
    request = await running_cycle.mail("confirmation_request", to="P94-KOORD")

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1000, "height": 900})
        await page.goto(running_cycle.link_in(request))
        await page.get_by_role("link", name="Konfirmasi").click()
        await page.get_by_role("heading", name="Konfirmasi Provinsi Papua").wait_for()
        # Only the agreed item is asked about.
        assert await page.locator("fieldset.item").count() == 1
        await page.get_by_label("Target sesuai").uncheck()
        await page.get_by_label("Alasan atau catatan").fill("Target disesuaikan dengan kapasitas fiskal.")
        await page.get_by_role("button", name="Kirim konfirmasi").click()
        await page.get_by_text("Konfirmasi tercatat.").wait_for()
        assert await serious_violations(page) == []
        await shoot(page, "portal", "konfirmasi")

        # The head of Bappeda signs from their sign-off request, with the keyboard alone.
        signing = await running_cycle.mail("sign_off_request", to=".P94-KEPALA@")
        await page.goto(running_cycle.link_in(signing))
        await page.get_by_role("link", name="Tanda tangan").click()
        await page.get_by_role(
            "heading", name="Penandatanganan Berita Acara Kesepakatan Provinsi Papua"
        ).wait_for()
        pdf = await page.request.get(f"{base}/tanda-tangan/94/berita-acara.pdf")
        assert pdf.ok and (await pdf.body()).startswith(b"%PDF")
        # Signing without the consent is refused, and nothing is signed.
        await page.get_by_role("button", name="Tandatangani").click()
        assert await page.get_by_label("Saya telah membaca dan menyetujui").evaluate("e => !e.validity.valid")
        # A page left open while an amendment replaced the document: its signature is refused,
        # with what to do, and nothing is signed.
        cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
        async with httpx.AsyncClient(base_url=base, cookies=cookies) as http:
            stale = await http.post(
                "/tanda-tangan/94",
                data={"csrftoken": cookies["csrftoken"], "sha256": "0" * 64, "consent": "ya"},
            )
        assert stale.status_code == 409 and "Berita acara berubah sejak halaman ini dibuka" in stale.text
        # The signer's position as the berita acara prints it, from the directory.
        assert "Kepala Bappeda Provinsi Papua" in await page.locator("main").inner_text()
        await sign_by_keyboard(page)
        assert await serious_violations(page) == []
        await page.set_viewport_size({"width": 360, "height": 800})
        assert await horizontal_overflow(page) == 0
        await shoot(page, "portal", "tanda-tangan-360")
        await page.set_viewport_size({"width": 1000, "height": 900})

        # A second signature for the same side is refused by the workflow, with its reason.
        sha256 = await page.locator(".hash").inner_text()
        cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
        async with httpx.AsyncClient(base_url=base, cookies=cookies) as http:
            again = await http.post(
                "/tanda-tangan/94",
                data={"csrftoken": cookies["csrftoken"], "sha256": sha256, "consent": "ya"},
            )
        # The portal's signature token is for this document and this person alone: used once.
        assert again.status_code == 409 and "tanda tangan ini sudah digunakan" in again.text

        central = await running_cycle.mail("sign_off_request", to=".ORG-01@")
        await page.goto(running_cycle.link_in(central))
        await page.get_by_role("link", name="Tanda tangan").click()
        await page.get_by_role("link", name="Provinsi Papua").click()
        assert "Plt. Direktur Jenderal Bina Pembangunan Daerah" in await page.locator("main").inner_text()
        await sign_by_keyboard(page)
        await shoot(page, "portal", "tanda-tangan")
        await browser.close()

    province = running_cycle.client.get_workflow_handle_for(
        ProvinceWorkflow.run, province_workflow_id(2022, "94")
    )
    summary = await asyncio.wait_for(province.result(), timeout=120)
    assert summary.stage == "COMPLETED"
