"""A small cycle (two provinces, three desks) driven only through the browser, every person from
the link in the mail the SMTP server received: the pre-meeting answered and checked in, proposals
typed and uploaded as XLSX, a delegation, answers, a check-in at a desk, each outcome, both
confirmations and all four signatures. The cycle completes.

The cycle runs at the speed of the clock on the time-skipping server, and the test moves the
server's time ahead to each step (the portal reads the same clock), so each window (a check-in
from half an hour before a session) is open while the browser acts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright
from sqlalchemy import select
from sqlalchemy.orm import Session

from commands.status import calendar_now
from models.stages import Stage
from models.workflow_io import SessionQuery, province_workflow_id
from store.tables import ActionRow, AttendanceRow, CycleRow, DelegationRow, SessionRow
from tests.helpers.browser import CHROMIUM_ARGS, chromium, serious_violations, shoot
from tests.portal.conftest import RunningCycle
from tests.portal.test_proposals import fill_item, workbook
from workflows.province import ProvinceWorkflow

PROVINCES = ["31", "94"]
DESKS = ["1.01", "2.22", "W.02"]
STAND_IN = "yosef.kambu@papua.prov.test"
JAKARTA_ITEM = ["Layanan terpenuhi", 10, "unit", "Kota Jakarta Pusat", 1e9, "APBN"]
"""An uploaded item's indicator, target, unit, location, budget and funding source."""


async def as_person(browser: Browser, link: str) -> Page:
    """A person in a browser of their own, signed in from their link."""
    context = await browser.new_context(viewport={"width": 1000, "height": 900})
    page = await context.new_page()
    await page.goto(link)
    await page.get_by_role("heading", name="Beranda").wait_for()
    return page


async def move_to(running_cycle: RunningCycle, moment: datetime) -> None:
    """Moves the server's clock, and with it the cycle's calendar (at speed 1), to ``moment``."""
    with Session(running_cycle.engine) as db:
        row = db.get(CycleRow, 2022)
        assert row is not None
    calendar = calendar_now(row, real=await running_cycle.env.get_current_time())
    target = moment.astimezone(UTC).replace(tzinfo=None)
    if target > calendar:
        await running_cycle.env.sleep(target - calendar)


async def stage_of(running_cycle: RunningCycle, province: str, stage: Stage) -> None:
    handle = running_cycle.client.get_workflow_handle(province_workflow_id(2022, province))
    for _ in range(600):
        if (await handle.query(ProvinceWorkflow.state)).stage is stage:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"province {province} did not reach {stage}")


