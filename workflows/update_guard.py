"""What every update a person sends must pass before its rules: a plain id, a token made for it
alone (security/tokens.py says why), and a size its workflow's history can take (rules/budget.py).

A worker interceptor rather than a line in each validator: an update added later is covered
without anyone remembering to. The rules (rules/access.py and the others) then check what the
token lets its holder do.
"""

from __future__ import annotations

import re

from temporalio import workflow
from temporalio.worker import (
    HandleUpdateInput,
    Interceptor,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
)

with workflow.unsafe.imports_passed_through():
    from pydantic import BaseModel

    from rules import budget
    from rules.access import refuse
    from security import tokens

UPDATE_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")
"""What a client may name an update: the audit keeps the name, so it must fit and read plainly."""


BUDGETS = {"CycleWorkflow": budget.CYCLE, "ProvinceWorkflow": budget.PROVINCE}


def check_size(name: str, update: object) -> None:
    """Refuses an update too large for its workflow's history (rules/budget.py)."""
    info = workflow.info()
    found = BUDGETS.get(info.workflow_type)
    if found is None or not isinstance(update, BaseModel):
        return
    budget.check_budget(
        found,
        name,
        len(update.model_dump_json().encode()),
        info.get_current_history_size(),
        info.get_current_history_length(),
    )


def check_update(workflow_id: str, update_id: str, update: object) -> None:
    """Refuses an update whose id is malformed or whose token was made for another update."""
    if not UPDATE_ID.fullmatch(update_id):
        raise refuse(
            "an update id is 1 to 100 letters, digits and . _ : -",
            "update_token",
        )
    token = getattr(update, tokens.TOKEN_FIELD, None)
    if not isinstance(token, str) or not token:
        return  # the rules refuse an update without a token, in their own words
    try:
        claims = tokens.verify(token)
        tokens.check_bound(
            claims,
            workflow_id=workflow_id,
            update_id=update_id,
            update=update,  # type: ignore[arg-type]
            now=workflow.now(),
        )
    except tokens.TokenError as exc:
        raise refuse(str(exc), "update_token") from None


class _Inbound(WorkflowInboundInterceptor):
    def handle_update_validator(self, input: HandleUpdateInput) -> None:
        if input.args:
            check_update(workflow.info().workflow_id, input.id, input.args[0])
            check_size(input.update, input.args[0])
        super().handle_update_validator(input)


class UpdateGuard(Interceptor):
    """The worker's interceptor: each update's id, token and size, before its rules."""

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor] | None:
        return _Inbound
