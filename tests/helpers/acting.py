"""People acting in tests as the portal and the command line make them act: each update with a
token made for it alone, from the link in the person's mail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from models.participants import Participant
from security.tokens import ACT, SIGN, Holder, TokenIssuer, claims_for
from temporal_client import act, new_update_id
from tests.conftest import TOKEN_SECRET

ISSUER = TokenIssuer(TOKEN_SECRET)


def holder_of(
    person: Participant, year: int = 2022, document: str | None = None, province: str | None = None
) -> Holder:
    """Who the person's link says they are: for ``document``, the signature link of it (bound to
    ``province``, the one whose agreement it is)."""
    return Holder(
        sub=person.id,
        year=year,
        province=province if document is not None else person.province,
        role=person.role.value,
        action=SIGN if document is not None else ACT,
        document=document,
    )


def link_of(person: Participant, ends_at: datetime, year: int = 2022) -> str:
    """The link token in the person's mail (it opens their portal)."""
    return ISSUER.issue(claims_for(person.id, year, person.province, person.role.value, expires_at=ends_at))


async def send(
    handle: WorkflowHandle[Any, Any],
    update: Any,
    argument: BaseModel,
    holder: Holder,
    env: WorkflowEnvironment | None = None,
    update_id: str | None = None,
) -> Any:
    """The update as the person's client sends it; ``env``: a time-skipping server, whose clock
    the token's few minutes are counted on."""
    now = await env.get_current_time() if env is not None and env.supports_time_skipping else None
    return await act(
        handle,
        update,
        argument,
        holder=holder,
        issuer=ISSUER,
        update_id=update_id or new_update_id("test"),
        now=now,
    )
