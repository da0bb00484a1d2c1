"""A person's open tasks on Beranda: the pages of the steps their role takes, each with its
deadline in their zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from mail.dates import letter_datetime
from models.cycle import Cycle
from models.participants import Role
from models.stages import DeadlineStep
from portal.visitors import Visitor
from rules.confirmation import CONFIRMERS
from rules.data_entry import PROPOSERS
from store.tables import ProvinceProgressRow

PROPOSER_ROLES = {role.value for role in PROPOSERS}
CONFIRMER_ROLES = {role.value for role in CONFIRMERS}


@dataclass(frozen=True)
class Task:
    href: str
    key: str
    """Its label in templates/portal/labels.toml."""
    deadline: str = ""
    """When it is due, in the reader's zone and words."""


def extended_deadlines(engine: Engine, year: int, province: str | None) -> dict[str, datetime]:
    """The province's deadlines an organizer extended, by the cycle's name for them."""
    if province is None:
        return {}
    with Session(engine) as db:
        row = db.get(ProvinceProgressRow, (year, province))
    if row is None:
        return {}
    found = {step.field: getattr(row, f"{step.field}_deadline") for step in DeadlineStep}
    return {name: at.replace(tzinfo=UTC) for name, at in found.items() if at is not None}


def tasks_of(
    visitor: Visitor, cycle: Cycle | None = None, extended: dict[str, datetime] | None = None
) -> list[Task]:
    """The pages of the steps a person's role takes, each with its deadline (the province's own,
    where an organizer extended it)."""

    def due(step: str) -> str:
        if cycle is None:
            return ""
        deadline = (extended or {}).get(step) or getattr(cycle.deadlines, step)
        return letter_datetime(deadline, visitor.zone, visitor.language)

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
