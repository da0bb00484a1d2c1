"""What a person does in the portal, sent as the same updates the command line sends.

The portal decides nothing: the workflow's validators accept or refuse, and a refusal comes back
as its reason, shown where the person acted. The portal acts with the person's own action
token, made again from the claims their link proved (never stored).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pydantic import BaseModel
from temporalio.client import Client, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

from models.items import ItemConfirmation, OutcomeItem, ProposalItem
from models.stages import Party
from models.workflow_io import (
    CheckIn,
    ConfirmItems,
    Delegate,
    ImportAttendance,
    Origin,
    Presence,
    RecordOutcome,
    RecordReply,
    SignAgreement,
    SubmitProposals,
    cycle_workflow_id,
    province_workflow_id,
)
from portal.refusals import refusal_of, worded
from portal.visitors import Visitor
from security.tokens import SIGN, Holder, TokenIssuer
from temporal_client import act, is_busy, new_update_id
from workflows.cycle import CycleWorkflow
from workflows.province import ProvinceWorkflow

Answer = Literal["ACCEPTED:onsite", "ACCEPTED:online", "TENTATIVE", "DECLINED"]
ANSWERS: tuple[Answer, ...] = ("ACCEPTED:onsite", "ACCEPTED:online", "TENTATIVE", "DECLINED")
"""Hadir luring, Hadir daring, Belum pasti, Tidak hadir: a PARTSTAT and, attending, how."""


def reply_of(visitor: Visitor, origin: Origin, answer: Answer, **where: object) -> RecordReply:
    partstat, _, mode = answer.partition(":")
    return RecordReply(
        actor=visitor.id,
        origin=origin,
        partstat=partstat,  # type: ignore[arg-type]
        mode=mode or None,  # type: ignore[arg-type]
        **where,  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class Outcome:
    accepted: bool
    reason: str = ""
    """Why it was refused, as the workflow said it."""
    busy: bool = False
    """Not refused: the workflow could not take it now (the page answers 503; try again)."""
    code: str = ""
    """The refusal's code, which the page words in its reader's language (portal/refusals.py)."""
    values: dict[str, str] = field(default_factory=dict)

    def worded(self, language: str, zone: str) -> str:
        """The reason in the reader's language, its times in their zone."""
        return worded(self.reason, self.code, self.values, language, zone)

    @property
    def status_code(self) -> int:
        """The HTTP status of a page that shows this outcome's refusal."""
        return 503 if self.busy else 409


PORTAL_PATIENCE = 20.0
"""Seconds a page waits for a busy workflow (temporal_client.act backs off meanwhile) before it
says so: a person is not left looking at a page that does not answer."""


