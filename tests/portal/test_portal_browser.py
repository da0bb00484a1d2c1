"""A person opens the link in their invitation in Chromium, sees their sessions, answers one,
and signs out; what they answered reaches the workflow, the database and the audit trail."""

from __future__ import annotations

import asyncio
import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import httpx
import icalendar
import pytest
from playwright.async_api import async_playwright
from sqlalchemy import select
from sqlalchemy.orm import Session
from temporalio.testing import WorkflowEnvironment

from embedded.smtp import MailStore
from models.cycle import load_cycle
from models.workflow_io import CycleInput, cycle_workflow_id, province_workflow_id
from settings import Settings
from store.database import connect
from store.tables import ActionRow, ReplyRow
from tests.conftest import TOKEN_SECRET, fresh_database_url, write_cycle
from tests.helpers.browser import CHROMIUM_ARGS, chromium, horizontal_overflow, serious_violations, shoot
from web.app import create_web_app
from web.serve import free_port, start_serving, web_server
from worker import rakortek_worker
from workflows.cycle import CycleWorkflow

# The cycle opens an hour before the pre-meeting; at 10,000x the desk invitations go out about
# two seconds after the start and the first session begins two minutes later.
SPEED = 10_000.0
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/masuk\?token=[A-Za-z0-9._%-]+)")


def parsed(raw: bytes) -> EmailMessage:
    return message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


async def invitation_for(store: MailStore, kind: str) -> EmailMessage:
    """The first message of ``kind`` the SMTP server received, within a minute."""
    for _ in range(600):
        for raw in list(store.raw):
            if f"X-Rakortek-Kind: {kind}".encode() in raw:
                return parsed(raw)
        await asyncio.sleep(0.1)
    raise AssertionError(f"no {kind} mail within a minute")


async def test_a_person_answers_an_invitation_from_the_link_in_their_mail(
    request: pytest.FixtureRequest,
    time_skipping: WorkflowEnvironment,
    mail: tuple[MailStore, int],
    task_queue: str,
    tmp_path: Path,
) -> None:
    executable = chromium()
    store, smtp_port = mail
    cycle = load_cycle(
        write_cycle(
            tmp_path / "cycle",
            ["94"],
            desks=["1.01", "W.02"],
            replace={"opens_at = 2022-01-31T08:00:00": "opens_at = 2022-02-07T08:00:00"},
        )
    )
    url = fresh_database_url(request, "sqlite", tmp_path)
    port = free_port("127.0.0.1", 0)
    base = f"http://127.0.0.1:{port}"
    settings = Settings.model_validate(
        {
            "RAKORTEK_DATABASE_URL": url,
            "RAKORTEK_TOKEN_SECRET": TOKEN_SECRET,
            "RAKORTEK_SMTP_PORT": smtp_port,
            "RAKORTEK_OUTPUT_DIR": tmp_path / "out",
            "RAKORTEK_PORTAL_URL": base,
        }
    )
    engine = connect(url)
    client = time_skipping.client
    app = create_web_app(
        engine, client, token_secret=TOKEN_SECRET, year=cycle.year, secretariat=cycle.organizer.mailbox
    )
    server = web_server(app, "127.0.0.1", port)
    serving = await start_serving(server)
    try:
        async with rakortek_worker(client, settings, task_queue):
            handle = await client.start_workflow(
                CycleWorkflow.run,
                CycleInput(cycle=cycle, rehearsal_speed=SPEED, simulate_participants=False),
                id=cycle_workflow_id(cycle.year),
                task_queue=task_queue,
            )
            invite = await invitation_for(store, "session_invite")
            session_id = str(invite["X-Rakortek-Session"])
            person = str(invite["To"].addresses[0].addr_spec)  # type: ignore[attr-defined]
            text = invite.get_body(("plain",)).get_content()  # type: ignore[union-attr]
            html = invite.get_body(("html",)).get_content()  # type: ignore[union-attr]
            link = LINK.search(text)
            assert link is not None, text
            assert "Buka portal Rakortekrenbang" in text and link.group(1).replace("&", "&amp;") in html

            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
                context = await browser.new_context(viewport={"width": 1000, "height": 900})
                page = await context.new_page()
                await page.goto(link.group(1))
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
                await card.get_by_label("Hadir", exact=True).focus()
                await page.keyboard.press("Space")
                await card.get_by_role("button", name="Jawab").focus()
                await page.keyboard.press("Enter")
                await page.get_by_text("Jawaban Anda tercatat.").wait_for()
                await shoot(page, "portal", "beranda-dijawab")
                assert "Hadir" in await card.locator("dl").inner_text()

                # The calendar file updates the entry the invitation made.
                ics = await page.request.get(f"{base}/sesi/{session_id}.ics")
                calendar = icalendar.Calendar.from_ical(await ics.body())
                (event,) = calendar.walk("VEVENT")
                assert calendar["METHOD"] == "PUBLISH"
                assert str(event["UID"]) == f"rakortek-{session_id}@bangda.kemendagri.test"

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
                assert reply is not None and reply.partstat == "ACCEPTED"
                action = db.scalars(select(ActionRow).where(ActionRow.action == "record_reply")).one()
                assert action.actor == reply.participant and action.update_id.startswith("portal-")
                # The audit trail says where: the portal session, the address, the browser.
                assert len(action.portal_session) == 12 and action.ip == "127.0.0.1"
                assert "HeadlessChrome" in action.user_agent
            for province in cycle.provinces:
                await client.get_workflow_handle(province_workflow_id(cycle.year, province.code)).terminate()
            await handle.terminate()
    finally:
        server.should_exit = True
        await serving


def _participant(engine, address: str) -> str:  # type: ignore[no-untyped-def]
    from store.tables import ParticipantRow

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
