"""Who may act, on what, until when: HS256 JWTs signed with RAKORTEK_TOKEN_SECRET, of two kinds.

**Link tokens** are what people get in their mail: bound to them, the cycle year, their province
(none for central roles) and their role; signers also get a one-time signature token bound to the
SHA-256 of the document they are asked to sign. They are deterministic (same person and scope,
same token), so a retried mail carries the same one, and they expire when the cycle ends
(``links_expire_at``). A link token never reaches Temporal.

**Update tokens** are what an update carries instead. The trusted client (the portal, the command
line, the simulated participants) makes one from the person's link for one update: this workflow,
this update id, the SHA-256 of this payload, for a few minutes. Read from a history, it can do
nothing again: another update id or payload is refused, and the same id is the same update, which
Temporal applies once. Update validators verify them before anything enters history; what each
role may do is rules/access.py's business.

The two kinds differ in their audience (``aud``), so that neither passes for the other.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import jwt
from pydantic import BaseModel, ValidationError

ALGORITHM = "HS256"
ACT = "act"
SIGN = "sign"
LINK = "rakortek:link"
UPDATE = "rakortek:update"
UPDATE_TOKEN_LIFETIME = timedelta(minutes=5)
"""Long enough for a client to send and retry an update; short enough that a token read from a
history has expired before anyone could think of using it."""
TOKEN_FIELD = "token"
Claims = TypeVar("Claims", bound=BaseModel)


class TokenError(ValueError):
    """A token that is not ours, is damaged, or cannot be read."""


class Holder(BaseModel):
    """Who a link belongs to and what it lets them do: the part of a link an update token keeps."""

    sub: str
    """The participant id of the holder."""
    year: int
    province: str | None = None
    """None: a central role, acting on every province."""
    role: str
    action: str = ACT
    """act: any action the role may take; sign: one signature."""
    document: str | None = None
    """For sign: the SHA-256 of the document."""

    @property
    def link_id(self) -> str:
        """The link's id (its jti): the same for the same person and scope, whenever made."""
        key = "|".join(
            str(part) for part in (self.sub, self.year, self.province, self.role, self.action, self.document)
        )
        return hashlib.sha256(key.encode()).hexdigest()[:24]


class ActionClaims(Holder):
    """What a link token says."""

    exp: int
    """Calendar time, seconds since the epoch: the cycle's end."""
    jti: str
    iat: int | None = None
    """Real time the link was made: a withdrawal stops the links made before it, not the new
    ones sent after (``withdrawn``)."""

    def withdrawn(self, revoked_at: datetime | None) -> bool:
        """Whether a withdrawal at ``revoked_at`` (UTC) stops this link."""
        if revoked_at is None:
            return False
        revoked = revoked_at.replace(tzinfo=UTC) if revoked_at.tzinfo is None else revoked_at
        return self.iat is None or self.iat <= int(revoked.timestamp())

    @property
    def expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.exp, UTC)


class UpdateClaims(Holder):
    """What an update token says: its link's holder, and the one update it was made for."""

    link: str
    """The id (jti) of the link it was made from: the audit names it, a signature spends it."""
    workflow: str
    update: str
    payload: str
    """SHA-256 of the update's input without its token (``payload_digest``)."""
    iat: int
    exp: int
    """Real time, seconds since the epoch: UPDATE_TOKEN_LIFETIME after ``iat``."""


def claims_for(
    participant: str,
    year: int,
    province: str | None,
    role: str,
    action: str = ACT,
    document: str | None = None,
    *,
    expires_at: datetime,
) -> ActionClaims:
    """A link's claims; ``expires_at``: the cycle's end (Deadlines.cycle_ends_at)."""
    holder = Holder(
        sub=participant, year=year, province=province, role=role, action=action, document=document
    )
    return ActionClaims(**holder.model_dump(), exp=int(expires_at.timestamp()), jti=holder.link_id)


