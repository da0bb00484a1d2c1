"""A province's coordinator enters proposal items in the portal: typed in the form, with errors
next to the field, kept as a draft, uploaded as XLSX, refused by the workflow's rules on the
item they name, and submitted through the same update the command line sends."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from playwright.async_api import Page, async_playwright
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.tables import ProposalRow
from tests.helpers.browser import CHROMIUM_ARGS, chromium, horizontal_overflow, serious_violations, shoot
from tests.portal.conftest import RunningCycle


async def fill_item(page: Page, n: int, ref: str, title: str, budget: str) -> None:
    item = page.locator(f"#butir-{n}")
    await item.get_by_label("Kode butir").fill(ref)
    await item.get_by_label("Desk").select_option("1.01")
    await item.get_by_label("Program / kegiatan / proyek").fill(title)
    await item.get_by_label("Indikator").fill("Ruang kelas direhabilitasi")
    await item.get_by_label("Target", exact=True).fill("12")
    await item.get_by_label("Satuan").fill("ruang")
    await item.get_by_label("Lokasi").fill("Kabupaten Jayapura")
    await item.get_by_label("Pagu (Rp)").fill(budget)
    await item.get_by_label("Sumber dana").select_option("APBN")


def workbook(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        ["ref", "desk", "level", "title", "indicator", "target_value", "target_unit", "location",
         "budget_rupiah", "funding_source"]
    )  # fmt: skip
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def submitted(running_cycle: RunningCycle) -> dict[str, int]:
    with Session(running_cycle.engine) as db:
        return dict(
            db.execute(
                select(ProposalRow.ref, ProposalRow.budget_rupiah).where(ProposalRow.province == "94")
            ).all()
        )


@pytest.mark.speed(2_000)
async def test_proposals_typed_uploaded_refused_and_submitted(
    running_cycle: RunningCycle, tmp_path: Path
) -> None:
    executable = chromium()
    base = running_cycle.base
    opening = await running_cycle.mail("data_entry_open", to="P94-KOORD")
    link = running_cycle.link_in(opening)

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1000, "height": 900})
        await page.goto(link)
        await page.get_by_role("link", name="Usulan").click()
        assert page.url == f"{base}/usulan/94"
        await page.get_by_role("heading", name="Usulan Provinsi Papua").wait_for()
        assert "Batas pengisian" in await page.locator("main").inner_text()

        # Two items typed in; the second's budget is not a number.
        await fill_item(page, 1, "94-001", "Rehabilitasi ruang kelas SMA", "1.500.000.000")
        await page.get_by_role("button", name="Tambah butir").click()
        await page.locator("#butir-2").wait_for()
        await fill_item(page, 2, "94-002", "Pembangunan SMK pertanian", "dua miliar")
        await page.get_by_role("button", name="Kirim usulan").click()
        error = page.locator("#e-1-budget_rupiah")
        await error.wait_for()
        assert "bilangan bulat rupiah" in await error.inner_text()
        assert await page.locator("#f-1-budget_rupiah").get_attribute("aria-invalid") == "true"
        # Nothing typed is lost to the error, and nothing reached the workflow.
        assert await page.locator("#f-0-title").input_value() == "Rehabilitasi ruang kelas SMA"
        assert submitted(running_cycle) == {}
        await shoot(page, "portal", "usulan-galat")
        assert await serious_violations(page) == []

        # The draft survives leaving the page.
        await page.goto(f"{base}/")
        await page.goto(f"{base}/usulan/94")
        assert await page.locator("#f-1-budget_rupiah").input_value() == "dua miliar"
        await page.locator("#f-1-budget_rupiah").fill("2000000000")
        await page.get_by_role("button", name="Kirim usulan").click()
        await page.get_by_text("2 butir usulan terkirim.").wait_for()
        assert submitted(running_cycle) == {"94-001": 1_500_000_000, "94-002": 2_000_000_000}

        # An XLSX whose two rows share a reference: the workflow's rule refuses, on those items.
        twice = tmp_path / "usulan.xlsx"
        row = [
            "94-010",
            "1.01",
            "proyek",
            "Jalan provinsi",
            "Jalan mantap",
            5,
            "km",
            "Kabupaten Biak",
            8e9,
            "DAK",
        ]
        twice.write_bytes(workbook([row, [*row[:3], "Jembatan", *row[4:]]]))
        await page.get_by_label("Berkas CSV atau XLSX").set_input_files(str(twice))
        await page.get_by_role("button", name="Unggah").click()
        await page.get_by_text("2 butir dibaca dari usulan.xlsx.").wait_for()
        await page.get_by_role("button", name="Kirim usulan").click()
        await page.get_by_text("kode butir dipakai lebih dari sekali: 94-010").wait_for()
        assert await page.locator("fieldset.item.marked").count() == 2
        await shoot(page, "portal", "usulan-ditolak")

        await page.locator("#f-1-ref").fill("94-011")
        await page.get_by_role("button", name="Kirim usulan").click()
        await page.get_by_text("2 butir usulan terkirim.").wait_for()
        assert set(submitted(running_cycle)) == {"94-001", "94-002", "94-010", "94-011"}
        assert "94-011" in await page.locator("#terkirim").locator("..").inner_text()

        # The next blank item suggests a reference not yet used, so it cannot replace one sent.
        assert await page.locator("#f-0-ref").input_value() == "94-003"

        await page.set_viewport_size({"width": 360, "height": 800})
        await page.reload()
        assert await horizontal_overflow(page) == 0
        await shoot(page, "portal", "usulan-360")
        await browser.close()
