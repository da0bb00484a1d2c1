"""People act through updates: good input is recorded, bad input is refused and records nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from commands.acting import Operator
from commands.audit import audit_trail
from commands.replies import record_reply
from mail.replies import ReplyError
from models.cycle import Cycle, load_cycle
from models.items import ItemStatus, OutcomeItem, ProposalItem
from models.stages import Party, Stage
from models.workflow_io import (
    CancelSession,
    ConfirmItems,
    CycleInput,
    RecordOutcome,
    SessionQuery,
    SignAgreement,
    SubmitProposals,
    province_workflow_id,
)
from security.tokens import Holder, TokenIssuer, claims_for
from settings import Settings
from store.database import connect
from store.tables import OutboxRow, OutcomeItemRow, ProposalRow, SignatureRow
from temporal_client import new_update_id
from tests.conftest import write_cycle
from tests.helpers.acting import ISSUER, holder_of, send
from tests.helpers.replies import AUTHSERV, eml, ics
from worker import rakortek_worker
from workflows.cycle import CycleWorkflow
from workflows.province import ProvinceWorkflow

PROVINCE = "33"
DESKS = ["1.01", "W.01"]
CYCLE: list[Cycle] = []
"""The cycle of the running test, for the helpers below."""


TRUSTED = (AUTHSERV,)


def cycle_end(cycle: Cycle) -> datetime:
    return cycle.deadlines.cycle_ends_at


def utcnow() -> datetime:
    return datetime.now(UTC)


def proposal(ref: str, desk: str, **change: Any) -> dict[str, Any]:
    item = {
        "ref": ref,
        "desk": desk,
        "level": "program",
        "title": "Peningkatan Layanan Pendidikan",
        "indicator": "Angka partisipasi murni SMA",
        "target_value": 85.0,
        "target_unit": "persen",
        "location": "Kabupaten Banyumas",
        "budget_rupiah": 12_500_000_000,
        "funding_source": "APBN",
        "proposed_by": "Pemda",
    }
    item.update(change)
    return item


async def advance_to(env: WorkflowEnvironment, cycle: WorkflowHandle[Any, Any], moment: datetime) -> None:
    now = (await cycle.query(CycleWorkflow.state)).calendar_now
    if moment > now:
        await env.sleep(moment - now)


ENV: list[WorkflowEnvironment] = []


def holder_for(arg: Any) -> Holder:
    """The actor's link: their everyday one, or for a signature the sign-off request's."""
    cycle = CYCLE[0]
    person = next((p for p in cycle.participants if p.id == arg.actor), None)
    if person is None:
        # Someone the directory does not know, holding a link of this deployment all the same.
        return Holder(sub=arg.actor, year=cycle.year, province=PROVINCE, role="province_coordinator")
    document = arg.document_sha256 if isinstance(arg, SignAgreement) else None
    return holder_of(person, cycle.year, document, PROVINCE)


async def sent(handle: WorkflowHandle[Any, Any], update: Any, arg: Any, holder: Holder | None = None) -> Any:
    """The update as the actor's client sends it: with a token made from the actor's link."""
    try:
        return await send(handle, update, arg, holder or holder_for(arg), ENV[0])
    except WorkflowUpdateFailedError as exc:
        raise AssertionError(str(exc.cause)) from exc


async def refused(
    handle: WorkflowHandle[Any, Any], update: Any, arg: Any, reason: str, holder: Holder | None = None
) -> None:
    with pytest.raises(WorkflowUpdateFailedError) as error:
        await send(handle, update, arg, holder or holder_for(arg), ENV[0])
    assert reason in str(error.value.cause), str(error.value.cause)


async def refused_token(
    handle: WorkflowHandle[Any, Any], update: Any, arg: Any, token: str, reason: str
) -> None:
    """Refused when sent with ``token`` as it is (one not made by a client of this deployment)."""
    with pytest.raises(WorkflowUpdateFailedError) as error:
        await handle.execute_update(update, arg.model_copy(update={"token": token}), id=new_update_id("raw"))
    assert reason in str(error.value.cause), str(error.value.cause)


async def test_updates_record_good_input_and_refuse_bad(
    time_skipping: WorkflowEnvironment, settings: Settings, task_queue: str, tmp_path: Path
) -> None:
    cycle: Cycle = load_cycle(write_cycle(tmp_path, [PROVINCE], desks=DESKS))
    CYCLE[:] = [cycle]
    ENV[:] = [time_skipping]
    people = {p.id: p for p in cycle.participants}
    organizer = Operator(holder_of(people["ORG-02"]), ISSUER)
    client: Client = time_skipping.client
    engine = connect(settings.database_url)

    def rows(table: Any) -> int:
        with Session(engine) as db:
            return db.scalar(select(func.count()).select_from(table)) or 0

    def sign_off_requests() -> int:
        with Session(engine) as db:
            return db.scalar(select(func.count()).where(OutboxRow.kind == "sign_off_request")) or 0

    async with rakortek_worker(client, settings, task_queue):
        cycle_handle = await client.start_workflow(
            CycleWorkflow.run,
            CycleInput(cycle=cycle, rehearsal_speed=1.0),
            id=f"cycle-{task_queue}",
            task_queue=task_queue,
        )
        province = client.get_workflow_handle(province_workflow_id(cycle.year, PROVINCE))
        await advance_to(time_skipping, cycle_handle, cycle.pre_meeting.ends_at + timedelta(hours=1))
        assert (await province.query(ProvinceWorkflow.state)).stage is Stage.DATA_ENTRY

        # Proposals: the good ones are recorded; each bad one is refused and leaves no trace.
        good = SubmitProposals(
            actor=f"P{PROVINCE}-KOORD",
            items=[ProposalItem.model_validate(proposal(f"{d}-1", d)) for d in DESKS],
        )
        assert await sent(province, ProvinceWorkflow.submit_proposals, good) == 2

        # Who may act: only the link's holder, on their own province and cycle, and only with a
        # token this deployment made for this very update.
        koord = people[f"P{PROVINCE}-KOORD"]
        mine = holder_of(koord)
        more = SubmitProposals(actor=koord.id, items=[ProposalItem.model_validate(proposal("z", "1.01"))])
        for holder, reason in (
            (holder_of(people["FAC-1.01"]), "the token belongs to FAC-1.01, not P33-KOORD"),
            (mine.model_copy(update={"province": "31"}), "for province 31, not 33"),
            (mine.model_copy(update={"year": 2021}), "for the 2021 cycle"),
        ):
            await refused(province, ProvinceWorkflow.submit_proposals, more, reason, holder)
        forger = TokenIssuer("a-secret-that-is-not-this-deployments")
        link = ISSUER.issue(
            claims_for(koord.id, 2022, PROVINCE, koord.role.value, expires_at=cycle_end(cycle))
        )
        for token, reason in (
            ("", "no token"),
            ("not.a.token", "not valid here"),
            (
                forger.for_update(mine, workflow_id=province.id, update_id="x", update=more, now=utcnow()),
                "not valid",
            ),
            (link, "a link from the mail cannot act directly"),
        ):
            await refused_token(province, ProvinceWorkflow.submit_proposals, more, token, reason)
        await refused(
            province,
            ProvinceWorkflow.submit_proposals,
            SubmitProposals(
                actor=f"P{PROVINCE}-KOORD", items=[ProposalItem.model_validate(proposal("x", "9.99"))]
            ),
            "unknown desk '9.99'",
        )
        await refused(
            province,
            ProvinceWorkflow.submit_proposals,
            SubmitProposals(actor="P31-KOORD", items=good.items),
            "unknown participant 'P31-KOORD'",
        )
        await refused(
            province,
            ProvinceWorkflow.submit_proposals,
            SubmitProposals(actor="KL-1.01-1", items=[ProposalItem.model_validate(proposal("y", "W.01"))]),
            "is not assigned to desk W.01",
        )
        # A client that skips validation (raw JSON) meets the same models in the workflow.
        for bad, reason in (
            ([proposal("n", "1.01", budget_rupiah=-5)], "budget_rupiah"),
            ([proposal("a", "1.01", budget_rupiah=10**15)], "budget_rupiah"),
            ([proposal("t", "1.01", target_unit="")], "target_unit"),
            ([proposal("c", "1.01", title="Jalan\r\nBcc: x@y.test")], "one line"),
            ([proposal(f"o{n}", "1.01") for n in range(2001)], "at most 2000 items"),
        ):
            with pytest.raises(WorkflowUpdateFailedError) as error:
                # (The token does not matter: the input is refused before anyone reads it.)
                await province.execute_update(
                    "submit_proposals", {"actor": f"P{PROVINCE}-KOORD", "items": bad, "token": "t"}
                )
            causes = []
            cause: BaseException | None = error.value.cause
            while cause is not None:
                causes.append(str(cause))
                cause = cause.__cause__
            assert any(reason in c for c in causes), causes
        assert rows(ProposalRow) == 2

        # Desk sessions: an outcome before the session starts, or for an unknown desk, is refused.
        state = await province.query(ProvinceWorkflow.state)
        sessions = {s.desk: s for s in state.sessions}
        outcome = {
            d: RecordOutcome(
                actor=f"FAC-{d}",
                desk=d,
                items=[
                    OutcomeItem(
                        **ProposalItem.model_validate(proposal(f"{d}-1", d)).model_dump(
                            exclude={"proposed_by"}
                        ),
                        status=ItemStatus.AGREED if d == "1.01" else ItemStatus.NOT_AGREED,
                        notes="" if d == "1.01" else "Belum selaras dengan prioritas nasional.",
                    )
                ],
            )
            for d in DESKS
        }
        await advance_to(time_skipping, cycle_handle, cycle.deadlines.data_entry + timedelta(minutes=5))
        await refused(province, ProvinceWorkflow.record_outcome, outcome["1.01"], "has not started yet")
        await refused(
            province,
            ProvinceWorkflow.sign,
            SignAgreement(actor=f"P{PROVINCE}-KEPALA", party=Party.REGIONAL, document_sha256="0" * 64),
            "nothing to sign yet",
        )
        await refused(
            province,
            ProvinceWorkflow.cancel,
            CancelSession(actor="FAC-W.01", desk="1.01", reason="Narasumber berhalangan"),
            "is not assigned to desk 1.01",
        )
        detail = await province.query(ProvinceWorkflow.session, SessionQuery(desk="1.01"))
        assert detail.state == "invited" and detail.sequence == 0 and "FAC-1.01" in detail.recipients

        # Replies from calendars: the invitee's answer is recorded; others' are refused.
        email = {p.id: p.email for p in cycle.participants}
        uid = f"rakortek-{cycle.year}-{PROVINCE}-1.01@bangda.kemendagri.test"
        reply = eml(ics(uid=uid, attendees=(email["FAC-1.01"],)), email["FAC-1.01"])
        # Feeding in someone else's reply is the organizers' job: another facilitator's token
        # does not do (an invitee's own token answers for themselves only, as the portal does).
        now = await time_skipping.get_current_time()
        other = Operator(holder_of(people["FAC-W.01"]), ISSUER)
        with pytest.raises(ReplyError, match="needs a token of organizer, not facilitator"):
            await record_reply(client, engine, reply, other, TRUSTED, now)
        assert await record_reply(client, engine, reply, organizer, TRUSTED, now)
        detail = await province.query(ProvinceWorkflow.session, SessionQuery(desk="1.01"))
        assert detail.replies == {"FAC-1.01": "ACCEPTED"}
        with pytest.raises(ReplyError, match=r"is not invited to the session at desk 1\.01"):
            await record_reply(
                client,
                engine,
                eml(ics(uid=uid, attendees=(email["FAC-W.01"],)), email["FAC-W.01"]),
                organizer,
                TRUSTED,
                now,
            )
        with pytest.raises(ReplyError, match="may not set the status"):
            await record_reply(
                client,
                engine,
                eml(ics(uid=uid, attendees=(email["FAC-1.01"],)), email["FAC-W.01"]),
                organizer,
                TRUSTED,
                now,
            )
        last_start = max(s.starts_at for s in sessions.values())
        await advance_to(time_skipping, cycle_handle, last_start + timedelta(minutes=1))
        await refused(
            province,
            ProvinceWorkflow.record_outcome,
            outcome["1.01"].model_copy(update={"desk": "3.99"}),
            "unknown desk '3.99'",
        )
        await refused(
            province,
            ProvinceWorkflow.record_outcome,
            outcome["1.01"].model_copy(update={"actor": "FAC-W.01"}),
            "is not assigned to desk 1.01",
        )
        for d in DESKS:
            await sent(province, ProvinceWorkflow.record_outcome, outcome[d])

        # Confirmation, then both signatures; a second signature by the same party is refused.
        await advance_to(time_skipping, cycle_handle, last_start + timedelta(hours=2))
        assert (await province.query(ProvinceWorkflow.state)).stage is Stage.CONFIRMATION
        await refused(
            province,
            ProvinceWorkflow.confirm_items,
            ConfirmItems.model_validate(
                {
                    "actor": f"P{PROVINCE}-KOORD",
                    "confirmations": [{"ref": "W.01-1", "location_ready": True, "target_confirmed": True}],
                }
            ),
            "not an agreed item",
        )
        await sent(
            province,
            ProvinceWorkflow.confirm_items,
            ConfirmItems.model_validate(
                {
                    "actor": f"P{PROVINCE}-KOORD",
                    "confirmations": [{"ref": "1.01-1", "location_ready": True, "target_confirmed": True}],
                }
            ),
        )
        await advance_to(time_skipping, cycle_handle, last_start + timedelta(hours=3))
        state = await province.query(ProvinceWorkflow.state)
        assert state.stage is Stage.SIGN_OFF and state.document_sha256
        sha = state.document_sha256
        await refused(
            province,
            ProvinceWorkflow.sign,
            SignAgreement(actor=f"P{PROVINCE}-KEPALA", party=Party.REGIONAL, document_sha256="f" * 64),
            "another version of the document",
        )
        await refused(
            province,
            ProvinceWorkflow.sign,
            SignAgreement(actor=f"P{PROVINCE}-KOORD", party=Party.REGIONAL, document_sha256=sha),
            "may not sign",
        )
        regional = SignAgreement(actor=f"P{PROVINCE}-KEPALA", party=Party.REGIONAL, document_sha256=sha)
        await sent(province, ProvinceWorkflow.sign, regional)
        # The same signature link again: a replay, refused.
        await refused(province, ProvinceWorkflow.sign, regional, "has been used already")

        # The organizers correct an outcome after the province signed: the document changes, the
        # signature on the old one is void, and both sides are asked to sign the new one.
        corrected = outcome["1.01"].model_copy(
            update={
                "actor": "ORG-02",
                "items": [outcome["1.01"].items[0].model_copy(update={"target_value": 80.0})],
            }
        )
        await refused(
            province,
            ProvinceWorkflow.amend_outcome,
            corrected.model_copy(update={"actor": "FAC-1.01"}),
            "may not amend an agreed outcome",
        )
        requests_before = sign_off_requests()
        voided = await sent(province, ProvinceWorkflow.amend_outcome, corrected)
        assert voided == ["regional"]
        for _ in range(600):
            state = await province.query(ProvinceWorkflow.state)
            # Both new requests (one per side) are out once both rows exist.
            if state.document_sha256 != sha and sign_off_requests() == requests_before + 2:
                break
            await asyncio.sleep(0.1)
        # New requests went out, with signature tokens for the new document.
        assert state.document_sha256 != sha and state.signatures == []
        assert sign_off_requests() == requests_before + 2
        assert rows(SignatureRow) == 0
        await refused(province, ProvinceWorkflow.sign, regional, "has been used already")
        # The central signer's request for the old document, never used: it no longer signs.
        stale = SignAgreement(actor="ORG-01", party=Party.CENTRAL, document_sha256=sha)
        await refused(province, ProvinceWorkflow.sign, stale, "another version of the document")
        sha = state.document_sha256
        regional = SignAgreement(actor=f"P{PROVINCE}-KEPALA", party=Party.REGIONAL, document_sha256=sha)
        await sent(province, ProvinceWorkflow.sign, regional)
        central = SignAgreement(actor="ORG-01", party=Party.CENTRAL, document_sha256=sha)
        # The central signer's everyday action token does not sign: only the sign-off request's does.
        await refused(
            province, ProvinceWorkflow.sign, central, "needs the signature token", holder_of(people["ORG-01"])
        )
        await sent(province, ProvinceWorkflow.sign, central)
        summary = await cycle_handle.result()

    assert summary.provinces[0].stage is Stage.COMPLETED
    assert summary.provinces[0].items_agreed == 1 and summary.provinces[0].items_not_agreed == 1
    assert rows(ProposalRow) == 2 and rows(OutcomeItemRow) == 2 and rows(SignatureRow) == 2
    # Every accepted action, and only those, is in the audit trail, with the token it used.
    trail = audit_trail(engine, cycle.year, PROVINCE)
    assert [(a["action"], a["actor"]) for a in trail] == [
        ("submit_proposals", "P33-KOORD"),
        ("record_reply", "FAC-1.01"),
        ("record_outcome", "FAC-1.01"),
        ("record_outcome", "FAC-W.01"),
        ("confirm_items", "P33-KOORD"),
        ("sign", "P33-KEPALA"),
        ("amend_outcome", "ORG-02"),
        ("sign", "P33-KEPALA"),
        ("sign", "ORG-01"),
    ]
    assert trail[0]["token_id"] == holder_of(people["P33-KOORD"]).link_id
