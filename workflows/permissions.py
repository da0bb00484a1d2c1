"""Who may act on a province, checked by the update validators before anything is recorded."""

from __future__ import annotations

from collections.abc import Iterable

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from models.participants import Participant, Role


def refuse(message: str) -> ApplicationError:
    return ApplicationError(message, type="Rejected", non_retryable=True)


def actor_of(people: dict[str, Participant], actor: str) -> Participant:
    person = people.get(actor)
    if person is None:
        raise refuse(f"unknown participant {actor!r}: the actor must be in the cycle's directory")
    return person


def require_role(person: Participant, roles: Iterable[Role], action: str) -> None:
    roles = tuple(roles)
    if person.role not in roles:
        allowed = ", ".join(r.value for r in roles)
        raise refuse(f"{person.id} ({person.role.value}) may not {action}; allowed: {allowed}")


def require_province(person: Participant, province: str, action: str) -> None:
    if person.province is not None and person.province != province:
        raise refuse(f"{person.id} belongs to province {person.province}, not {province}: may not {action}")


def require_desk(person: Participant, desk: str, action: str) -> None:
    if person.role is Role.ORGANIZER:
        return
    if desk not in person.desks:
        raise refuse(f"{person.id} is not assigned to desk {desk}: may not {action}")
