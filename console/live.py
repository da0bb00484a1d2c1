"""The sessions as their workflows have them: the database records moves, cancellations and
outcomes, not each invitation going out or each session beginning."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from temporalio.client import Client, WorkflowQueryFailedError
from temporalio.service import RPCError

from models.workflow_io import SessionQuery, province_workflow_id
from workflows.province import ProvinceWorkflow

QUERY_SECONDS = 3
"""A workflow that does not answer in this long leaves the database's view on the page."""


async def session_states(
    client: Client | None, year: int, provinces: Sequence[str]
) -> dict[tuple[str, str], str]:
    """(province, desk) → the session's state, for every province whose workflow answers."""
    if client is None:
        return {}

    async def one(code: str) -> dict[tuple[str, str], str]:
        handle = client.get_workflow_handle(province_workflow_id(year, code))
        try:
            state = await asyncio.wait_for(handle.query(ProvinceWorkflow.state), QUERY_SECONDS)
        except (RPCError, WorkflowQueryFailedError, TimeoutError):
            return {}
        return {(code, s.desk): s.state.value for s in state.sessions}

    found: dict[tuple[str, str], str] = {}
    for states in await asyncio.gather(*(one(code) for code in provinces)):
        found.update(states)
    return found


async def session_state(client: Client | None, year: int, province: str, desk: str) -> str | None:
    if client is None:
        return None
    handle = client.get_workflow_handle(province_workflow_id(year, province))
    try:
        detail = await asyncio.wait_for(
            handle.query(ProvinceWorkflow.session, SessionQuery(desk=desk)), QUERY_SECONDS
        )
    except (RPCError, WorkflowQueryFailedError, TimeoutError):
        return None
    return str(detail.state)
