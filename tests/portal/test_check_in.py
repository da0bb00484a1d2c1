"""The pre-meeting's check-in: "Saya hadir" from the invitation's link, once per person."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from playwright.async_api import async_playwright
from sqlalchemy import select
from sqlalchemy.orm import Session
from temporalio.client import WorkflowUpdateFailedError

from models.workflow_io import CheckIn
from store.tables import ActionRow, AttendanceRow
from tests.helpers.acting import holder_of, send
from tests.helpers.browser import CHROMIUM_ARGS, chromium, serious_violations, shoot
from tests.portal.conftest import RunningCycle
from workflows.cycle import CycleWorkflow


@pytest.mark.speed(1.0)
@pytest.mark.opens("2022-02-07T09:00:00")
async def test_participants_check_in_at_the_pre_meeting_and_an_organizer_imports_the_zoom_report(
    running_cycle: RunningCycle, tmp_path: Path
) -> None:
    # The cycle opens as the pre-meeting begins, at the speed of the clock: its check-in stays
    # open for the whole test, and the organizers may import the platform's report.
    participants = running_cycle.cycle.participants
    first = next(p for p in participants if p.province == "94")
    invite = await running_cycle.mail("pre_meeting_invite", first.email)
    link = running_cycle.link_in(invite)
    base = running_cycle.base
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1000, "height": 900})
        await page.goto(link)
        card = page.locator('[id="2022-pra"]')
        await card.get_by_role("group", name="Kehadiran sekarang").wait_for()
        await shoot(page, "portal", "pra-hadir")
        await card.get_by_label("Daring", exact=True).check()
        await card.get_by_role("button", name="Saya hadir").click()
        await page.get_by_text("Kehadiran Anda tercatat").wait_for()
        assert "Anda tercatat hadir secara daring" in await card.inner_text()
        assert await card.get_by_role("button", name="Saya hadir").count() == 0
        assert await serious_violations(page) == []
        await shoot(page, "portal", "pra-tercatat")

        # Another tab that still shows the form: the second click records nothing new.
        csrf = next(c["value"] for c in await page.context.cookies() if c["name"] == "csrftoken")
        again = await page.request.post(
            f"{base}/pra/hadir", form={"csrftoken": csrf, "mode": "onsite"}, max_redirects=0
        )
        assert again.status == 303

        # An organizer imports the Zoom report: the person who checked in keeps their entry, two
        # others are recorded online, a guest who matches no invitation is named, not recorded.
        organizer = next(p for p in participants if p.role.value == "organizer")
        others = [p for p in participants if p.id not in (first.id, organizer.id)][:2]
        report = tmp_path / "participants_81234567890.csv"
        lines = ["Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest"]
        for n, person in enumerate([first, *others]):
            lines.append(
                f"{person.name},{person.email},02/07/2022 09:0{n}:00 AM,02/07/2022 11:00:00 AM,120,No"
            )
        lines.append("Tamu Undangan,tamu@contoh.test,02/07/2022 09:05:00 AM,02/07/2022 09:30:00 AM,25,Yes")
        report.write_text("\n".join(lines) + "\n", encoding="utf-8")
        organizers = await browser.new_page(viewport={"width": 1000, "height": 900})
        sent = await running_cycle.mail("pre_meeting_invite", organizer.email)
        await organizers.goto(running_cycle.link_in(sent))
        await organizers.get_by_role("link", name="Daftar hadir").click()
        await organizers.get_by_label("Berkas laporan (CSV)").set_input_files(report)
        await organizers.get_by_label("Platform").select_option("Zoom")
        await organizers.get_by_role("button", name="Impor").click()
        await organizers.get_by_text("3 peserta dari laporan tercatat hadir secara daring").wait_for()
        await organizers.get_by_text("1 baris tidak cocok").wait_for()
        assert "Tamu Undangan <tamu@contoh.test> (baris 5)" in await organizers.locator("main").inner_text()
        assert await serious_violations(organizers) == []
        await shoot(organizers, "portal", "pra-impor-kehadiran")
        await browser.close()

    state = await running_cycle.handle.query(CycleWorkflow.state)
    assert state.pre_meeting_checked_in == 3
    # The workflow writes its rows after the update returns: give it a moment.
    for _ in range(100):
        with Session(running_cycle.engine) as db:
            if len(db.scalars(select(AttendanceRow)).all()) == 3:
                break
        await asyncio.sleep(0.1)
    with Session(running_cycle.engine) as db:
        rows = db.scalars(select(AttendanceRow).where(AttendanceRow.subject == "2022-pra")).all()
        assert {(r.participant, r.mode, r.source) for r in rows} == {
            (first.id, "online", "portal"),
            *((p.id, "online", "Zoom") for p in others),
        }
        audited = db.scalars(
            select(ActionRow).where(ActionRow.action.in_(["check_in", "import_attendance"]))
        ).all()
        assert [(a.action, a.actor) for a in audited] == [
            ("check_in", first.id),
            ("import_attendance", organizer.id),
        ]
        # Keyed on the workflow that took each action, not on the update id the client chose.
        assert {a.workflow_id for a in audited} == {"rakortek-2022"}


@pytest.mark.speed(1.0)
@pytest.mark.opens("2022-02-07T09:00:00")
async def test_an_update_id_the_audit_cannot_name_is_refused_before_anything_is_done(
    running_cycle: RunningCycle,
) -> None:
    person = next(p for p in running_cycle.cycle.participants if p.province == "94")
    update = CheckIn(actor=person.id, mode="online")
    for chosen in ("x" * 101, "check in\n"):
        with pytest.raises(WorkflowUpdateFailedError, match="") as refused:
            await send(
                running_cycle.handle, CycleWorkflow.check_in, update, holder_of(person), update_id=chosen
            )
        assert "an update id is 1 to 100 letters" in str(refused.value.cause)
    # The same action under a plain id is taken, and audited under it.
    assert (
        await send(running_cycle.handle, CycleWorkflow.check_in, update, holder_of(person), update_id="ok-1")
        == "online"
    )
    for _ in range(100):
        with Session(running_cycle.engine) as db:
            audited = db.get(ActionRow, ("rakortek-2022", "ok-1"))
        if audited is not None:
            break
        await asyncio.sleep(0.1)
    assert audited is not None and audited.actor == person.id
    with Session(running_cycle.engine) as db:
        assert db.get(AttendanceRow, (2022, "2022-pra", person.id)) is not None
