"""Disposisi in the portal: an invitee passes a session to a colleague, who gets an invitation
of their own (RFC 5546 delegation in its calendar), opens their own link and answers; a proposer
passes the data entry on. The directory, the session and the audit trail say who stands in."""

from __future__ import annotations

import httpx
import pytest
import vobject
from playwright.async_api import async_playwright
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.workflow_io import SessionQuery, province_workflow_id
from store.tables import ActionRow, DelegationRow, ParticipantRow
from tests.helpers.browser import CHROMIUM_ARGS, chromium, horizontal_overflow, serious_violations, shoot
from tests.portal.conftest import RunningCycle
from workflows.province import ProvinceWorkflow

STAND_IN = "yosef.kambu@papua.prov.test"


@pytest.mark.speed(2_000)
async def test_an_invitee_delegates_a_session_and_the_delegate_answers_with_their_own_link(
    running_cycle: RunningCycle,
) -> None:
    delegator = next(p for p in running_cycle.cycle.participants if p.id == "P94-OPD-01")
    invite = await running_cycle.mail("session_invite", delegator.email)
    session_id = str(invite["X-Rakortek-Session"])
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1000, "height": 900})
        await page.goto(running_cycle.link_in(invite))
        card = page.locator(f'[id="sesi-{session_id}"]')
        await card.get_by_role("link", name="Diwakilkan…").click()
        await page.get_by_role("heading", name="Diwakilkan (disposisi)").wait_for()
        assert await serious_violations(page) == []
        await shoot(page, "portal", "disposisi")

        # Someone outside the organisation is refused, with the reason, and nothing is recorded.
        await page.get_by_label("Nama lengkap rekan").fill("Yosef Kambu")
        await page.get_by_label("Alamat surel rekan").fill("yosef.kambu@gmail.test")
        await page.get_by_role("button", name="Kirim disposisi").click()
        await page.get_by_text(
            "alamat surelnya harus berdomain @papua.prov.test, bukan @gmail.test"
        ).wait_for()
        # With the keyboard alone: the address, then the button.
        await page.get_by_label("Alamat surel rekan").fill(STAND_IN)
        await page.keyboard.press("Tab")
        await page.keyboard.press("Enter")
        await page.get_by_text("Disposisi terkirim").wait_for()
        await page.goto(f"{running_cycle.base}/")
        assert "Diwakilkan kepada Yosef Kambu" in await card.inner_text()
        await page.set_viewport_size({"width": 360, "height": 800})
        await page.goto(f"{running_cycle.base}/sesi/{session_id}/wakilkan")
        assert await horizontal_overflow(page) == 0

        # The delegate's own invitation, naming both as RFC 5546 says.
        theirs = await running_cycle.mail("session_invite", STAND_IN)
        assert theirs["X-Rakortek-Session"] == session_id
        calendar = next(p for p in theirs.walk() if p.get_filename() == "invite.ics")
        strict = vobject.readOne(calendar.get_payload(decode=True).decode(), validate=True)
        attendees = {a.value.lower(): a.params for a in strict.vevent.contents["attendee"]}
        assert attendees[f"mailto:{delegator.email}"]["PARTSTAT"] == ["DELEGATED"]
        assert attendees[f"mailto:{delegator.email}"]["DELEGATED-TO"] == [f"mailto:{STAND_IN}"]
        assert attendees[f"mailto:{STAND_IN}"]["DELEGATED-FROM"] == [f"mailto:{delegator.email}"]
        text = theirs.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert f"disposisi dari {delegator.name}" in " ".join(text.split())

        # The delegate opens their own link in a browser of their own, and answers.
        other = await browser.new_context(viewport={"width": 1000, "height": 900})
        own = await other.new_page()
        await own.goto(running_cycle.link_in(theirs))
        their_card = own.locator(f'[id="sesi-{session_id}"]')
        assert f"Anda mewakili {delegator.name}" in await their_card.inner_text()
        await their_card.get_by_label("Hadir daring").check()
        await their_card.get_by_role("button", name="Jawab").click()
        await own.get_by_text("Jawaban Anda tercatat.").wait_for()
        await shoot(own, "portal", "disposisi-wakil")
        await browser.close()

    handle = running_cycle.client.get_workflow_handle(province_workflow_id(2022, "94"))
    detail = await handle.query(ProvinceWorkflow.session, SessionQuery(desk=session_id.rsplit("-", 1)[1]))
    assert detail.delegations == {"P94-OPD-01": "P94-OPD-01.w1"}
    assert detail.replies["P94-OPD-01.w1"] == "ACCEPTED"
    with Session(running_cycle.engine) as db:
        row = db.get(DelegationRow, (2022, session_id, "P94-OPD-01"))
        assert row is not None and row.delegate == "P94-OPD-01.w1"
        stand_in = db.get(ParticipantRow, (2022, "P94-OPD-01.w1"))
        assert stand_in is not None and stand_in.organisation == delegator.organisation
        audited = db.scalars(select(ActionRow).where(ActionRow.action == "delegate")).one()
        assert audited.actor == "P94-OPD-01" and "stands in for P94-OPD-01" in audited.detail
        assert audited.ip == "127.0.0.1"
    # The organizers' board lists who stands in for whom.
    async with httpx.AsyncClient(base_url=running_cycle.base) as http:
        board = (await http.get("/board/")).text
    assert (
        "Disposisi" in board
        and f"{delegator.name} (P94-OPD-01)" in board
        and "Yosef Kambu (P94-OPD-01.w1)" in board
    )
