"""The pre-meeting's check-in: "Saya hadir" from the invitation's link, once per person."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import async_playwright
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.tables import ActionRow, AttendanceRow
from tests.helpers.browser import CHROMIUM_ARGS, chromium, serious_violations, shoot
from tests.portal.conftest import RunningCycle
from workflows.cycle import CycleWorkflow


@pytest.mark.speed(1.0)
@pytest.mark.opens("2022-02-07T08:45:00")
async def test_a_participant_checks_in_at_the_pre_meeting_from_the_invitation(
    running_cycle: RunningCycle,
) -> None:
    # The cycle opens a quarter of an hour before the pre-meeting, at the speed of the clock:
    # its check-in (from half an hour before) is open for the whole test.
    invite = await running_cycle.mail("pre_meeting_invite")
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
        await browser.close()

    state = await running_cycle.handle.query(CycleWorkflow.state)
    assert state.pre_meeting_checked_in == 1
    # The workflow writes its rows after the update returns: give it a moment.
    for _ in range(100):
        with Session(running_cycle.engine) as db:
            if db.scalars(select(AttendanceRow)).first():
                break
        await asyncio.sleep(0.1)
    with Session(running_cycle.engine) as db:
        (row,) = db.scalars(select(AttendanceRow).where(AttendanceRow.subject == "2022-pra")).all()
        assert (row.mode, row.source) == ("online", "portal")
        audited = db.scalars(select(ActionRow).where(ActionRow.action == "check_in")).all()
        assert [a.actor for a in audited] == [row.participant]