def payload_digest(update: BaseModel) -> str:
    """The SHA-256 of an update's input without its token, as the client sends it and the
    workflow receives it (canonical JSON: sorted keys, no spaces)."""
    fields = update.model_dump(mode="json", exclude={TOKEN_FIELD})
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class TokenIssuer:
    def __init__(self, secret: str) -> None:
        if len(secret.encode()) < 32:
            # RFC 7518: an HS256 key shorter than the hash is guessable.
            raise ValueError("RAKORTEK_TOKEN_SECRET must be at least 32 bytes long")
        self.secret = secret

    def issue(self, claims: ActionClaims) -> str:
        """A link token, for a person's mail."""
        made = claims.iat if claims.iat is not None else int(time.time())
        return self._encode({**claims.model_dump(exclude_none=True), "iat": made, "aud": LINK})

    def verify(self, token: str) -> ActionClaims:
        """A link token's claims; its expiry is the caller's (calendar) check."""
        return _claims(ActionClaims, self._decode(token, LINK))

    def for_update(
        self,
        holder: Holder,
        *,
        workflow_id: str,
        update_id: str,
        update: BaseModel,
        now: datetime,
    ) -> str:
        """The update token of one update, for the holder of a link (who showed it to the client)."""
        claims = UpdateClaims(
            **holder.model_dump(include=set(Holder.model_fields)),
            link=holder.link_id,
            workflow=workflow_id,
            update=update_id,
            payload=payload_digest(update),
            iat=int(now.timestamp()),
            exp=int((now + UPDATE_TOKEN_LIFETIME).timestamp()),
        )
        return self._encode({**claims.model_dump(exclude_none=True), "aud": UPDATE})

    def verify_update(self, token: str) -> UpdateClaims:
        """An update token's claims; what it is bound to is the caller's check (``check_bound``)."""
        return _claims(UpdateClaims, self._decode(token, UPDATE))

    def _encode(self, payload: dict[str, object]) -> str:
        return jwt.encode(payload, self.secret, algorithm=ALGORITHM)

    def _decode(self, token: str, audience: str) -> dict[str, object]:
        try:
            payload: dict[str, object] = jwt.decode(
                token,
                self.secret,
                algorithms=[ALGORITHM],
                audience=audience,
                # Expiry is checked by the callers, against the cycle's calendar or the workflow's
                # clock (a replayed or time-skipped workflow is not on the wall clock).
                options={"verify_exp": False, "verify_iat": False, "require": ["exp", "aud"]},
            )
            return payload
        except jwt.InvalidAudienceError:
            raise TokenError(
                "a link from the mail cannot act directly; the portal or the command line acts with it"
                if audience == UPDATE
                else "an update's token is not a link"
            ) from None
        except jwt.InvalidTokenError as exc:
            raise TokenError(f"the token is not valid here ({exc})") from None


def _claims(model: type[Claims], payload: dict[str, object]) -> Claims:
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise TokenError(
            f"the token is not valid here ({exc.error_count()} claims missing or wrong)"
        ) from None


def check_bound(
    claims: UpdateClaims, *, workflow_id: str, update_id: str, update: BaseModel, now: datetime
) -> None:
    """Refuses (TokenError) an update token made for another workflow, update or payload, or
    older than its lifetime."""
    if claims.workflow != workflow_id:
        raise TokenError(f"the token was made for workflow {claims.workflow}, not {workflow_id}")
    if claims.update != update_id:
        raise TokenError("the token was made for another update: each update needs its own")
    if claims.payload != payload_digest(update):
        raise TokenError("the token was made for other input than this update carries")
    if now.timestamp() >= claims.exp:
        minutes = UPDATE_TOKEN_LIFETIME // timedelta(minutes=1)
        raise TokenError(f"the token was made more than {minutes} minutes ago: send the action again")


def read_unverified(token: str) -> UpdateClaims:
    """An update token's claims, without checking the signature: for the audit of an update
    already validated."""
    try:
        payload = jwt.decode(token, options={"verify_signature": False, "verify_aud": False})
        return UpdateClaims.model_validate(payload)
    except (jwt.InvalidTokenError, ValidationError) as exc:
        raise TokenError(f"the token cannot be read ({exc})") from None


_verifier: TokenIssuer | None = None


def configure(secret: str) -> None:
    """Called once by the worker: update validators verify tokens with this secret."""
    global _verifier
    _verifier = TokenIssuer(secret)


def verify(token: str) -> UpdateClaims:
    """An update token's claims, checked with the worker's secret."""
    if _verifier is None:
        raise TokenError("this worker has no RAKORTEK_TOKEN_SECRET: it cannot check tokens")
    return _verifier.verify_update(token)
