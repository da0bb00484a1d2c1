"""The organizers' console in Chromium, on a small running cycle: every change made from the
browser alone, checked in the mail (the strict second parser), the database and the workflow."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import vobject
from playwright.async_api import Browser, Page, async_playwright
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.stages import Stage
from models.workflow_io import SessionQuery, province_workflow_id
from store.tables import ActionRow, SessionRow
from tests.conftest import write_cycle
from tests.helpers.browser import CHROMIUM_ARGS, chromium, horizontal_overflow, serious_violations, shoot
from tests.portal.conftest import RunningCycle
from tests.portal.test_whole_cycle import move_to, stage_of
from workflows.province import ProvinceWorkflow

PROVINCES = ["31", "94"]
DESKS = ["1.01", "W.02"]
WIB = ZoneInfo("Asia/Jakarta")


async def signed_in(browser: Browser, link: str, width: int = 1200) -> Page:
    context = await browser.new_context(viewport={"width": width, "height": 900})
    page = await context.new_page()
    await page.goto(link)
    await page.get_by_role("heading", name="Beranda").wait_for()
    return page


def calendar_of(message: EmailMessage) -> Any:
    part = next(p for p in message.iter_attachments() if p.get_content_type() == "text/calendar")
    data = part.get_content()
    return vobject.readOne(data.decode() if isinstance(data, bytes) else data, validate=True)


async def mails(running_cycle: RunningCycle, kind: str, to: str, count: int) -> list[EmailMessage]:
    """The ``count`` messages of ``kind`` to ``to`` the SMTP server received, within a minute."""
    from email import message_from_bytes, policy

    for _ in range(600):
        found = [
            message_from_bytes(raw, policy=policy.default)
            for raw in list(running_cycle.store.raw)
            if f"X-Rakortek-Kind: {kind}".encode() in raw and to.encode() in raw
        ]
        if len(found) >= count:
            return found  # type: ignore[return-value]
        await asyncio.sleep(0.1)
    raise AssertionError(f"fewer than {count} {kind} mails to {to}")


def session_row(running_cycle: RunningCycle, session_id: str) -> SessionRow:
    with Session(running_cycle.engine) as db:
        row = db.get(SessionRow, session_id)
        assert row is not None
        db.expunge(row)
        return row


async def axe_clean(page: Page, name: str) -> None:
    await shoot(page, "console", name)
    assert await serious_violations(page) == [], name


@pytest.mark.speed(1.0)
@pytest.mark.opens("2022-02-07T09:00:00")
@pytest.mark.shape(PROVINCES, DESKS)
async def test_an_organizer_changes_the_running_cycle_from_the_browser(
    running_cycle: RunningCycle, tmp_path: Path
) -> None:
    cycle = running_cycle.cycle
    invitation = await running_cycle.mail("pre_meeting_invite", ".ORG-02@")
    await move_to(running_cycle, cycle.pre_meeting.ends_at + timedelta(minutes=5))
    for province in PROVINCES:
        await stage_of(running_cycle, province, Stage.DATA_ENTRY)
    # The invitations are out once the facilitators have theirs.
    await running_cycle.mail("session_invite", ".FAC-W.02@")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        organizer = await signed_in(browser, running_cycle.link_in(invitation))
        await organizer.get_by_role("link", name="Konsol penyelenggara").click()
        await organizer.get_by_role("heading", name="Konsol penyelenggara").wait_for()
        await axe_clean(organizer, "jadwal")

        # A session of Papua at desk 1.01: its invitees, then a move to a free slot.
        session_id = "2022-94-1.01"
        before = session_row(running_cycle, session_id)
        await organizer.get_by_role(
            "link", name="Desk Urusan Pendidikan, Provinsi Papua", exact=False
        ).click()
        await organizer.get_by_role("heading", name="Undangan").wait_for()
        await axe_clean(organizer, "sesi")
        slot = organizer.get_by_label("Waktu yang tersedia")
        options = await slot.locator("option").evaluate_all("(os) => os.map((o) => o.value).filter(Boolean)")
        assert options, "no free slot offered"
        await slot.select_option(options[0])
        await organizer.get_by_role("button", name="Pindahkan", exact=True).click()
        await organizer.get_by_text("Sesi telah dipindahkan").wait_for()
        moved = session_row(running_cycle, session_id)
        assert moved.sequence == before.sequence + 1
        assert moved.starts_at.replace(tzinfo=UTC) == datetime.fromisoformat(options[0])
        update = (await mails(running_cycle, "session_update", ".FAC-1.01@", 1))[0]
        calendar = calendar_of(update)
        assert calendar.method.value == "REQUEST" and calendar.vevent.sequence.value == "1"

        # Moves the rules refuse: each reason shown in the page, nothing changed.
        for day, at, reason in (
            ("2022-03-03", "09:00", "hari libur nasional"),
            ("2022-03-05", "09:00", "bukan hari kerja"),
            ("2022-03-02", "07:00", "di luar jam kerja di lokasi"),
            ("2022-03-02", "14:30", "di luar jam kerja provinsi"),
        ):
            await organizer.get_by_label("Atau tanggal lain").fill(day)
            await organizer.get_by_label("Jam (di lokasi)").fill(at)
            await organizer.get_by_role("button", name="Pindahkan", exact=True).click()
            await organizer.get_by_text(reason).wait_for()
        # Onto the slot another province holds at the same desk.
        jakarta = session_row(running_cycle, "2022-31-1.01")
        taken = jakarta.starts_at.replace(tzinfo=UTC).astimezone(WIB)
        await organizer.get_by_label("Atau tanggal lain").fill(taken.date().isoformat())
        await organizer.get_by_label("Jam (di lokasi)").fill(taken.strftime("%H:%M"))
        await organizer.get_by_role("button", name="Pindahkan", exact=True).click()
        await organizer.get_by_text("sudah dipakai provinsi lain").wait_for()
        assert session_row(running_cycle, session_id).sequence == moved.sequence
        await axe_clean(organizer, "sesi-ditolak")

        # Cancel with a reason, then hold again.
        await organizer.get_by_label("Alasan pembatalan").fill("Narasumber K/L berhalangan")
        await organizer.get_by_role("button", name="Batalkan sesi").click()
        await organizer.get_by_text("Sesi telah dibatalkan").wait_for()
        cancel = (await mails(running_cycle, "session_cancel", ".FAC-1.01@", 1))[0]
        assert calendar_of(cancel).method.value == "CANCEL"
        slot = organizer.get_by_label("Waktu yang tersedia")
        options = await slot.locator("option").evaluate_all("(os) => os.map((o) => o.value).filter(Boolean)")
        await slot.select_option(options[-1])
        await organizer.get_by_role("button", name="Adakan kembali").click()
        await organizer.get_by_text("Sesi telah dipindahkan").wait_for()
        held_again = (await mails(running_cycle, "session_update", ".FAC-1.01@", 2))[-1]
        assert calendar_of(held_again).vevent.sequence.value == "3"

        # Resend to one invitee, once the update is out: the same UID and SEQUENCE, a Message-ID
        # of its own.
        await organizer.reload()
        await organizer.get_by_role("button", name="Kirim ulang undangan kepada", exact=False).first.click()
        await organizer.get_by_text("Undangan telah dikirim ulang.").wait_for()
        detail = await running_cycle.client.get_workflow_handle(province_workflow_id(2022, "94")).query(
            ProvinceWorkflow.session, SessionQuery(desk="1.01")
        )
        first = sorted(detail.recipients)[0]
        assert detail.sequence == 3

        # The province's page: its sessions, mail and audit trail.
        await organizer.get_by_role("link", name="Provinsi Papua").first.click()
        await organizer.get_by_role("heading", name="Jejak tindakan").wait_for()
        await organizer.get_by_role("cell", name="resend").wait_for()
        await axe_clean(organizer, "provinsi")

        # Chasing: everyone who has not answered gets "[Tindakan diperlukan]", once.
        await organizer.get_by_role("link", name="Penagihan").click()
        answers = organizer.locator(
            "section", has=organizer.get_by_role("heading", name="Belum menjawab undangan")
        )
        await axe_clean(organizer, "tagih")
        await answers.get_by_role("button", name="Kirim pengingat kepada", exact=False).click()
        await organizer.get_by_text("Pengingat dikirim kepada", exact=False).wait_for()
        chased = await mails(running_cycle, "action_required", ".FAC-W.02@", 2)
        assert all(str(m["Subject"]).startswith("[Tindakan diperlukan] Konfirmasi kehadiran") for m in chased)

        # Deadlines: Papua's data entry two days later, after a flood; one too late is refused.
        await organizer.get_by_role("link", name="Batas waktu").click()
        for day, expected in (
            ("2022-03-01", "sebelum sesi desk pertama"),
            ("2022-02-18", "diperpanjang untuk 1"),
        ):
            await organizer.get_by_label("Langkah").select_option("entri-data")
            await organizer.get_by_label("Provinsi", exact=True).select_option("94")
            await organizer.get_by_label("Tanggal baru").fill(day)
            await organizer.get_by_label("Jam (WIB)").fill("16:00")
            await organizer.get_by_label("Alasan perpanjangan").fill("banjir di Kota Jayapura")
            await organizer.get_by_role("button", name="Perpanjang batas waktu").click()
            await organizer.get_by_text(expected, exact=False).first.wait_for()
        await axe_clean(organizer, "tenggat")
        letter = (await mails(running_cycle, "deadline_extended", ".P94-KOORD@", 1))[0]
        assert "banjir di Kota Jayapura" in letter.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        # Papua's coordinator sees the new deadline beside the task, in their own zone.
        koord = await signed_in(browser, running_cycle.link_in(letter))
        await koord.get_by_text("batas Jumat, 18 Februari 2022, pukul 18.00 WIT").wait_for()

        # A whole desk's day moves at once, after a preview.
        w02 = [session_row(running_cycle, f"2022-{p}-W.02") for p in PROVINCES]
        day = w02[0].starts_at.replace(tzinfo=UTC).astimezone(WIB).date()
        await organizer.get_by_role("link", name="Pindahkan banyak sesi").click()
        await organizer.get_by_label("Sesi yang dipindahkan").select_option("desk:W.02")
        await organizer.get_by_label("Pada tanggal").fill(day.isoformat())
        await organizer.get_by_role("button", name="Tampilkan pratinjau").click()
        on_that_day = [r for r in w02 if r.starts_at.replace(tzinfo=UTC).astimezone(WIB).date() == day]
        await organizer.get_by_role(
            "heading", name=f"Pratinjau: {len(on_that_day)} sesi dipindahkan"
        ).wait_for()
        await axe_clean(organizer, "pindah-banyak")
        await organizer.get_by_role("button", name=f"Pindahkan {len(on_that_day)} sesi").click()
        await organizer.get_by_text(f"{len(on_that_day)} sesi telah dipindahkan.").wait_for()
        for before_move in on_that_day:
            after = session_row(running_cycle, before_move.id)
            assert after.sequence == before_move.sequence + 1
            assert after.starts_at.replace(tzinfo=UTC).astimezone(WIB).date() != day

        # The directory: Papua's coordinator is replaced; the one who leaves is uninvited.
        await organizer.get_by_role("link", name="Direktori").click()
        await organizer.get_by_label("Provinsi", exact=True).select_option("94")
        await organizer.get_by_role("button", name="Tampilkan").click()
        await axe_clean(organizer, "direktori")
        coordinator = organizer.get_by_role("link", name="Nur Hartono")
        await coordinator.click()
        replacement = organizer.locator("form", has=organizer.get_by_role("button", name="Ganti orang"))
        await replacement.get_by_label("Nama").fill("Yohana Rumbewas")
        await replacement.get_by_label("Alamat surel").fill("yohana.rumbewas@papua.prov.test")
        await replacement.get_by_role("button", name="Ganti orang").click()
        await organizer.get_by_text("Peserta telah diganti").wait_for()
        await axe_clean(organizer, "pengganti")
        leaver_cancel = await mails(running_cycle, "session_cancel", ".P94-KOORD@", 1)
        assert calendar_of(leaver_cancel[-1]).method.value == "CANCEL"
        # Papua's W.02 session was moved above: its invitation is the update at its SEQUENCE.
        welcome = (await mails(running_cycle, "session_update", "yohana.rumbewas@papua.prov.test", 1))[0]
        assert calendar_of(welcome).method.value == "REQUEST"
        refused_link = await (await browser.new_context()).new_page()
        gone = await refused_link.goto(
            running_cycle.link_in(await running_cycle.mail("data_entry_open", ".P94-KOORD@"))
        )
        assert gone is not None and gone.status == 400

        # A new cycle's files, checked and previewed before anything starts.
        files = write_cycle(tmp_path / "baru", ["31", "94"], desks=["1.01", "W.02"])
        await organizer.get_by_role("link", name="Siklus baru").click()
        await axe_clean(organizer, "siklus-baru")
        await organizer.get_by_label("Berkas siklus (.toml)").set_input_files(str(files))
        await organizer.get_by_label("Daftar peserta (.csv atau .xlsx)").set_input_files(
            str(files.parent / "participants.csv")
        )
        await organizer.get_by_role("button", name="Periksa berkas").click()
        await organizer.get_by_role("heading", name="Pratinjau jadwal").wait_for()
        await organizer.get_by_text("Semua ketentuan terpenuhi", exact=False).wait_for()
        await axe_clean(organizer, "siklus-baru-pratinjau")

        # Someone who is not an organizer is turned away.
        facilitator = await signed_in(
            browser, running_cycle.link_in(await running_cycle.mail("session_invite", ".FAC-1.01@"))
        )
        response = await facilitator.goto(f"{running_cycle.base}/konsol/sesi/{session_id}")
        assert response is not None and response.status == 403
        with Session(running_cycle.engine) as db:
            actions = list(db.scalars(select(ActionRow.action).where(ActionRow.province == "94")))
        papua_moved = sum(1 for r in on_that_day if r.province == "94")
        assert actions.count("reschedule") == 2 + papua_moved
        assert {"cancel", "resend", "chase", "extend_deadline"} <= set(actions)
        assert first

        # A phone: the grid scrolls inside its region, the page does not.
        phone = await signed_in(
            browser, running_cycle.link_in(await running_cycle.mail("pre_meeting_invite", ".ORG-03@")), 360
        )
        await phone.goto(f"{running_cycle.base}/konsol")
        assert await horizontal_overflow(phone) == 0
        await shoot(phone, "console", "jadwal-360")
        await browser.close()
