"""The Temporal client every rakortek process uses: worker, command line, board and portal.

Address, namespace, TLS (or mTLS) and API key come from the settings (the Temporal CLI's own
variable names); payloads are pydantic JSON, encrypted when RAKORTEK_PAYLOAD_KEY is set.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateStage
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.service import TLSConfig

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
) -> Any:
    """Sends a person's update with a token made for it alone (security/tokens.py): the link the
    person showed stays here. Sending again with the same ``update_id`` is the same update,
    applied once. ``now``: the workflow's clock, where it is not the wall clock (a time-skipping
    test server)."""
    token = issuer.for_update(
        holder,
        workflow_id=handle.id,
        update_id=update_id,
        update=argument,
        now=now or datetime.now(UTC),
    )
    sent = argument.model_copy(update={TOKEN_FIELD: token})
    if wait_for_stage is WorkflowUpdateStage.COMPLETED:
        return await handle.execute_update(update, sent, id=update_id)
    return await handle.start_update(update, sent, id=update_id, wait_for_stage=wait_for_stage)
