"""Who the actor is and what they may touch: tokens, roles, provinces and desks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from temporalio.exceptions import ApplicationError

from models.participants import Participant, Role
from security import tokens
from security.tokens import UpdateClaims

if TYPE_CHECKING:
    from models.progress import ProvinceProgress


def refuse(message: str, code: str = "", **values: object) -> ApplicationError:
    """A business refusal: raised by a validator, it keeps the update out of history.

    ``message`` is for the command line and the logs; ``code`` and ``values`` let a page say it in
    its reader's language (templates/portal/refusals.toml), with the same facts."""
    details = [{"code": code, **{k: str(v) for k, v in values.items()}}] if code else []
    return ApplicationError(message, *details, type="Rejected", non_retryable=True)


def actor_of(people: dict[str, Participant], actor: str) -> Participant:
    person = people.get(actor)
    if person is None:
        raise refuse(
            f"unknown participant {actor!r}: the actor must be in the cycle's directory",
            "unknown_actor",
            actor=actor,
        )
    return person


def require_role(person: Participant, roles: Iterable[Role], action: str) -> None:
    roles = tuple(roles)
    if person.role not in roles:
        allowed = ", ".join(r.value for r in roles)
        raise refuse(
            f"{person.id} ({person.role.value}) may not {action}; allowed: {allowed}",
            "role",
            person=person.id,
        )


def require_province(person: Participant, province: str, action: str) -> None:
    if person.province is not None and person.province != province:
        raise refuse(
            f"{person.id} belongs to province {person.province}, not {province}: may not {action}",
            "province",
            person=person.id,
            province=province,
        )


def require_desk(person: Participant, desk: str, action: str) -> None:
    if person.role is Role.ORGANIZER:
        return
    if desk not in person.desks:
        raise refuse(
            f"{person.id} is not assigned to desk {desk}: may not {action}",
            "desk",
            person=person.id,
            desk=desk,
        )


def require_token(
    token: str | None,
    *,
    year: int,
    province: str,
    now: datetime,
    ends_at: datetime,
    holder: Participant | None = None,
    roles: Iterable[Role] = (),
    sign_document: str | None = None,
    used: set[str] | frozenset[str] = frozenset(),
) -> UpdateClaims:
    """The update token's claims, if the link it was made from lets its holder act on this
    province now; else a refusal. (That the token was made for this very update is checked
    before, for every update alike: workflows/update_guard.py.)

    ``ends_at``: the cycle's end, after which no link acts. ``holder``: the actor the token must
    belong to. ``roles``: roles the holder must have (the rsvp operator acts for someone else).
    ``sign_document``: a one-time signature token for it.
    """
    if not token:
        raise refuse("no token: every action needs the link sent in the actor's mail (--token)")
    try:
        claims = tokens.verify(token)
    except tokens.TokenError as exc:
        raise refuse(str(exc)) from None
    if claims.year != year:
        raise refuse(f"the token is for the {claims.year} cycle, not {year}")
    if holder is not None and claims.sub != holder.id:
        raise refuse(f"the token belongs to {claims.sub}, not {holder.id}")
    if holder is not None and claims.role != holder.role.value:
        raise refuse(f"the token was issued for role {claims.role}, not {holder.role.value}")
    roles = tuple(roles)
    if roles and claims.role not in {r.value for r in roles}:
        raise refuse(f"this action needs a token of {', '.join(r.value for r in roles)}, not {claims.role}")
    if claims.province is not None and claims.province != province:
        raise refuse(f"the token is for province {claims.province}, not {province}")
    if now >= ends_at:
        raise refuse(f"the token expired on {ends_at:%Y-%m-%d}: the cycle has ended", "token_expired")
    if sign_document is not None:
        if claims.action != tokens.SIGN:
            raise refuse("a signature needs the signature token of the sign-off request, not an action token")
        if claims.document != sign_document:
            raise refuse(
                "the signature token is for another version of the document; use the latest request",
                "superseded_document",
            )
    elif claims.action != tokens.ACT:
        raise refuse(f"a {claims.action} token cannot be used for this action")
    if claims.link in used:
        raise refuse("this signature token has been used already", "signature_used")
    return claims


def require_reply_token(
    token: str | None,
    *,
    year: int,
    province: str,
    now: datetime,
    ends_at: datetime,
    invitee: Participant,
    used: set[str] | frozenset[str] = frozenset(),
) -> UpdateClaims:
    """An answer to an invitation comes from the invitee, with their own token (the portal), or
    is fed in for them by an organizer (the rsvp command, from the replies their calendars sent)."""
    try:
        own = token is not None and tokens.read_unverified(token).sub == invitee.id
    except tokens.TokenError:
        own = False
    if own:
        # A province's people answer the pre-meeting too: their token names their province.
        return require_token(
            token,
            year=year,
            province=invitee.province or province,
            now=now,
            ends_at=ends_at,
            holder=invitee,
            used=used,
        )
    return require_token(
        token, year=year, province=province, now=now, ends_at=ends_at, roles=(Role.ORGANIZER,), used=used
    )


def province_actor(
    progress: ProvinceProgress,
    actor: str,
    token: str | None,
    now: datetime,
    sign_document: str | None = None,
) -> Participant:
    """The person acting on this province with their own token, or a refusal."""
    person = actor_of(progress.people, actor)
    if person.id in progress.departed:
        raise refuse(
            f"{person.id} was replaced in the directory and no longer acts", "departed", person=person.id
        )
    require_token(
        token,
        year=progress.input.year,
        province=progress.code,
        now=now,
        ends_at=progress.input.deadlines.cycle_ends_at,
        holder=person,
        sign_document=sign_document,
        used=progress.used_tokens,
    )
    return person


def require_plan(progress: ProvinceProgress) -> None:
    if not progress.plan_loaded:
        raise refuse("the province is still loading its plan; try again in a moment", "loading")
