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

from commands.audit import audit_trail
from commands.replies import record_reply
from mail.replies import ReplyError
from models.cycle import Cycle, load_cycle
from models.items import ItemStatus, OutcomeItem, ProposalItem
from models.participants import Participant
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
from security.tokens import SIGN, TokenIssuer, claims_for, read_unverified
from settings import Settings
from store.database import connect
from store.tables import OutboxRow, OutcomeItemRow, ProposalRow, SignatureRow
from tests.conftest import TOKEN_SECRET, write_cycle
from tests.helpers.replies import eml, ics
from worker import rakortek_worker
from workflows.cycle import CycleWorkflow
from workflows.province import ProvinceWorkflow

PROVINCE = "33"
DESKS = ["1.01", "W.01"]
CYCLE: list[Cycle] = []
"""The cycle of the running test, for the helpers below."""


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


ISSUER = TokenIssuer(TOKEN_SECRET)


def token_of(person: Participant, year: int = 2022, document: str | None = None) -> str:
    """The token the person got by mail: an action token, or the signature token of a document."""
    if document is not None:
        return ISSUER.issue(claims_for(person.id, year, PROVINCE, person.role.value, SIGN, document))
    return ISSUER.issue(claims_for(person.id, year, person.province, person.role.value))


def as_sent(arg: Any, cycle: Cycle) -> Any:
    """The update as the actor's client sends it: with the token from the actor's mail."""
    person = next((p for p in cycle.participants if p.id == arg.actor), None)
    if person is None or arg.token is not None:
        return arg
    document = arg.document_sha256 if isinstance(arg, SignAgreement) else None
    return arg.model_copy(update={"token": token_of(person, cycle.year, document)})


async def refused(handle: WorkflowHandle[Any, Any], update: Any, arg: Any, reason: str) -> None:
    with pytest.raises(WorkflowUpdateFailedError) as error:
        await handle.execute_update(update, as_sent(arg, CYCLE[0]))
    assert reason in str(error.value.cause), str(error.value.cause)


async def test_updates_record_good_input_and_refuse_bad(
    time_skipping: WorkflowEnvironment, settings: Settings, task_queue: str, tmp_path: Path
) -> None:
    cycle: Cycle = load_cycle(write_cycle(tmp_path, [PROVINCE], desks=DESKS))
    CYCLE[:] = [cycle]
    people = {p.id: p for p in cycle.participants}
    organizer_token = token_of(people["ORG-02"])
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
        assert await province.execute_update(ProvinceWorkflow.submit_proposals, as_sent(good, cycle)) == 2

        # Who may act: only the token's holder, on their own province and cycle, before it
        # expires, and only with a token this deployment signed.
        koord = people[f"P{PROVINCE}-KOORD"]
        more = SubmitProposals(actor=koord.id, items=[ProposalItem.model_validate(proposal("z", "1.01"))])
        expired = claims_for(koord.id, 2022, PROVINCE, koord.role.value).model_copy(
            update={"exp": int(datetime(2022, 1, 31, tzinfo=UTC).timestamp())}
        )
        forger = TokenIssuer("a-secret-that-is-not-this-deployments")
        for token, reason in (
            ("", "no token"),
            (token_of(people["FAC-1.01"]), "the token belongs to FAC-1.01, not P33-KOORD"),
            (ISSUER.issue(claims_for(koord.id, 2022, "31", koord.role.value)), "for province 31, not 33"),
            (ISSUER.issue(claims_for(koord.id, 2021, PROVINCE, koord.role.value)), "for the 2021 cycle"),
            (ISSUER.issue(expired), "the token expired on 2022-01-31"),
            (forger.issue(claims_for(koord.id, 2022, PROVINCE, koord.role.value)), "not valid here"),
            ("not.a.token", "not valid here"),
        ):
            await refused(
                province, ProvinceWorkflow.submit_proposals, more.model_copy(update={"token": token}), reason
            )
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
                await province.execute_update(
                    "submit_proposals",
                    {
                        "actor": f"P{PROVINCE}-KOORD",
                        "items": bad,
                        "token": token_of(people[f"P{PROVINCE}-KOORD"]),
                    },
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
        with pytest.raises(ReplyError, match="needs a token of organizer, not facilitator"):
            await record_reply(client, engine, reply, token_of(people["FAC-W.01"]))
        assert await record_reply(client, engine, reply, organizer_token)
        detail = await province.query(ProvinceWorkflow.session, SessionQuery(desk="1.01"))
        assert detail.replies == {"FAC-1.01": "ACCEPTED"}
        with pytest.raises(ReplyError, match=r"is not invited to the session at desk 1\.01"):
            await record_reply(
                client,
                engine,
                eml(ics(uid=uid, attendees=(email["FAC-W.01"],)), email["FAC-W.01"]),
                organizer_token,
            )
        with pytest.raises(ReplyError, match="may not set the status"):
            await record_reply(
                client,
                engine,
                eml(ics(uid=uid, attendees=(email["FAC-1.01"],)), email["FAC-W.01"]),
                organizer_token,
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
            await province.execute_update(ProvinceWorkflow.record_outcome, as_sent(outcome[d], cycle))

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
        await province.execute_update(
            ProvinceWorkflow.confirm_items,
            as_sent(
                ConfirmItems.model_validate(
                    {
                        "actor": f"P{PROVINCE}-KOORD",
                        "confirmations": [
                            {"ref": "1.01-1", "location_ready": True, "target_confirmed": True}
                        ],
                    }
                ),
                cycle,
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
        await province.execute_update(ProvinceWorkflow.sign, as_sent(regional, cycle))
        # The same signature token again: a replay, refused.
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
        voided = await province.execute_update(ProvinceWorkflow.amend_outcome, as_sent(corrected, cycle))
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
        await province.execute_update(ProvinceWorkflow.sign, as_sent(regional, cycle))
        central = SignAgreement(actor="ORG-01", party=Party.CENTRAL, document_sha256=sha)
        # The central signer's everyday action token does not sign: only the sign-off request's does.
        await refused(
            province,
            ProvinceWorkflow.sign,
            central.model_copy(update={"token": token_of(people["ORG-01"])}),
            "needs the signature token",
        )
        await province.execute_update(ProvinceWorkflow.sign, as_sent(central, cycle))
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
    assert trail[0]["token_id"] == read_unverified(token_of(people["P33-KOORD"])).jti
