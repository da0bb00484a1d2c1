"""DATA_ENTRY: the province and the ministries enter their proposal items (e-Rakortekrenbang)."""

from __future__ import annotations

from datetime import datetime

from models.participants import Participant, Role
from models.progress import ProvinceProgress
from models.stages import Stage
from models.workflow_io import SubmitProposals
from rules.access import province_actor, refuse, require_desk, require_province, require_role
from rules.items import check_items

PROPOSERS = (
    Role.ORGANIZER,
    Role.PROVINCE_COORDINATOR,
    Role.PROVINCE_OFFICE,
    Role.REGIONAL_SIGNER,
    Role.DESK_OFFICIAL,
)
"""A desk official proposes for their own desks only."""


def check_proposals(progress: ProvinceProgress, update: SubmitProposals, now: datetime) -> Participant:
    if progress.stage is not Stage.DATA_ENTRY:
        raise refuse(
            f"proposals are accepted in DATA_ENTRY only; the province is in {progress.stage}",
            "not_data_entry",
            stage=progress.stage.value,
        )
    person = province_actor(progress, update.actor, update.token, now)
    require_role(person, PROPOSERS, "submit proposals")
    require_province(person, progress.code, "submit proposals")
    check_items(progress, update.items)
    if person.role is Role.DESK_OFFICIAL:
        for item in update.items:
            require_desk(person, item.desk, f"propose item {item.ref}")
    return person
