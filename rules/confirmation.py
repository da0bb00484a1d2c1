"""CONFIRMATION: the province confirms location readiness and targets of its agreed items."""

from __future__ import annotations

from datetime import datetime

from models.participants import Participant, Role
from models.progress import ProvinceProgress
from models.stages import Stage
from models.workflow_io import ConfirmItems
from rules.access import province_actor, refuse, require_province, require_role

CONFIRMERS = (Role.PROVINCE_COORDINATOR, Role.REGIONAL_SIGNER)


def check_confirmation(progress: ProvinceProgress, update: ConfirmItems, now: datetime) -> Participant:
    if progress.stage is not Stage.CONFIRMATION:
        raise refuse(
            f"confirmations are accepted in CONFIRMATION only; the province is in {progress.stage}",
            "not_confirmation",
            stage=progress.stage.value,
        )
    person = province_actor(progress, update.actor, update.token, now)
    require_role(person, CONFIRMERS, "confirm items")
    require_province(person, progress.code, "confirm items")
    agreed = set(progress.agreed_refs())
    for confirmation in update.confirmations:
        if confirmation.ref not in agreed:
            raise refuse(
                f"item {confirmation.ref} is not an agreed item of this province",
                "not_agreed_item",
                ref=confirmation.ref,
            )
    return person
