"""Action tokens: who may act, on what, until when; HS256 JWTs signed with RAKORTEK_TOKEN_SECRET.

Every participant gets a token in their mail, bound to them, the cycle year, their province (none
for central roles) and their role; signers also get a one-time signature token bound to the
SHA-256 of the document they are asked to sign. Update validators verify them before anything
enters history; what each role may do is rules/access.py's business.

Tokens are deterministic (same person and scope, same token), so a retried mail carries the same
one. They expire at the end of the cycle's calendar year (a rehearsal's calendar included).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import jwt
from pydantic import BaseModel, ValidationError

ALGORITHM = "HS256"
ACT = "act"
SIGN = "sign"


class TokenError(ValueError):
    """A token that is not ours, is damaged, or cannot be read."""


class ActionClaims(BaseModel):
    sub: str
    """The participant id of the holder."""
    year: int
    province: str | None = None
    """None: a central role, acting on every province."""
    role: str
    action: str
    """act: any action the role may take; sign: one signature."""
    document: str | None = None
    """For sign: the SHA-256 of the document."""
    exp: int
    """Calendar time, seconds since the epoch."""
    jti: str

    @property
    def expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.exp, UTC)


def claims_for(
    participant: str,
    year: int,
    province: str | None,
    role: str,
    action: str = ACT,
    document: str | None = None,
) -> ActionClaims:
    key = "|".join(str(part) for part in (participant, year, province, role, action, document))
    return ActionClaims(
        sub=participant,
        year=year,
        province=province,
        role=role,
        action=action,
        document=document,
        exp=int(datetime(year + 1, 1, 1, tzinfo=UTC).timestamp()),
        jti=hashlib.sha256(key.encode()).hexdigest()[:24],
    )


class TokenIssuer:
    def __init__(self, secret: str) -> None:
        if len(secret.encode()) < 32:
            # RFC 7518: an HS256 key shorter than the hash is guessable.
            raise ValueError("RAKORTEK_TOKEN_SECRET must be at least 32 bytes long")
        self.secret = secret

    def issue(self, claims: ActionClaims) -> str:
        return jwt.encode(claims.model_dump(exclude_none=True), self.secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> ActionClaims:
        """The claims of a token this deployment signed; expiry is the caller's (calendar) check."""
        try:
            payload = jwt.decode(
                token, self.secret, algorithms=[ALGORITHM], options={"verify_exp": False, "require": ["exp"]}
            )
            return ActionClaims.model_validate(payload)
        except (jwt.InvalidTokenError, ValidationError) as exc:
            raise TokenError(f"the token is not valid here ({exc})") from None


def read_unverified(token: str) -> ActionClaims:
    """The claims, without checking the signature: for the audit of an update already validated."""
    try:
        return ActionClaims.model_validate(jwt.decode(token, options={"verify_signature": False}))
    except (jwt.InvalidTokenError, ValidationError) as exc:
        raise TokenError(f"the token cannot be read ({exc})") from None


_verifier: TokenIssuer | None = None


def configure(secret: str) -> None:
    """Called once by the worker: update validators verify tokens with this secret."""
    global _verifier
    _verifier = TokenIssuer(secret)


def verify(token: str) -> ActionClaims:
    if _verifier is None:
        raise TokenError("this worker has no RAKORTEK_TOKEN_SECRET: it cannot check tokens")
    return _verifier.verify(token)
