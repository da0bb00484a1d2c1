"""What an organizer does in the console, sent as the same updates the command line sends: the
workflow's validators accept or refuse, with the same rules as everywhere."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from models.organizer_actions import Chase, ExtendDeadline, ResendInvitation
from models.stages import ChaseStep, DeadlineStep
from models.workflow_io import CancelSession, Origin, RescheduleSession, province_workflow_id
from portal.actions import Actions, Outcome
from portal.visitors import Visitor
from workflows.province import ProvinceWorkflow


class OrganizerActions:
    def __init__(self, actions: Actions) -> None:
        self.actions = actions

    async def _send(self, visitor: Visitor, province: str, update: object, argument: BaseModel) -> Outcome:
        workflow_id = province_workflow_id(visitor.year, province)
        return await self.actions.send(
            workflow_id,
            update,
            argument,
            self.actions.holder_of(visitor),
        )

    async def reschedule(
        self, visitor: Visitor, origin: Origin, province: str, desk: str, starts_at: datetime
    ) -> Outcome:
        """Move a session, or hold a cancelled one again."""
        update = RescheduleSession(actor=visitor.id, origin=origin, desk=desk, starts_at=starts_at)
        return await self._send(visitor, province, ProvinceWorkflow.reschedule, update)

    async def cancel(
        self, visitor: Visitor, origin: Origin, province: str, desk: str, reason: str
    ) -> Outcome:
        update = CancelSession(actor=visitor.id, origin=origin, desk=desk, reason=reason)
        return await self._send(visitor, province, ProvinceWorkflow.cancel, update)

    async def resend(
        self, visitor: Visitor, origin: Origin, province: str, desk: str, participant: str
    ) -> Outcome:
        update = ResendInvitation(actor=visitor.id, origin=origin, desk=desk, participant=participant)
        return await self._send(visitor, province, ProvinceWorkflow.resend, update)

    async def chase(self, visitor: Visitor, origin: Origin, province: str, step: ChaseStep) -> Outcome:
        update = Chase(actor=visitor.id, origin=origin, step=step)
        return await self._send(visitor, province, ProvinceWorkflow.chase, update)

    async def extend(
        self,
        visitor: Visitor,
        origin: Origin,
        province: str,
        step: DeadlineStep,
        until: datetime,
        reason: str,
    ) -> Outcome:
        update = ExtendDeadline(actor=visitor.id, origin=origin, step=step, until=until, reason=reason)
        return await self._send(visitor, province, ProvinceWorkflow.extend_deadline, update)