class Actions:
    def __init__(
        self,
        client: Client | None,
        issuer: TokenIssuer,
        server_time: Callable[[], Awaitable[datetime]] | None = None,
    ) -> None:
        """``server_time``: the Temporal server's clock where it is not the wall clock (a
        time-skipping server), on which an update token's few minutes are counted."""
        self.client = client
        self.issuer = issuer
        self.server_time = server_time

    @staticmethod
    def holder_of(visitor: Visitor) -> Holder:
        """Who the visitor's link proved them to be: the portal acts as them, with no token kept."""
        return Holder(sub=visitor.id, year=visitor.year, province=visitor.province, role=visitor.role)

    async def answer_session(
        self, visitor: Visitor, origin: Origin, province: str, desk: str, answer: Answer, sequence: int
    ) -> Outcome:
        reply = reply_of(visitor, origin, answer, desk=desk, sequence=sequence)
        return await self.send(
            province_workflow_id(visitor.year, province),
            ProvinceWorkflow.record_reply,
            reply,
            self.holder_of(visitor),
        )

    async def answer_pre_meeting(self, visitor: Visitor, origin: Origin, answer: Answer) -> Outcome:
        reply = reply_of(visitor, origin, answer, sequence=0)
        return await self.send(
            cycle_workflow_id(visitor.year), CycleWorkflow.record_reply, reply, self.holder_of(visitor)
        )

    async def check_in(
        self, visitor: Visitor, origin: Origin, province: str | None, desk: str | None, mode: str
    ) -> Outcome:
        """At a desk session (its province's workflow) or, with no desk, the pre-meeting."""
        update = CheckIn(
            actor=visitor.id,
            origin=origin,
            desk=desk,
            mode=mode,  # type: ignore[arg-type]
        )
        return await self._meeting_update(
            visitor, province, desk, CycleWorkflow.check_in, ProvinceWorkflow.check_in, update
        )

    async def import_attendance(
        self,
        visitor: Visitor,
        origin: Origin,
        province: str | None,
        desk: str | None,
        source: str,
        present: list[Presence],
    ) -> Outcome:
        """A session's (its province's workflow) or, with no desk, the pre-meeting's."""
        update = ImportAttendance(
            actor=visitor.id,
            origin=origin,
            desk=desk,
            source=source,
            present=present,
        )
        return await self._meeting_update(
            visitor,
            province,
            desk,
            CycleWorkflow.import_attendance,
            ProvinceWorkflow.import_attendance,
            update,
        )

    async def delegate(
        self, visitor: Visitor, origin: Origin, province: str, desk: str | None, name: str, email: str
    ) -> Outcome:
        update = Delegate(actor=visitor.id, origin=origin, desk=desk, name=name, email=email)
        workflow_id = province_workflow_id(visitor.year, province)
        return await self.send(workflow_id, ProvinceWorkflow.delegate, update, self.holder_of(visitor))

    async def submit_proposals(
        self, visitor: Visitor, origin: Origin, province: str, items: list[ProposalItem]
    ) -> Outcome:
        update = SubmitProposals(actor=visitor.id, origin=origin, items=items)
        workflow_id = province_workflow_id(visitor.year, province)
        return await self.send(
            workflow_id, ProvinceWorkflow.submit_proposals, update, self.holder_of(visitor)
        )

    async def record_outcome(
        self, visitor: Visitor, origin: Origin, province: str, desk: str, items: list[OutcomeItem], notes: str
    ) -> Outcome:
        update = RecordOutcome(
            actor=visitor.id,
            origin=origin,
            desk=desk,
            items=items,
            notes=notes,
        )
        workflow_id = province_workflow_id(visitor.year, province)
        return await self.send(workflow_id, ProvinceWorkflow.record_outcome, update, self.holder_of(visitor))

    async def confirm_items(
        self, visitor: Visitor, origin: Origin, province: str, confirmations: list[ItemConfirmation]
    ) -> Outcome:
        update = ConfirmItems(actor=visitor.id, origin=origin, confirmations=confirmations)
        workflow_id = province_workflow_id(visitor.year, province)
        return await self.send(workflow_id, ProvinceWorkflow.confirm_items, update, self.holder_of(visitor))

    async def sign(
        self, visitor: Visitor, origin: Origin, province: str, party: Party, sha256: str
    ) -> Outcome:
        """The signature token is made for this document alone, and used once."""
        holder = Holder(
            sub=visitor.id,
            year=visitor.year,
            province=province,
            role=visitor.role,
            action=SIGN,
            document=sha256,
        )
        update = SignAgreement(actor=visitor.id, origin=origin, party=party, document_sha256=sha256)
        workflow_id = province_workflow_id(visitor.year, province)
        return await self.send(workflow_id, ProvinceWorkflow.sign, update, holder)

    async def _meeting_update(
        self,
        visitor: Visitor,
        province: str | None,
        desk: str | None,
        on_cycle: object,
        on_province: object,
        argument: BaseModel,
    ) -> Outcome:
        """The pre-meeting's (no desk) goes to the cycle's workflow, a session's to its province's."""
        if province is None or desk is None:
            return await self.send(
                cycle_workflow_id(visitor.year), on_cycle, argument, self.holder_of(visitor)
            )
        return await self.send(
            province_workflow_id(visitor.year, province), on_province, argument, self.holder_of(visitor)
        )

    async def send(self, workflow_id: str, update: object, argument: BaseModel, holder: Holder) -> Outcome:
        if self.client is None:
            return Outcome(False, "the portal is not connected to Temporal")
        handle = self.client.get_workflow_handle(workflow_id)
        # One id for every attempt: an attempt that did reach the workflow is not applied twice.
        update_id = new_update_id("portal")
        now = await self.server_time() if self.server_time else None
        try:
            await act(
                handle,
                update,
                argument,
                holder=holder,
                issuer=self.issuer,
                update_id=update_id,
                now=now,
                patience=PORTAL_PATIENCE,
            )
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            if not isinstance(cause, ApplicationError):
                return Outcome(False, str(exc))
            code, values = refusal_of(cause.details)
            return Outcome(False, cause.message, code=code, values=values)
        except (RPCError, WorkflowUpdateRPCTimeoutOrCancelledError) as exc:
            message = exc.message if isinstance(exc, RPCError) else str(exc)
            return Outcome(False, f"the cycle's workflow did not answer ({message})", busy=is_busy(exc))
        return Outcome(True)
