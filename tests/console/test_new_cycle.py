"""A new cycle from the console: files with errors are refused with every error's file, row and
field, and nothing starts; good files show the schedule, and start a rehearsal on Temporal."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
from openpyxl import Workbook
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.records import RecordActivities
from models.clock import CycleClock
from models.cycle import load_cycle
from models.records import RegisterCycle
from models.workflow_io import cycle_workflow_id
from security.links import portal_link
from security.tokens import TokenIssuer, claims_for
from store.database import connect
from store.schema import upgrade
from tests.conftest import TOKEN_SECRET, write_cycle
from web.app import create_web_app


async def organizer_in(url: str, tmp_path: Path, client: object | None) -> tuple[httpx.AsyncClient, Path]:
    """An organizer signed in to the console of a registered 2022 cycle; the folder of the files."""
    folder = tmp_path / "files"
    cycle = load_cycle(write_cycle(folder, ["94"], desks=["1.01", "W.02"]))
    engine = connect(url)
    upgrade(engine)
    clock = CycleClock(calendar_origin=cycle.opens_at, real_origin=datetime.now(UTC), speed=1.0)
    RecordActivities(engine).register_cycle(RegisterCycle(cycle=cycle, clock=clock))
    app = create_web_app(engine, client, token_secret=TOKEN_SECRET, uploads=tmp_path / "uploads")  # type: ignore[arg-type]
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1")
    ends = cycle.deadlines.cycle_ends_at
    token = TokenIssuer(TOKEN_SECRET).issue(claims_for("ORG-02", 2022, None, "organizer", expires_at=ends))
    await http.get(portal_link("", token))
    await http.get("/konsol/siklus-baru")
    return http, folder


async def upload(http: httpx.AsyncClient, cycle: bytes, people: tuple[str, bytes]) -> httpx.Response:
    return await http.post(
        "/konsol/siklus-baru",
        data={"csrftoken": http.cookies["csrftoken"]},
        files={"cycle": ("siklus.toml", cycle), "participants": people},
    )


def problems(page: str) -> list[tuple[str, str]]:
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td></tr>", page.split('class="present problems"')[1])
    return [(where, what) for where, what in rows]


async def test_files_with_errors_are_refused_with_every_row_and_field(
    time_skipping: WorkflowEnvironment, tmp_path: Path
) -> None:
    http, folder = await organizer_in(f"sqlite:///{tmp_path}/r.db", tmp_path, time_skipping.client)
    text = (folder / "cycle.toml").read_text(encoding="utf-8")
    people = (folder / "participants.csv").read_text(encoding="utf-8")
    try:
        # The cycle file: each bad field named.
        bad = text.replace("max_parallel_per_province = 3", "max_parallel_per_province = 0").replace(
            "session_minutes = 60", "session_minutes = -5"
        )
        page = await upload(http, bad.encode(), ("participants.csv", people.encode()))
        assert page.status_code == 422
        found = problems(page.text)
        assert {w.split(": ", 1)[1] for w, _ in found} == {
            "desk_sessions.session_minutes",
            "desk_sessions.max_parallel_per_province",
        }

        # The participants: each bad row and field named, in CSV and in XLSX alike.
        lines = people.splitlines()
        lines[4] = lines[4].replace("@", " at ")
        lines[6] = lines[6].replace(",organizer,", ",kepala,")
        page = await upload(http, text.encode(), ("participants.csv", "\n".join(lines).encode()))
        found = problems(page.text)
        assert page.status_code == 422
        assert any("participants.csv line 5: email" in w for w, _ in found), found
        assert any("participants.csv line 7: role" in w for w, _ in found), found
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        for line in lines:
            sheet.append(next(csv.reader([line])))
        xlsx = io.BytesIO()
        book.save(xlsx)
        page = await upload(http, text.encode(), ("peserta.xlsx", xlsx.getvalue()))
        assert page.status_code == 422 and any("line 5: email" in w for w, _ in problems(page.text))

        # One Friday, three-hour sessions: Jakarta's and Papua's office hours share two hours at
        # most, and the solver says so.
        short = (
            text.replace("window_start = 2022-02-21", "window_start = 2022-02-25")
            .replace("window_end = 2022-03-08", "window_end = 2022-02-25")
            .replace("session_minutes = 60", "session_minutes = 180")
        )
        page = await upload(http, short.encode(), ("participants.csv", people.encode()))
        assert page.status_code == 422
        assert any(w == "schedule" and "province 94" in what for w, what in problems(page.text)), problems(
            page.text
        )
    finally:
        await http.aclose()

    # Nothing was started.
    try:
        await time_skipping.client.get_workflow_handle(cycle_workflow_id(2022)).describe()
    except RPCError:
        pass
    else:
        raise AssertionError("a cycle was started from files with errors")


async def test_good_files_show_the_schedule_then_start_a_rehearsal(
    time_skipping: WorkflowEnvironment, tmp_path: Path
) -> None:
    http, folder = await organizer_in(f"sqlite:///{tmp_path}/g.db", tmp_path, time_skipping.client)
    try:
        page = await upload(
            http,
            (folder / "cycle.toml").read_bytes(),
            ("participants.csv", (folder / "participants.csv").read_bytes()),
        )
        assert page.status_code == 303
        preview = await http.get(page.headers["location"])
        assert preview.status_code == 200
        assert "Semua ketentuan terpenuhi" in preview.text and "94 " in preview.text
        start = page.headers["location"] + "/mulai"
        token = http.cookies["csrftoken"]
        real = await http.post(start, data={"csrftoken": token, "mode": "real"})
        assert real.status_code == 409 and "Siklus sebenarnya belum dapat dimulai" in real.text
        started = await http.post(start, data={"csrftoken": token, "mode": "rehearsal", "speed": "5000"})
        assert started.status_code == 200 and "Siklus 2022 dimulai" in started.text
        again = await http.post(start, data={"csrftoken": token, "mode": "rehearsal", "speed": "5000"})
        assert again.status_code == 409 and "Siklus 2022 sudah berjalan" in again.text
    finally:
        await http.aclose()
    handle = time_skipping.client.get_workflow_handle(cycle_workflow_id(2022))
    assert (await handle.describe()).status is WorkflowExecutionStatus.RUNNING
    await handle.terminate()


def test_the_participants_file_a_cycle_names_is_a_plain_name(tmp_path: Path) -> None:
    from console.new_cycle import store_upload
    from models.cycle import CycleFileError

    for named in ("../participants.csv", "..", "/etc/passwd", "sub/participants.csv", ".hidden.csv"):
        cycle = f'participants = "{named}"\n'.encode()
        try:
            store_upload(tmp_path, "cycle.toml", cycle, "participants.csv", b"id\n")
        except CycleFileError as exc:
            assert exc.problems[0][0] == "participants", named
        else:
            raise AssertionError(f"{named!r} was taken")
    assert list(tmp_path.iterdir()) == []