@pytest.mark.speed(1.0)
@pytest.mark.opens("2022-02-07T09:00:00")
@pytest.mark.shape(PROVINCES, DESKS)
async def test_a_small_cycle_runs_to_completion_from_the_browser_alone(
    running_cycle: RunningCycle, tmp_path: Path
) -> None:
    cycle = running_cycle.cycle
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)

        # The pre-meeting, on its day: an answer and a check-in.
        koord = await as_person(
            browser, running_cycle.link_in(await running_cycle.mail("pre_meeting_invite", ".P94-KOORD@"))
        )
        pre = koord.locator('[id="2022-pra"]')
        await pre.get_by_label("Hadir daring").check()
        await pre.get_by_role("button", name="Jawab").click()
        await koord.get_by_text("Jawaban Anda tercatat.").wait_for()
        await pre.get_by_label("Daring", exact=True).check()
        await pre.get_by_role("button", name="Saya hadir").click()
        await koord.get_by_text("Kehadiran Anda tercatat.").wait_for()

        # Data entry: Papua's coordinator types one item per desk; DKI Jakarta's uploads XLSX.
        await move_to(running_cycle, cycle.pre_meeting.ends_at + timedelta(minutes=5))
        for province in PROVINCES:
            await stage_of(running_cycle, province, Stage.DATA_ENTRY)
        await koord.goto(running_cycle.link_in(await running_cycle.mail("data_entry_open", ".P94-KOORD@")))
        await koord.get_by_role("link", name="Usulan").click()
        for n, desk in enumerate(DESKS, 1):
            if n > 1:
                await koord.get_by_role("button", name="Tambah butir").click()
                await koord.locator(f"#butir-{n}").wait_for()
            await fill_item(koord, n, f"94-00{n}", f"Program desk {desk}", f"{n}.000.000.000")
            await koord.locator(f"#butir-{n}").get_by_label("Desk").select_option(desk)
        await koord.get_by_role("button", name="Kirim usulan").click()
        await koord.get_by_text("3 butir usulan terkirim.").wait_for()

        jakarta = await as_person(
            browser, running_cycle.link_in(await running_cycle.mail("data_entry_open", ".P31-KOORD@"))
        )
        await jakarta.get_by_role("link", name="Usulan").click()
        upload = tmp_path / "usulan-31.xlsx"
        upload.write_bytes(
            workbook(
                [
                    [f"31-00{n}", desk, "kegiatan", f"Kegiatan {desk}", *JAKARTA_ITEM]
                    for n, desk in enumerate(DESKS, 1)
                ]
            )
        )
        await jakarta.get_by_label("Berkas CSV atau XLSX").set_input_files(str(upload))
        await jakarta.get_by_role("button", name="Unggah").click()
        await jakarta.get_by_text("3 butir dibaca dari usulan-31.xlsx.").wait_for()
        await jakarta.get_by_role("button", name="Kirim usulan").click()
        await jakarta.get_by_text("3 butir usulan terkirim.").wait_for()

        # Disposisi: Papua's education office passes its desk 1.01 session to a colleague, who
        # answers from the invitation of their own.
        office = await as_person(
            browser, running_cycle.link_in(await running_cycle.mail("session_invite", ".P94-OPD-01@"))
        )
        session_94 = "2022-94-1.01"
        await office.locator(f'[id="sesi-{session_94}"]').get_by_role("link", name="Diwakilkan…").click()
        await office.get_by_label("Nama lengkap rekan").fill("Yosef Kambu")
        await office.get_by_label("Alamat surel rekan").fill(STAND_IN)
        await office.get_by_role("button", name="Kirim disposisi").click()
        await office.get_by_text("Disposisi terkirim").wait_for()
        stand_in = await as_person(
            browser, running_cycle.link_in(await running_cycle.mail("session_invite", STAND_IN))
        )
        card = stand_in.locator(f'[id="sesi-{session_94}"]')
        await card.get_by_label("Hadir luring").check()
        await card.get_by_role("button", name="Jawab").click()
        await stand_in.get_by_text("Jawaban Anda tercatat.").wait_for()

        # The desk days: each session in turn, its facilitator records the outcome once it has
        # begun; the stand-in checks in at theirs.
        with Session(running_cycle.engine) as db:
            sessions = list(db.scalars(select(SessionRow).order_by(SessionRow.starts_at, SessionRow.id)))
        assert len(sessions) == len(PROVINCES) * len(DESKS)
        facilitators: dict[str, Page] = {}
        for session in sessions:
            starts = session.starts_at.replace(tzinfo=UTC)
            if session.id == session_94:
                await move_to(running_cycle, starts - timedelta(minutes=10))
                await stand_in.goto(f"{running_cycle.base}/")
                card = stand_in.locator(f'[id="sesi-{session_94}"]')
                await card.get_by_label("Di lokasi (luring)").check()
                await card.get_by_role("button", name="Saya hadir").click()
                await stand_in.get_by_text("Kehadiran Anda tercatat.").wait_for()
                await shoot(stand_in, "portal", "siklus-hadir")
            await move_to(running_cycle, starts + timedelta(minutes=5))
            handle = running_cycle.client.get_workflow_handle(province_workflow_id(2022, session.province))
            for _ in range(600):
                detail = await handle.query(ProvinceWorkflow.session, SessionQuery(desk=session.desk))
                if detail.state == "held":
                    break
                await asyncio.sleep(0.1)
            facilitator = f"FAC-{session.desk}"
            if facilitator not in facilitators:
                invite = await running_cycle.mail("session_invite", f".{facilitator}@")
                facilitators[facilitator] = await as_person(browser, running_cycle.link_in(invite))
            page = facilitators[facilitator]
            await page.goto(f"{running_cycle.base}/desk/{session.id}")
            for item in await page.locator("fieldset.item").all():
                await item.get_by_label("Disepakati", exact=True).check()
            await page.get_by_role("button", name="Kirim hasil desk").click()
            await page.get_by_text("Hasil desk tercatat.").wait_for()

        # Confirmation, then sign-off, by each province's people and the central signer.
        for province, coordinator in (("94", koord), ("31", jakarta)):
            await stage_of(running_cycle, province, Stage.CONFIRMATION)
            await coordinator.goto(f"{running_cycle.base}/konfirmasi/{province}")
            await coordinator.get_by_role("button", name="Kirim konfirmasi").click()
            await coordinator.get_by_text("Konfirmasi tercatat.").wait_for()
        # Past its stage, the data entry says so and takes nothing.
        await koord.goto(f"{running_cycle.base}/usulan/94")
        closed = await koord.locator("main").inner_text()
        assert "Usulan hanya diterima pada tahap pengisian data" in closed
        central: Page | None = None
        for province in PROVINCES:
            await stage_of(running_cycle, province, Stage.SIGN_OFF)
            head = await as_person(
                browser,
                running_cycle.link_in(await running_cycle.mail("sign_off_request", f".P{province}-KEPALA@")),
            )
            await head.get_by_role("link", name="Tanda tangan").click()
            await head.get_by_label("Saya telah membaca dan menyetujui").check()
            await head.get_by_role("button", name="Tandatangani").click()
            await head.get_by_text("Tanda tangan Anda tercatat.").wait_for()
            if central is None:
                request = await running_cycle.mail("sign_off_request", ".ORG-01@")
                central = await as_person(browser, running_cycle.link_in(request))
            await central.goto(f"{running_cycle.base}/tanda-tangan/{province}")
            await central.get_by_label("Saya telah membaca dan menyetujui").check()
            await central.get_by_role("button", name="Tandatangani").click()
            await central.get_by_text("Tanda tangan Anda tercatat.").wait_for()
            assert await serious_violations(central) == []
        assert central is not None
        await shoot(central, "portal", "siklus-selesai")
        await browser.close()

    summary = await asyncio.wait_for(running_cycle.handle.result(), timeout=300)
    assert [p.stage for p in summary.provinces] == [Stage.COMPLETED, Stage.COMPLETED]
    assert summary.provinces[1].items_agreed == 3
    with Session(running_cycle.engine) as db:
        actions = db.scalars(select(ActionRow)).all()
        # Every action came from the portal, none from the command line.
        assert actions and all(a.update_id.startswith("portal-") and a.portal_session for a in actions)
        kinds = {a.action for a in actions}
        assert {"record_reply", "check_in", "submit_proposals", "delegate", "record_outcome"} <= kinds
        assert {"confirm_items", "sign"} <= kinds
        present = {(a.subject, a.participant, a.mode) for a in db.scalars(select(AttendanceRow))}
        assert ("2022-pra", "P94-KOORD", "online") in present
        assert (session_94, "P94-OPD-01.w1", "onsite") in present
        assert db.get(DelegationRow, (2022, session_94, "P94-OPD-01")) is not None
