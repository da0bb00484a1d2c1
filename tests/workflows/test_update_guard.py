"""What a person's client sends is good for that one update: a token lifted from a province's
history acts no more, and no run of large submissions can end a province by filling its history."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from models.cycle import Cycle, load_cycle
from models.items import ProposalItem
from models.stages import Stage
from models.workflow_io import CycleInput, SubmitProposals, province_workflow_id
from rules.budget import PROVINCE
from settings import Settings
from store.database import connect
from store.tables import ProposalRow
from tests.conftest import write_cycle
from tests.helpers.acting import ISSUER, holder_of, link_of, send
from tests.helpers.progress import proposal
from worker import rakortek_worker
from workflows.cycle import CycleWorkflow
from workflows.province import ProvinceWorkflow

CODE = "94"
DESKS = ["1.01", "W.02"]


async def in_data_entry(env: WorkflowEnvironment, cycle: Cycle, task_queue: str) -> WorkflowHandle[Any, Any]:
    await env.client.start_workflow(
        CycleWorkflow.run,
        CycleInput(cycle=cycle, rehearsal_speed=1.0),
        id=f"c-{task_queue}",
        task_queue=task_queue,
    )
    province = env.client.get_workflow_handle(province_workflow_id(cycle.year, CODE))
    await env.sleep(cycle.pre_meeting.ends_at - cycle.opens_at + timedelta(hours=1))
    assert (await province.query(ProvinceWorkflow.state)).stage is Stage.DATA_ENTRY
    return province


async def refusal(call: Any) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await call
    return str(refused.value.cause)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_token_read_from_history_cannot_act_again(
    time_skipping: WorkflowEnvironment, settings: Settings, task_queue: str, tmp_path: Path
) -> None:
    cycle = load_cycle(write_cycle(tmp_path, [CODE], desks=DESKS))
    koord = next(p for p in cycle.participants if p.id == f"P{CODE}-KOORD")
    engine = connect(settings.database_url)

    def proposals() -> int:
        with Session(engine) as db:
            return db.scalar(select(func.count()).select_from(ProposalRow)) or 0

    async with rakortek_worker(time_skipping.client, settings, task_queue):
        province = await in_data_entry(time_skipping, cycle, task_queue)
        first = SubmitProposals(actor=koord.id, items=[proposal("94-1", "1.01")])
        await send(
            province, ProvinceWorkflow.submit_proposals, first, holder_of(koord), time_skipping, "first"
        )

        # What anyone who can read the history finds: the update token, never the link.
        history = await province.fetch_history()
        link = link_of(koord, cycle.deadlines.cycle_ends_at)
        assert link.split(".")[1] not in history.to_json()
        lifted = [
            json.loads(payload.data)["token"]
            for event in history.events
            if event.HasField("workflow_execution_update_accepted_event_attributes")
            for payload in event.workflow_execution_update_accepted_event_attributes.accepted_request.input.args.payloads  # noqa: E501
        ]
        assert len(lifted) == 1
        token = lifted[0]
        more = SubmitProposals(actor=koord.id, token=token, items=[proposal("94-2", "1.01")])
        same = first.model_copy(update={"token": token})
        now = await time_skipping.get_current_time()

        # Another update, the same input again under a new id, or a made-up input: refused.
        assert "made for another update" in await refusal(
            province.execute_update(ProvinceWorkflow.submit_proposals, same, id="again")
        )
        assert "made for another update" in await refusal(
            province.execute_update(ProvinceWorkflow.submit_proposals, more, id="first-but-not")
        )
        made_for_first = ISSUER.for_update(
            holder_of(koord), workflow_id=province.id, update_id="z", update=first, now=now
        )
        assert "other input" in await refusal(
            province.execute_update(
                ProvinceWorkflow.submit_proposals, more.model_copy(update={"token": made_for_first}), id="z"
            )
        )
        # Under its own id it is the same update, which Temporal applied once: nothing new.
        assert await province.execute_update(ProvinceWorkflow.submit_proposals, more, id="first") == 1
        # Tokens made for another workflow, or minutes ago, are refused too.
        elsewhere = ISSUER.for_update(
            holder_of(koord), workflow_id="rakortek-2022", update_id="x", update=first, now=now
        )
        assert "made for workflow rakortek-2022" in await refusal(
            province.execute_update(
                ProvinceWorkflow.submit_proposals, first.model_copy(update={"token": elsewhere}), id="x"
            )
        )
        stale = ISSUER.for_update(
            holder_of(koord),
            workflow_id=province.id,
            update_id="y",
            update=first,
            now=now - timedelta(minutes=6),
        )
        assert "more than 5 minutes ago" in await refusal(
            province.execute_update(
                ProvinceWorkflow.submit_proposals, first.model_copy(update={"token": stale}), id="y"
            )
        )
        assert proposals() == 1
        await province.terminate("the test has what it needs")


def maximal(n: int, desk: str) -> list[ProposalItem]:
    """Items of the longest text each field takes, as many as one action may carry."""
    wide = {"title": "T" * 300, "indicator": "I" * 300, "location": "L" * 120, "target_unit": "U" * 40}
    one = proposal(f"{n}-0", desk).model_copy(update=wide)
    size = len(one.model_dump_json()) + 1
    count = (PROVINCE.max_update_bytes - 2000) // size
    return [one.model_copy(update={"ref": f"{n}-{i}"}) for i in range(count)]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_fifty_maximal_submissions_leave_the_province_alive_under_its_bound(
    time_skipping: WorkflowEnvironment, settings: Settings, task_queue: str, tmp_path: Path
) -> None:
    cycle = load_cycle(write_cycle(tmp_path, [CODE], desks=DESKS))
    koord = next(p for p in cycle.participants if p.id == f"P{CODE}-KOORD")
    async with rakortek_worker(time_skipping.client, settings, task_queue):
        province = await in_data_entry(time_skipping, cycle, task_queue)
        too_large = maximal(0, "1.01") + [proposal("0-x", "1.01")] * 40
        reason = await refusal(
            send(
                province,
                ProvinceWorkflow.submit_proposals,
                SubmitProposals(actor=koord.id, items=too_large),
                holder_of(koord),
                time_skipping,
            )
        )
        assert "send it in parts" in reason
        accepted, refused = 0, []
        for n in range(1, 51):
            submission = SubmitProposals(actor=koord.id, items=maximal(n, DESKS[n % 2]))
            try:
                await send(
                    province, ProvinceWorkflow.submit_proposals, submission, holder_of(koord), time_skipping
                )
                accepted += 1
            except WorkflowUpdateFailedError as exc:
                refused.append(str(exc.cause))
        # (The time-skipping server does not report a history's size: it is measured here.)
        events = (await province.fetch_history()).events
        size = sum(event.ByteSize() for event in events)
        state = await province.query(ProvinceWorkflow.state)
        await province.terminate("the test has what it needs")

    # The province took what its budget allows and refused the rest, saying why; it lives on.
    assert 5 <= accepted < 50 and len(refused) == 50 - accepted
    assert all("has taken all the input it can" in r for r in refused), refused[:1]
    assert state.stage is Stage.DATA_ENTRY
    assert PROVINCE.input_bytes - PROVINCE.max_update_bytes < size < PROVINCE.bound_bytes
    assert len(events) < PROVINCE.bound_events
