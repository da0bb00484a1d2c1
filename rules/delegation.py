"""Disposisi: an invitee passes a desk session, or a proposer their data-entry task, to a
colleague of their own organisation.

The delegate joins the province's people with the delegator's role and organisation (and, for a
session, that desk alone), gets an invitation and a link of their own, and acts as themselves:
the audit trail shows whom they stand in for. The delegator stays an invitee, as DELEGATED.
"""

from __future__ import annotations

from datetime import datetime

from models.participants import Participant, Role
from models.progress import ProvinceProgress
from models.stages import SessionState, Stage
from models.workflow_io import Delegate
from rules.access import province_actor, refuse, require_plan, require_role
from rules.data_entry import PROPOSERS
from rules.desk_sessions import session_of

MAX_DELEGATES = 5
"""Stand-ins one person may name in a province: a disposisi goes to a colleague, not a list."""


def check_delegate(progress: ProvinceProgress, update: Delegate, now: datetime) -> Participant:
    """The delegator, once the delegation is allowed; the delegate is made by ``delegate_of``."""
    require_plan(progress)
    person = province_actor(progress, update.actor, update.token, now)
    if person.id in stands_in(progress):
        raise refuse(
            f"{person.id} already stands in for someone: a delegate does not pass it on again",
            "delegate_again",
        )
    if update.desk is None:
        _check_data_entry(progress, person)
    else:
        _check_session(progress, person, update.desk, now)
    named = [d for by_desk in progress.delegations.values() for k, d in by_desk.items() if k == person.id]
    if len(named) >= MAX_DELEGATES:
        raise refuse(
            f"{person.id} has already named {len(named)} delegates, the most one person may",
            "too_many_delegates",
            count=len(named),
        )
    if _domain(update.email) != _domain(person.email):
        raise refuse(
            f"a delegate is a colleague of the same organisation: their address must be at "
            f"@{_domain(person.email)}, not @{_domain(update.email)}",
            "delegate_domain",
            domain=_domain(person.email),
            given=_domain(update.email),
        )
    if any(p.email.lower() == update.email.lower() for p in progress.people.values()):
        raise refuse(
            f"{update.email} is already in the directory: ask them to act with their own link",
            "delegate_known",
            email=update.email,
        )
    return person


def _check_session(progress: ProvinceProgress, person: Participant, desk: str, now: datetime) -> None:
    session = session_of(progress, desk)
    if person.id not in session.recipients:
        raise refuse(f"{person.id} is not invited to the session at desk {desk}", "not_invited", desk=desk)
    if person.id in progress.delegations.get(desk, {}):
        delegate = progress.delegations[desk][person.id]
        raise refuse(
            f"{person.id} has already delegated the session at desk {desk} to {delegate}",
            "already_delegated",
            desk=desk,
        )
    if session.state in (SessionState.CANCELLED, SessionState.OUTCOME_RECORDED) or now >= session.ends_at:
        raise refuse(
            f"the session at desk {desk} is {session.state.value}: it can no longer be delegated",
            "delegation_closed",
            desk=desk,
        )


def _check_data_entry(progress: ProvinceProgress, person: Participant) -> None:
    require_role(person, [r for r in PROPOSERS if r is not Role.ORGANIZER], "delegate the data entry")
    if progress.reached(Stage.DESK_SESSIONS):
        raise refuse(f"the data entry is over; the province is in {progress.stage}", "data_entry_over")
    if delegate := progress.delegations.get("", {}).get(person.id):
        raise refuse(
            f"{person.id} has already delegated the data entry to {delegate}", "already_delegated_data_entry"
        )


def delegate_of(progress: ProvinceProgress, delegator: Participant, update: Delegate) -> Participant:
    """The stand-in, as the directory will know them: the delegator's role, organisation, zone
    and language; for a session, its desk alone."""
    return Participant(
        id=progress.delegate_id(delegator.id),
        name=update.name,
        role=delegator.role,
        organisation=delegator.organisation,
        province=delegator.province,
        desks=delegator.desks if update.desk is None else (update.desk,),
        email=update.email,
        language=delegator.language,
        zone=delegator.zone,
    )


def stands_in(progress: ProvinceProgress) -> dict[str, str]:
    """Delegate → delegator, across the province's sessions and its data entry."""
    return {d: k for by_desk in progress.delegations.values() for k, d in by_desk.items()}


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower()
