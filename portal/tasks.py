"""A person's open tasks on Beranda: the pages of the steps their role takes, each with its
deadline in their zone."""

from __future__ import annotations

from dataclasses import dataclass

from mail.dates import letter_datetime
from models.cycle import Cycle
from models.participants import Role
from portal.visitors import Visitor
from rules.confirmation import CONFIRMERS
from rules.data_entry import PROPOSERS

PROPOSER_ROLES = {role.value for role in PROPOSERS}
CONFIRMER_ROLES = {role.value for role in CONFIRMERS}


@dataclass(frozen=True)
class Task:
    href: str
    key: str
    """Its label in templates/portal/labels.toml."""
    deadline: str = ""
    """When it is due, in the reader's zone and words."""


def tasks_of(visitor: Visitor, cycle: Cycle | None = None) -> list[Task]:
    """The pages of the steps a person's role takes, each with its deadline."""

    def due(step: str) -> str:
        if cycle is None:
            return ""
        return letter_datetime(getattr(cycle.deadlines, step), visitor.zone, visitor.language)

    tasks = []
    if visitor.role in PROPOSER_ROLES:
        tasks.append(Task("/usulan", "proposals", due("data_entry")))
    if visitor.role in CONFIRMER_ROLES and visitor.province:
        tasks.append(Task(f"/konfirmasi/{visitor.province}", "confirmation", due("confirmation")))
    if visitor.role in (Role.REGIONAL_SIGNER.value, Role.CENTRAL_SIGNER.value):
        tasks.append(Task("/tanda-tangan", "signing", due("sign_off")))
    if visitor.role == Role.ORGANIZER.value:
        tasks.insert(0, Task("/konsol", "console_link"))
        tasks.append(Task("/kehadiran/pra", "attendance"))
    return tasks
