"""Who is at the browser: the personal link of a letter opens a portal session.

The link carries the person's action token. Opening it checks the token as the workflows do
(signed here, for this cycle, for a person of its directory, not expired at the cycle's calendar
time), then trades it for a session: a random cookie value whose SHA-256 alone is stored. The
token then leaves the address bar (a redirect) and is never kept.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from commands.status import calendar_now
from security.links import LINK_PATH, portal_link
from security.tokens import ACT, TokenError, TokenIssuer
from store.database import upsert
from store.tables import CycleRow, LinkRevocationRow, OutboxRow, ParticipantRow, PortalSessionRow

COOKIE = "rakortek_portal"
__all__ = [
    "COOKIE",
    "LINK_PATH",
    "LinkRefused",
    "Refusal",
    "Visitor",
    "Visitors",
    "portal_link",
    "restore_links",
    "revoke_links",
]


class Refusal(StrEnum):
    """Why a link does not open: each has its own page telling the person what to do."""

    DAMAGED = "damaged"
    """Damaged, cut short, or signed by another deployment."""
    EXPIRED = "expired"
    UNKNOWN = "unknown"
    """Signed here, for a cycle or a person this deployment does not (or no longer) know."""
    REVOKED = "revoked"
    """The organizers withdrew the person's links (a contact replaced, a mail forwarded)."""


class LinkRefused(Exception):
    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True)
class Visitor:
    """A person signed in to the portal."""

    session: str
    """The SHA-256 of the session's cookie: what the audit trail names."""
    year: int
    id: str
    name: str
    role: str
    organisation: str
    province: str | None
    desks: tuple[str, ...]
    language: str
    zone: str
    email: str = ""

    @property
    def session_ref(self) -> str:
        return self.session[:12]


def _digest(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _visitor(session: str, person: ParticipantRow) -> Visitor:
    return Visitor(
        session=session,
        year=person.year,
        id=person.id,
        name=person.name,
        role=person.role,
        organisation=person.organisation,
        province=person.province,
        desks=tuple(d for d in person.desks.split(";") if d),
        language=person.language if person.language in ("id", "en") else "id",
        zone=person.zone,
        email=person.email,
    )


class Visitors:
    def __init__(self, engine: Engine, issuer: TokenIssuer, hours: float = 12) -> None:
        self.engine = engine
        self.issuer = issuer
        self.lifetime = timedelta(hours=hours)

    def open(self, token: str, ip: str, user_agent: str) -> tuple[str, Visitor]:
        """A new session for the link's person: (cookie value, visitor), or LinkRefused."""
        try:
            claims = self.issuer.verify(token)
        except TokenError:
            raise LinkRefused(Refusal.DAMAGED) from None
        if claims.action != ACT:
            raise LinkRefused(Refusal.DAMAGED)
        with Session(self.engine) as db, db.begin():
            cycle = db.get(CycleRow, claims.year)
            person = db.get(ParticipantRow, (claims.year, claims.sub))
            if cycle is None or person is None:
                raise LinkRefused(Refusal.UNKNOWN)
            if person.role != claims.role or person.province != claims.province:
                raise LinkRefused(Refusal.UNKNOWN)
            if links_calendar(db, cycle) >= claims.expires_at.replace(tzinfo=None):
                raise LinkRefused(Refusal.EXPIRED)
            revoked = db.get(LinkRevocationRow, (claims.year, person.id))
            if person.replaced_by is not None or claims.withdrawn(revoked.at if revoked else None):
                raise LinkRefused(Refusal.REVOKED)
            cookie = secrets.token_urlsafe(32)
            now = _now()
            db.add(
                PortalSessionRow(
                    id=_digest(cookie),
                    year=claims.year,
                    participant=person.id,
                    opened_at=now,
                    expires_at=now + self.lifetime,
                    ip=ip[:64],
                    user_agent=user_agent[:400],
                )
            )
            return cookie, _visitor(_digest(cookie), person)

    def find(self, cookie: str | None) -> Visitor | None:
        """The visitor of a session cookie still open, else None."""
        if not cookie:
            return None
        digest = _digest(cookie)
        with Session(self.engine) as db:
            row = db.get(PortalSessionRow, digest)
            if row is None or row.closed_at is not None or row.expires_at <= _now():
                return None
            person = db.get(ParticipantRow, (row.year, row.participant))
            return None if person is None else _visitor(digest, person)

    def close(self, cookie: str | None) -> None:
        if not cookie:
            return
        with Session(self.engine) as db, db.begin():
            db.execute(
                update(PortalSessionRow)
                .where(PortalSessionRow.id == _digest(cookie), PortalSessionRow.closed_at.is_(None))
                .values(closed_at=_now())
            )


def revoke_links(engine: Engine, year: int, participant: str, reason: str, by: str) -> int:
    """Withdraw a person's links and close their open sessions; returns how many closed."""
    with Session(engine) as db, db.begin():
        if db.get(ParticipantRow, (year, participant)) is None:
            raise LookupError(f"no participant {participant!r} in cycle {year}")
        row = {"year": year, "participant": participant, "reason": reason, "revoked_by": by, "at": _now()}
        upsert(db, LinkRevocationRow, [row], ["year", "participant"])
        closed = db.execute(
            update(PortalSessionRow)
            .where(
                PortalSessionRow.year == year,
                PortalSessionRow.participant == participant,
                PortalSessionRow.closed_at.is_(None),
            )
            .values(closed_at=_now())
        )
        return int(getattr(closed, "rowcount", 0) or 0)


def restore_links(engine: Engine, year: int, participant: str) -> bool:
    """Let a person's links open again; False if they were not revoked."""
    with Session(engine) as db, db.begin():
        row = db.get(LinkRevocationRow, (year, participant))
        if row is None:
            return False
        db.delete(row)
        return True


def links_calendar(db: Session, cycle: CycleRow) -> datetime:
    """The calendar time a link's expiry is judged at. A rehearsal's provinces keep calendars
    that wait for the machine (workflows.calendar_time), so its clock at the requested speed may
    run weeks ahead of them; no province is further on than the latest message any has made."""
    now = calendar_now(cycle)
    if cycle.speed is None:
        return now
    reached = db.scalar(select(func.max(OutboxRow.made_at)).where(OutboxRow.year == cycle.year))
    return now if reached is None else min(now, reached)
