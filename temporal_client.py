"""The Temporal client every rakortek process uses: worker, command line, board and portal.

Address, namespace, TLS (or mTLS) and API key come from the settings (the Temporal CLI's own
variable names); payloads are pydantic JSON, encrypted when RAKORTEK_PAYLOAD_KEY is set.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowUpdateRPCTimeoutOrCancelledError,
    WorkflowUpdateStage,
)
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.service import RPCError, RPCStatusCode, TLSConfig

from security.codec import parse_key, with_encryption
from security.tokens import TOKEN_FIELD, Holder, TokenIssuer
from settings import Settings


def tls_config(settings: Settings) -> TLSConfig | bool:
    """TLS for a cluster or Temporal Cloud: server CA, client certificate (mTLS), server name."""
    files = (settings.temporal_tls_ca, settings.temporal_tls_cert, settings.temporal_tls_key)
    if not any(files) and not settings.temporal_tls_server_name:
        # Temporal Cloud's API keys travel only over TLS.
        return settings.temporal_tls or settings.temporal_api_key is not None
    if bool(settings.temporal_tls_cert) != bool(settings.temporal_tls_key):
        raise ValueError("TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (mTLS needs both)")
    read = lambda path: path.read_bytes() if path else None  # noqa: E731
    return TLSConfig(
        server_root_ca_cert=read(settings.temporal_tls_ca),
        client_cert=read(settings.temporal_tls_cert),
        client_private_key=read(settings.temporal_tls_key),
        domain=settings.temporal_tls_server_name,
    )


def data_converter(settings: Settings) -> DataConverter:
    """Pydantic payloads, encrypted when RAKORTEK_PAYLOAD_KEY is set."""
    key = parse_key(settings.payload_key.get_secret_value()) if settings.payload_key else None
    return with_encryption(pydantic_data_converter, key)


async def connect_client(settings: Settings) -> Client:
    api_key = settings.temporal_api_key.get_secret_value() if settings.temporal_api_key else None
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
        tls=tls_config(settings),
        api_key=api_key,
    )


def new_update_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4()}"


BUSY = frozenset(
    {
        RPCStatusCode.RESOURCE_EXHAUSTED,
        RPCStatusCode.UNAVAILABLE,
        RPCStatusCode.ABORTED,
        RPCStatusCode.DEADLINE_EXCEEDED,
    }
)
"""What the server answers when a workflow cannot take an update now: more updates in flight than
it allows (ten per workflow), an update aborted because the workflow's task was lost or its cache
evicted (retryable Unavailable), a moment of overload. Sending the same update again later is safe:
its id makes it one update."""
PATIENCE_SECONDS = 60.0
"""How long a person's action keeps trying while the workflow is busy: a burst of hundreds of
people acting at once passes in seconds, a workflow that is down does not."""
FIRST_PAUSE, LONGEST_PAUSE = 0.1, 4.0
IN_FLIGHT_PER_WORKFLOW = 8
"""Updates one process keeps in flight to one workflow at once; the others wait their turn here.
The server takes ten at most, and a crowd beyond that has the server abort them over and over
(every update of the moment retried, none taking): the line forms in the client instead. Eight
keeps a workflow's tasks full (910 check-ins in 5.5 s, where four took 10) with room under the
ten for another process; beyond, the server's refusal is met with backoff."""
_lanes: dict[tuple[int, str], asyncio.Semaphore] = {}


def _lane(workflow_id: str) -> asyncio.Semaphore:
    key = (id(asyncio.get_running_loop()), workflow_id)
    if key not in _lanes:
        _lanes[key] = asyncio.Semaphore(IN_FLIGHT_PER_WORKFLOW)
    return _lanes[key]


Waiting = Callable[[int, float], None]
"""Told (attempt, pause in seconds) each time an action waits for a busy workflow."""


def is_busy(error: BaseException) -> bool:
    if isinstance(error, WorkflowUpdateRPCTimeoutOrCancelledError):
        return True
    return isinstance(error, RPCError) and error.status in BUSY


def pause_before(attempt: int) -> float:
    """Exponential backoff with full jitter: people acting at one moment spread out instead of
    coming back all together."""
    return random.uniform(0, min(LONGEST_PAUSE, FIRST_PAUSE * 2**attempt))


async def act(
    handle: WorkflowHandle[Any, Any],
    update: Any,
    argument: BaseModel,
    *,
    holder: Holder,
    issuer: TokenIssuer,
    update_id: str,
    now: datetime | None = None,
    wait_for_stage: WorkflowUpdateStage = WorkflowUpdateStage.COMPLETED,
    patience: float = PATIENCE_SECONDS,
    waiting: Waiting | None = None,
) -> Any:
    """Sends a person's update with a token made for it alone (security/tokens.py): the link the
    person showed stays here. Sending again with the same ``update_id`` is the same update,
    applied once, so a busy workflow is asked again, with backoff, for up to ``patience``
    seconds (``waiting`` hears of each pause). ``now``: the workflow's clock, where it is not the
    wall clock (a time-skipping test server)."""
    token = issuer.for_update(
        holder,
        workflow_id=handle.id,
        update_id=update_id,
        update=argument,
        now=now or datetime.now(UTC),
    )
    sent = argument.model_copy(update={TOKEN_FIELD: token})
    give_up = time.monotonic() + patience
    lane = _lane(handle.id)
    attempt = 0
    while True:
        if lane.locked() and waiting is not None:
            waiting(attempt, 0.0)
        try:
            await asyncio.wait_for(lane.acquire(), max(give_up - time.monotonic(), 0.001))
        except TimeoutError:
            raise WorkflowUpdateRPCTimeoutOrCancelledError() from None
        try:
            if wait_for_stage is WorkflowUpdateStage.COMPLETED:
                return await handle.execute_update(update, sent, id=update_id)
            return await handle.start_update(update, sent, id=update_id, wait_for_stage=wait_for_stage)
        except (RPCError, WorkflowUpdateRPCTimeoutOrCancelledError) as exc:
            pause = pause_before(attempt)
            if not is_busy(exc) or time.monotonic() + pause > give_up:
                raise
        finally:
            lane.release()
        attempt += 1
        if waiting is not None:
            waiting(attempt, pause)
        await asyncio.sleep(pause)
