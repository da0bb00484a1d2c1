"""The mail activity on its own: a registered one-desk cycle, a mailing, one send."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from temporalio.testing import ActivityEnvironment

from activities.messages import MessageActivities
from activities.records import RecordActivities
from models.cycle import load_cycle
from models.messages import DataEntryFacts, DeliveryReport, Mailings, MailKind, Outgoing, Region
from models.records import RegisterCycle
from store.database import connect
from tests.conftest import write_cycle


async def send_one(messages: MessageActivities, outgoing: Outgoing) -> DeliveryReport:
    """One mailing in an activity of its own; its report."""
    (report,) = await ActivityEnvironment().run(messages.send_mailings, Mailings(items=[outgoing]))
    return report


def registered_cycle(tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    """A one-desk cycle of Papua (94), registered in a fresh database: (cycle, engine)."""
    cycle = load_cycle(write_cycle(tmp_path / "cycle", ["94"], desks=["1.01"]))
    engine = connect(database_url)
    RecordActivities(engine).register_cycle(RegisterCycle(cycle=cycle))
    return cycle, engine


def invitation(cycle, recipients: list[str]) -> Outgoing:  # type: ignore[no-untyped-def]
    return Outgoing(
        year=2022,
        organizer=cycle.organizer,
        kind=MailKind.DATA_ENTRY_OPEN,
        subject_ref="2022-94",
        province="94",
        recipients=recipients,
        facts=DataEntryFacts(
            region=Region(cycle_name=cycle.name, plan_year=2023, province_name="Papua"),
            deadline_at=datetime(2022, 2, 16, 16, tzinfo=ZoneInfo("Asia/Jakarta")),
            sessions=1,
        ),
        made_at=datetime(2022, 2, 7, 12, tzinfo=ZoneInfo("Asia/Jakarta")),
        links_expire_at=datetime(2022, 4, 30, tzinfo=ZoneInfo("Asia/Jakarta")),
    )
