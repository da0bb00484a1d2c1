"""What organizers do to a running province: chase, extend a deadline (the waits follow it),
resend an invitation; and who else may not."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import vobject
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from embedded.smtp import MailStore
from models.clock import CycleClock
from models.cycle import Cycle, load_cycle
from models.items import ItemStatus, OutcomeItem, ProposalItem
from models.organizer_actions import (
    ChangeDirectory,
    Chase,
    DirectoryChangeKind,
    ExtendDeadline,
    ResendInvitation,
)
from models.participants import Participant, Role
from models.stages import ChaseStep, DeadlineStep, Stage
from models.workflow_io import (
    ConfirmItems,
    CycleInput,
    RecordOutcome,
    SessionQuery,
    SubmitProposals,
    province_workflow_id,
)
from settings import Settings
from store.database import connect
from store.tables import (
    CycleRow,
    LinkRevocationRow,
    OutboxRow,
    ParticipantRow,
    ProvinceProgressRow,
    SessionInviteeRow,
)
from tests.conftest import write_cycle
from tests.helpers.acting import holder_of, send
from worker import rakortek_worker
from workflows.cycle import CycleWorkflow
from workflows.province import ProvinceWorkflow

PROVINCE = "33"
DESKS = ["1.01", "W.01"]
WIB = ZoneInfo("Asia/Jakarta")


async def advance_to(env: WorkflowEnvironment, engine: Engine, year: int, moment: datetime) -> None:
    """Skip the server's time to the cycle's calendar ``moment`` (on the clock the cycle keeps in
    the database: a workflow's own last word on the time may be older than the server's)."""
    for _ in range(100):
        with Session(engine) as db:
            row = db.get(CycleRow, year)
        if row is not None:
            break
        await asyncio.sleep(0.1)  # the cycle registers itself as it starts
    assert row is not None and row.calendar_origin is not None and row.real_origin is not None
    clock = CycleClock(
        calendar_origin=row.calendar_origin.replace(tzinfo=UTC),
        real_origin=row.real_origin.replace(tzinfo=UTC),
        speed=row.speed or 1.0,
    )
    now = clock.calendar_time(await env.get_current_time())
    if moment > now:
        await env.sleep(clock.real_moment(moment) - clock.real_moment(now))


def messages(store: MailStore, kind: str) -> list[EmailMessage]:
    """The delivered messages whose Message-ID says they are of ``kind``."""
    parsed = [message_from_bytes(raw, policy=policy.default) for raw in store.raw]
    return [m for m in parsed if str(m["Message-ID"]).strip().startswith(f"<{kind}.")]


def calendar_of(message: EmailMessage) -> Any:
    """The message's invitation, read by the strict second parser."""
    part = next(p for p in message.iter_attachments() if p.get_content_type() == "text/calendar")
    data = part.get_content()
    return vobject.readOne(data.decode() if isinstance(data, bytes) else data, validate=True)


