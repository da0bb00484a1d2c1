"""Today's 38 provinces and the regency level (kabupaten/kota), run small on the time-skipping server.

The full-size runs are benchmarks (``python -m bench cycle config/cycles/scale/…``, BENCHMARKS.md).
"""

from __future__ import annotations

from collections import Counter
from email import message_from_bytes, policy

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from temporalio.testing import WorkflowEnvironment

from bench.scale import shrink
from embedded.smtp import MailStore
from models.cycle import load_cycle
from models.workflow_io import CycleInput
from settings import PROJECT_DIR, Settings
from store.database import connect
from store.tables import OutboxRow, SessionRow
from worker import rakortek_worker
from workflows.cycle import CycleWorkflow

SCALE = PROJECT_DIR / "config" / "cycles" / "scale"
NEW_PAPUA = {"92", "95", "96", "97"}


async def run(env: WorkflowEnvironment, settings: Settings, task_queue: str, cycle: object) -> list:
    async with rakortek_worker(env.client, settings, task_queue):
        summary = await env.client.execute_workflow(
            CycleWorkflow.run,
            CycleInput(cycle=cycle, rehearsal_speed=1.0, simulate_participants=True),  # type: ignore[arg-type]
            id=f"cycle-{task_queue}",
            task_queue=task_queue,
        )
    return summary.provinces


async def test_38_provinces_with_the_new_papua_provinces_in_wit(
    time_skipping: WorkflowEnvironment, settings: Settings, mail: tuple[MailStore, int], task_queue: str
) -> None:
    full = load_cycle(SCALE / "provinces-38.toml")
    assert len(full.provinces) == 38
    assert {p.code: p.zone for p in full.provinces if p.code in NEW_PAPUA} == dict.fromkeys(
        NEW_PAPUA, "Asia/Jayapura"
    )
    cycle = shrink(full, desks=2)
    provinces = await run(time_skipping, settings, task_queue, cycle)

    assert len(provinces) == 38 and {p.stage for p in provinces} == {"COMPLETED"}
    assert sum(p.sessions_held for p in provinces) == 38 * 2
    # A new Papua province's session reaches its people in WIT, the venue's time beside it.
    invite = next(
        message_from_bytes(raw, policy=policy.default)
        for raw in mail[0].raw
        if b"X-Rakortek-Kind: session_invite" in raw and b"X-Rakortek-Session: 2023-97-" in raw
    )
    text = invite.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Papua Pegunungan" in text and "WIT" in text and "WIB" in text


async def test_regency_level_cycle_runs_each_kabupaten_kota_through_its_province_desks(
    time_skipping: WorkflowEnvironment, settings: Settings, mail: tuple[MailStore, int], task_queue: str
) -> None:
    full = load_cycle(SCALE / "kabupaten-kota.toml")
    assert len(full.provinces) == 514
    # Aceh's 23 and the first 9 of Sumatera Utara: two provinces, each with its own desks.
    cycle = shrink(full, provinces=32, desks=2)
    regions = await run(time_skipping, settings, task_queue, cycle)

    assert len(regions) == 32 and {r.stage for r in regions} == {"COMPLETED"}
    assert sum(r.sessions_held for r in regions) == 64
    engine = connect(settings.database_url)
    with Session(engine) as db:
        sessions = list(db.scalars(select(SessionRow)))
        sent = db.scalar(select(func.count()).where(OutboxRow.status == "sent"))
    assert sent == len(mail[0].raw)
    parent = {r.code: r.parent for r in cycle.provinces}
    at_once = Counter((parent[s.province], s.desk, s.starts_at) for s in sessions)
    assert max(at_once.values()) == 1, "two kabupaten/kota of one province at one desk at once"
    across = Counter((s.desk, s.starts_at) for s in sessions)
    assert max(across.values()) > 1, "the provinces' desks run side by side"
    # Participants read the kabupaten's own name, never "Provinsi Kabupaten …".
    subjects = [message_from_bytes(raw, policy=policy.default)["Subject"] for raw in mail[0].raw]
    assert any("Kabupaten Aceh Selatan" in s for s in subjects)
    assert not any("Provinsi Kabupaten" in s or "Provinsi Kota" in s for s in subjects)
    # So does its agreement, signed by its own government.
    agreement = (
        settings.output_dir / "2024" / "agreements" / "berita-acara-1101-ditandatangani.html"
    ).read_text(encoding="utf-8")
    assert "bertindak untuk dan atas nama Pemerintah Kabupaten Aceh Selatan" in agreement
    assert "DENGAN<br>PEMERINTAH KABUPATEN ACEH SELATAN" in agreement
    assert "RKPD Kabupaten Aceh Selatan" in agreement and "Kepala Bappeda Kabupaten" in agreement
    assert "Pemerintah Provinsi" not in agreement and "PROVINSI" not in agreement
