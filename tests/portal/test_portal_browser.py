"""A person opens the link in their invitation in Chromium, sees their sessions, answers one,
and signs out; what they answered reaches the workflow, the database and the audit trail."""

from __future__ import annotations

import httpx
import icalendar
from playwright.async_api import async_playwright
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from store.database import connect
from store.tables import ActionRow, ParticipantRow, ReplyRow
from tests.conftest import TOKEN_SECRET
from tests.helpers.browser import CHROMIUM_ARGS, chromium, horizontal_overflow, serious_violations, shoot
from tests.portal.conftest import RunningCycle
from web.app import create_web_app


async def test_a_person_answers_an_invitation_from_the_link_in_their_mail(
    running_cycle: RunningCycle,
) -> None:
    executable = chromium()
    base, engine, cycle = running_cycle.base, running_cycle.engine, running_cycle.cycle
    invite = await running_cycle.mail("session_invite")
    session_id = str(invite["X-Rakortek-Session"])
    person = str(invite["To"].addresses[0].addr_spec)  # type: ignore[attr-defined]
    text = invite.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = invite.get_body(("html",)).get_content()  # type: ignore[union-attr]
    link = running_cycle.link_in(invite)
    assert "Buka portal Rakortekrenbang" in text and link in html

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = await browser.new_context(viewport={"width": 1000, "height": 900})
        page = await context.new_page()
        await page.goto(link)
        # The token has left the address bar; the cookie that replaced it is HttpOnly.
        assert page.url == f"{base}/"
        cookie = next(c for c in await context.cookies() if c["name"] == "rakortek_portal")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        await page.get_by_role("heading", name="Beranda").wait_for()
        card = page.locator(f'[id="sesi-{session_id}"]')
        await card.wait_for()
        assert "Waktu di lokasi" in await card.inner_text()  # a WIT reader, a WIB venue
        await shoot(page, "portal", "beranda")
        assert await serious_violations(page) == []

        # Answer with the keyboard alone: focus the first choice, pick, submit.
        await card.get_by_label("Hadir luring").focus()
        await page.keyboard.press("Space")
        await card.get_by_role("button", name="Jawab").focus()
        await page.keyboard.press("Enter")
        await page.get_by_text("Jawaban Anda tercatat.").wait_for()
        await shoot(page, "portal", "beranda-dijawab")
        assert "Hadir luring" in await card.locator("dl").inner_text()

        # The calendar file updates the entry the invitation made.
        ics = await page.request.get(f"{base}/sesi/{session_id}.ics")
        calendar = icalendar.Calendar.from_ical(await ics.body())
        (event,) = calendar.walk("VEVENT")
        assert calendar["METHOD"] == "PUBLISH"
        assert str(event["UID"]) == f"rakortek-{session_id}@bangda.kemendagri.test"

        # The personal feed: every session, fetched as a calendar program does, without a cookie.
        address = await page.locator("#feed").input_value()
        async with httpx.AsyncClient() as http:
            subscribed = await http.get(address)
            forged = await http.get(address.rsplit("/", 1)[0] + "/AAAAAAAAAAAAAAAAAAAAAAAA.ics")
        feed = icalendar.Calendar.from_ical(subscribed.content)
        uids = {str(e["UID"]) for e in feed.walk("VEVENT")}
        assert f"rakortek-{session_id}@bangda.kemendagri.test" in uids
        assert "rakortek-2022-pra@bangda.kemendagri.test" in uids
        assert forged.status_code == 404

        # A phone 360 px wide: nothing to scroll sideways.
        await page.set_viewport_size({"width": 360, "height": 800})
        await page.reload()
        assert await horizontal_overflow(page) == 0
        await shoot(page, "portal", "beranda-360")

        await page.get_by_role("button", name="Keluar").click()
        await page.get_by_role("heading", name="Anda telah keluar").wait_for()
        await page.goto(f"{base}/")
        await page.get_by_role("heading", name="Selamat datang").wait_for()
        assert await serious_violations(page) == []
        await browser.close()

    with Session(engine) as db:
        reply = db.get(ReplyRow, (cycle.year, session_id, _participant(engine, person)))
        assert reply is not None and (reply.partstat, reply.mode) == ("ACCEPTED", "onsite")
        action = db.scalars(select(ActionRow).where(ActionRow.action == "record_reply")).one()
        assert action.actor == reply.participant and action.update_id.startswith("portal-")
        # The audit trail says where: the portal session, the address, the browser.
        assert len(action.portal_session) == 12 and action.ip == "127.0.0.1"
        assert "HeadlessChrome" in action.user_agent


def _participant(engine: Engine, address: str) -> str:
    with Session(engine) as db:
        return db.scalars(select(ParticipantRow.id).where(ParticipantRow.email == address)).one()


async def test_links_that_do_not_open_and_forms_without_their_token(database_url: str) -> None:
    engine = connect(database_url)
    app = create_web_app(engine, None, token_secret=TOKEN_SECRET, secretariat="sekretariat@bangda.test")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        for token in ("not-a-token", "eyJhbGciOiJIUzI1NiJ9.e30.x"):
            refused = await http.get(f"/masuk?token={token}")
            assert refused.status_code == 400
            assert "Tautan tidak dapat dibuka" in refused.text and "sekretariat@bangda.test" in refused.text
            assert "rakortek_portal" not in refused.headers.get("set-cookie", "")
        page = await http.get("/")
        assert page.headers["referrer-policy"] == "no-referrer"
        assert page.headers["x-frame-options"] == "DENY"
        policy_ = page.headers["content-security-policy"]
        assert (
            "script-src 'self'" in policy_
            and "unsafe-inline" not in policy_.split("script-src")[1].split(";")[0]
        )
        # A form posted without its CSRF token (another site's form, say) is refused before any page.
        forged = await http.post("/pra/jawaban", data={"answer": "DECLINED"}, headers={"cookie": "x=1"})
        assert forged.status_code == 403
        # The upload form, which its handler checks itself, refuses the same way.
        forged = await http.post(
            "/usulan/94/unggah", files={"file": ("usulan.csv", b"ref\n")}, headers={"cookie": "x=1"}
        )
        assert forged.status_code == 403