async def test_chase_extend_and_resend(
    time_skipping: WorkflowEnvironment,
    settings: Settings,
    task_queue: str,
    tmp_path: Path,
    mail: tuple[MailStore, int],
) -> None:
    cycle: Cycle = load_cycle(write_cycle(tmp_path, [PROVINCE], desks=DESKS))
    people: dict[str, Participant] = {p.id: p for p in cycle.participants}
    store, _ = mail
    engine = connect(settings.database_url)
    client = time_skipping.client
    organizer = holder_of(people["ORG-02"])

    async def act(update: Any, arg: Any, holder: Any = organizer) -> Any:
        return await send(province, update, arg, holder, time_skipping)

    async def refused(update: Any, arg: Any, reason: str, holder: Any = organizer) -> None:
        with pytest.raises(WorkflowUpdateFailedError) as error:
            await act(update, arg, holder)
        assert reason in str(error.value.cause), str(error.value.cause)

    async with rakortek_worker(client, settings, task_queue):
        cycle_handle = await client.start_workflow(
            CycleWorkflow.run,
            CycleInput(cycle=cycle, rehearsal_speed=1.0),
            id=f"cycle-{task_queue}",
            task_queue=task_queue,
        )
        province = client.get_workflow_handle(province_workflow_id(cycle.year, PROVINCE))
        await advance_to(time_skipping, engine, cycle.year, cycle.pre_meeting.ends_at + timedelta(hours=1))
        assert (await province.query(ProvinceWorkflow.state)).stage is Stage.DATA_ENTRY

        # Chasing the proposals: the province's heads get "[Tindakan diperlukan]", once per chase.
        heads = [f"P{PROVINCE}-KEPALA", f"P{PROVINCE}-KOORD", f"P{PROVINCE}-SEKR"]
        assert await act(ProvinceWorkflow.chase, Chase(actor="ORG-02", step=ChaseStep.PROPOSALS)) == 3
        await refused(
            ProvinceWorkflow.chase,
            Chase(actor="P33-KOORD", step=ChaseStep.PROPOSALS),
            "may not send reminders",
            holder_of(people["P33-KOORD"]),
        )
        await refused(
            ProvinceWorkflow.chase,
            Chase(actor="ORG-02", step=ChaseStep.CONFIRMATION),
            "nobody of province 33 is waited for (konfirmasi)",
        )

        # A later data-entry deadline: the province stays in DATA_ENTRY past the old one.
        old = cycle.deadlines.data_entry
        later = datetime(2022, 2, 18, 16, tzinfo=WIB)
        first_session = min(s.starts_at for s in (await province.query(ProvinceWorkflow.state)).sessions)
        flood = "banjir yang melanda Kota Semarang"
        for until, reason, holder in (
            (later, "may not extend a deadline", holder_of(people["FAC-1.01"])),
            (old - timedelta(hours=1), "is not later than the deadline", organizer),
            (first_session + timedelta(hours=1), "before the province's first desk session", organizer),
        ):
            extension = ExtendDeadline(
                actor=holder.sub, step=DeadlineStep.DATA_ENTRY, until=until, reason=flood
            )
            await refused(ProvinceWorkflow.extend_deadline, extension, reason, holder)
        extension = ExtendDeadline(actor="ORG-02", step=DeadlineStep.DATA_ENTRY, until=later, reason=flood)
        assert await act(ProvinceWorkflow.extend_deadline, extension) == old
        await advance_to(time_skipping, engine, cycle.year, old.replace(tzinfo=WIB) + timedelta(hours=2))
        assert (await province.query(ProvinceWorkflow.state)).stage is Stage.DATA_ENTRY
        with Session(engine) as db:
            row = db.get(ProvinceProgressRow, (cycle.year, PROVINCE))
            assert row is not None and row.data_entry_deadline == later.replace(tzinfo=None) - timedelta(
                hours=7
            )
        await advance_to(time_skipping, engine, cycle.year, later + timedelta(minutes=5))
        assert (await province.query(ProvinceWorkflow.state)).stage is Stage.DESK_SESSIONS

        chased = messages(store, "action_required")
        assert sorted(str(m["To"]).split("<")[1].rstrip(">") for m in chased) == sorted(
            people[p].email for p in heads
        )
        assert all(str(m["Subject"]).startswith("[Tindakan diperlukan] Pengisian usulan") for m in chased)
        told = messages(store, "deadline_extended")
        assert len(told) == 3
        body = told[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert "diperpanjang dari Rabu, 16 Februari 2022, pukul 16.00 WIB menjadi Jumat, 18 Februari" in body
        assert flood in body

        # Resend: one invitee gets the invitation again, same UID and SEQUENCE, a new Message-ID.
        invites = [m for m in messages(store, "session_invite") if "FAC-1.01" in str(m["Message-ID"])]
        assert len(invites) == 1
        await act(
            ProvinceWorkflow.resend, ResendInvitation(actor="ORG-02", desk="1.01", participant="FAC-1.01")
        )
        await refused(
            ProvinceWorkflow.resend,
            ResendInvitation(actor="ORG-02", desk="1.01", participant="FAC-W.01"),
            "FAC-W.01 is not invited to the session at desk 1.01",
        )
        await cycle_handle.query(CycleWorkflow.state)
        again = [m for m in messages(store, "session_invite") if "FAC-1.01" in str(m["Message-ID"])]
        assert len(again) == 2 and again[0]["Message-ID"] != again[1]["Message-ID"]
        calendars = [calendar_of(m) for m in again]
        assert {c.vevent.uid.value for c in calendars} == {calendars[0].vevent.uid.value}
        assert {c.vevent.sequence.value for c in calendars} == {"0"}
        assert {c.method.value for c in calendars} == {"REQUEST"}
        detail = await province.query(ProvinceWorkflow.session, SessionQuery(desk="1.01"))
        assert len(calendars[1].vevent.contents["attendee"]) == len(detail.recipients)

        # Chasing answers for one session: its invitees who have not answered.
        reminded = await act(ProvinceWorkflow.chase, Chase(actor="ORG-02", step=ChaseStep.REPLY, desk="1.01"))
        assert reminded == len(detail.recipients)
        with Session(engine) as db:
            kinds = db.scalars(select(OutboxRow.kind).where(OutboxRow.kind == "action_required")).all()
        assert len(kinds) == 3 + reminded


def proposal(desk: str) -> ProposalItem:
    return ProposalItem(
        ref=f"{desk}-1",
        desk=desk,
        level="program",
        title="Peningkatan Layanan Pendidikan",
        indicator="Angka partisipasi murni SMA",
        target_value=85.0,
        target_unit="persen",
        location="Kabupaten Banyumas",
        budget_rupiah=12_500_000_000,
        funding_source="APBN",
        proposed_by="Pemda",
    )


async def test_an_extended_deadline_moves_its_escalation_and_reminder(
    time_skipping: WorkflowEnvironment, settings: Settings, task_queue: str, tmp_path: Path
) -> None:
    cycle: Cycle = load_cycle(write_cycle(tmp_path, [PROVINCE], desks=DESKS))
    people = {p.id: p for p in cycle.participants}
    engine = connect(settings.database_url)
    client = time_skipping.client

    async def act(update: Any, arg: Any, actor: str = "ORG-02") -> Any:
        return await send(province, update, arg, holder_of(people[actor]), time_skipping)

    def sent_ids(kind: str) -> list[str]:
        with Session(engine) as db:
            return list(db.scalars(select(OutboxRow.message_id).where(OutboxRow.kind == kind)))

    async def until_sent(kind: str) -> list[str]:
        for _ in range(300):
            if ids := sent_ids(kind):
                return ids
            await asyncio.sleep(0.1)
        raise AssertionError(f"no {kind} mail")

    async with rakortek_worker(client, settings, task_queue):
        await client.start_workflow(
            CycleWorkflow.run,
            CycleInput(cycle=cycle, rehearsal_speed=1.0),
            id=f"cycle-{task_queue}",
            task_queue=task_queue,
        )
        province = client.get_workflow_handle(province_workflow_id(cycle.year, PROVINCE))
        await advance_to(time_skipping, engine, cycle.year, cycle.pre_meeting.ends_at + timedelta(hours=1))
        items = [proposal(d) for d in DESKS]
        await act(
            ProvinceWorkflow.submit_proposals, SubmitProposals(actor="P33-KOORD", items=items), "P33-KOORD"
        )
        state = await province.query(ProvinceWorkflow.state)
        last_start = max(s.starts_at for s in state.sessions)
        await advance_to(time_skipping, engine, cycle.year, last_start + timedelta(minutes=1))
        for item in items:
            outcome = OutcomeItem(**item.model_dump(exclude={"proposed_by"}), status=ItemStatus.AGREED)
            update = RecordOutcome(actor=f"FAC-{item.desk}", desk=item.desk, items=[outcome])
            await act(ProvinceWorkflow.record_outcome, update, f"FAC-{item.desk}")
        await advance_to(time_skipping, engine, cycle.year, last_start + timedelta(hours=2))
        assert (await province.query(ProvinceWorkflow.state)).stage is Stage.CONFIRMATION

        # The confirmation deadline moves two days on: the escalation waits for the new one.
        confirmation = datetime(2022, 3, 13, 10, tzinfo=WIB)
        await act(
            ProvinceWorkflow.extend_deadline,
            ExtendDeadline(
                actor="ORG-02", step=DeadlineStep.CONFIRMATION, until=confirmation, reason="banjir"
            ),
        )
        await advance_to(time_skipping, engine, cycle.year, cycle.deadlines.confirmation + timedelta(hours=1))
        assert sent_ids("escalation") == []
        await advance_to(time_skipping, engine, cycle.year, confirmation + timedelta(minutes=1))
        organizers = [p for p in people.values() if p.role is Role.ORGANIZER]
        escalations = await until_sent("escalation")
        assert {i.split(".")[1] for i in escalations} == {"konfirmasi-20220313T0300Z"}
        assert len(escalations) == len(organizers)

        confirm = ConfirmItems.model_validate(
            {
                "actor": "P33-KOORD",
                "confirmations": [
                    {"ref": i.ref, "location_ready": True, "target_confirmed": True} for i in items
                ],
            }
        )
        await act(ProvinceWorkflow.confirm_items, confirm, "P33-KOORD")
        await advance_to(time_skipping, engine, cycle.year, confirmation + timedelta(hours=1))
        assert (await province.query(ProvinceWorkflow.state)).stage is Stage.SIGN_OFF

        # Two days later to sign: the reminder, two days before, moves with it.
        sign_off = cycle.deadlines.sign_off.replace(tzinfo=WIB) + timedelta(days=2)
        await act(
            ProvinceWorkflow.extend_deadline,
            ExtendDeadline(actor="ORG-02", step=DeadlineStep.SIGN_OFF, until=sign_off, reason="banjir"),
        )
        await advance_to(time_skipping, engine, cycle.year, sign_off - timedelta(days=2, hours=1))
        assert sent_ids("sign_off_reminder") == []
        await advance_to(
            time_skipping, engine, cycle.year, sign_off - timedelta(days=2) + timedelta(minutes=1)
        )
        assert len(await until_sent("sign_off_reminder")) == 2


async def test_the_directory_changes_while_the_cycle_runs(
    time_skipping: WorkflowEnvironment,
    settings: Settings,
    task_queue: str,
    tmp_path: Path,
    mail: tuple[MailStore, int],
) -> None:
    cycle: Cycle = load_cycle(write_cycle(tmp_path, [PROVINCE], desks=DESKS))
    people = {p.id: p for p in cycle.participants}
    store, _ = mail
    engine = connect(settings.database_url)
    client = time_skipping.client
    old = people["P33-KOORD"]
    new = old.model_copy(
        update={"id": "P33-KOORD-2", "name": "Sari Dewi", "email": "sari.dewi@jawatengah.prov.test"}
    )

    async def act(update: Any, arg: Any, actor: str = "ORG-02") -> Any:
        return await send(province, update, arg, holder_of(people[actor]), time_skipping)

    def mails_to(kind: str, person: str) -> list[EmailMessage]:
        return [m for m in messages(store, kind) if f".{person}@" in str(m["Message-ID"])]

    async with rakortek_worker(client, settings, task_queue):
        await client.start_workflow(
            CycleWorkflow.run,
            CycleInput(cycle=cycle, rehearsal_speed=1.0),
            id=f"cycle-{task_queue}",
            task_queue=task_queue,
        )
        province = client.get_workflow_handle(province_workflow_id(cycle.year, PROVINCE))
        await advance_to(time_skipping, engine, cycle.year, cycle.pre_meeting.ends_at + timedelta(hours=1))
        for _ in range(300):
            if mails_to("session_invite", old.id):
                break
            await asyncio.sleep(0.1)

        # The contact person is replaced: the one who leaves is uninvited, the new one invited.
        replace = ChangeDirectory(
            actor="ORG-02", kind=DirectoryChangeKind.REPLACE, person=new, replaces=old.id
        )
        with pytest.raises(WorkflowUpdateFailedError, match="update failed"):
            await act(ProvinceWorkflow.change_directory, replace, "P33-KOORD")
        assert await act(ProvinceWorkflow.change_directory, replace) == 1
        for _ in range(300):
            if mails_to("session_invite", new.id):
                break
            await asyncio.sleep(0.1)
        cancel = calendar_of(mails_to("session_cancel", old.id)[0])
        assert cancel.method.value == "CANCEL"
        assert [a.value.lower() for a in cancel.vevent.contents["attendee"]] == [f"mailto:{old.email}"]
        invitation = calendar_of(mails_to("session_invite", new.id)[0])
        attendees = {a.value.lower() for a in invitation.vevent.contents["attendee"]}
        assert f"mailto:{new.email}" in attendees and f"mailto:{old.email}" not in attendees
        assert invitation.vevent.uid.value == cancel.vevent.uid.value
        detail = await province.query(ProvinceWorkflow.session, SessionQuery(desk="W.01"))
        assert new.id in detail.recipients and old.id not in detail.recipients
        with Session(engine) as db:
            invited = set(
                db.scalars(
                    select(SessionInviteeRow.participant).where(SessionInviteeRow.session_id == detail.id)
                )
            )
            assert new.id in invited and old.id not in invited
            assert db.get(LinkRevocationRow, (cycle.year, old.id)) is not None
            leaver = db.get(ParticipantRow, (cycle.year, old.id))
            assert leaver is not None and leaver.replaced_by == new.id

        # The one who left acts no more; the new one is among the province's heads.
        proposals = SubmitProposals(actor=old.id, items=[proposal("W.01")])
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await act(ProvinceWorkflow.submit_proposals, proposals, old.id)
        assert "was replaced in the directory" in str(refused.value.cause)
        assert await act(ProvinceWorkflow.chase, Chase(actor="ORG-02", step=ChaseStep.PROPOSALS)) == 3

        # Someone new at desk 1.01, and a facilitator's new address: each gets the invitation.
        added = people["KL-1.01-1"].model_copy(
            update={"id": "KL-1.01-9", "name": "Made Arta", "email": "made.arta@kpkrt.test"}
        )
        add = ChangeDirectory(actor="ORG-02", kind=DirectoryChangeKind.ADD, person=added)
        assert await act(ProvinceWorkflow.change_directory, add) == 1
        moved = people["FAC-W.01"].model_copy(update={"email": "ketut.lumban@kemendagri.test"})
        change = ChangeDirectory(actor="ORG-02", kind=DirectoryChangeKind.UPDATE, person=moved)
        assert await act(ProvinceWorkflow.change_directory, change) == 1
        seat = ChangeDirectory(
            actor="ORG-02",
            kind=DirectoryChangeKind.UPDATE,
            person=moved.model_copy(update={"desks": ("1.01",)}),
        )
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await act(ProvinceWorkflow.change_directory, seat)
        assert "keeps the role, province and desks" in str(refused.value.cause)
        for _ in range(300):
            if mails_to("session_invite", added.id) and any(
                "ketut.lumban@kemendagri.test" in str(m["To"]) for m in mails_to("session_invite", "FAC-W.01")
            ):
                break
            await asyncio.sleep(0.1)
        else:
            ids = [(str(m["Message-ID"]), str(m["To"])) for m in messages(store, "session_invite")]
            raise AssertionError(f"no invitation to the added person or the new address: {ids}")
