"""A province's progress through the cycle: all its workflow's state, in one model.

The workflow holds one ProvinceProgress; the rules (``rules/``) read it to decide whether an
action is allowed, and the methods below are the only way it changes once they have. Nothing here
does I/O or knows about Temporal, so the rules and the state machine are tested as plain code.
"""

from __future__ import annotations

from pydantic import BaseModel

from models.cycle import Deadlines
from models.items import ItemConfirmation, ItemStatus, OutcomeItem, ProposalItem
from models.participants import Participant, Role
from models.records import AgreementDocument
from models.reference import Desk
from models.sessions import DeskSession
from models.stages import Party, SessionState, Stage
from models.workflow_io import (
    ProvinceInput,
    ProvinceState,
    ProvinceSummary,
    SessionDetail,
    SessionView,
    SignatureView,
)

STAGE_ORDER = list(Stage)
SIGNER_ROLE = {Party.REGIONAL: Role.REGIONAL_SIGNER, Party.CENTRAL: Role.CENTRAL_SIGNER}


class ProvinceProgress(BaseModel):
    input: ProvinceInput
    stage: Stage = Stage.PRE_MEETING
    plan_loaded: bool = False
    """Sessions and people come from the stored plan, loaded at the workflow's start."""
    sessions: dict[str, DeskSession] = {}
    """By desk code."""
    people: dict[str, Participant] = {}
    proposals: dict[str, ProposalItem] = {}
    outcomes: dict[str, list[OutcomeItem]] = {}
    """By desk code."""
    confirmed: dict[str, ItemConfirmation] = {}
    document: AgreementDocument | None = None
    signatures: dict[Party, SignatureView] = {}
    cancel_reasons: dict[str, str] = {}
    cancellations_sent: set[str] = set()
    """Desks whose cancellation went out to every invitee."""
    replies: dict[str, dict[str, str]] = {}
    """Desk → invitee → PARTSTAT."""
    attendance: dict[str, dict[str, str]] = {}
    """Desk → who checked in → onsite or online."""
    delegations: dict[str, dict[str, str]] = {}
    """Desk ("" for the data-entry task) → delegator → delegate (disposisi)."""
    amended: bool = False
    """An outcome changed during sign-off: the document must be rendered and signed again."""
    amendments: int = 0
    used_tokens: set[str] = set()
    """One-time (signature) tokens already spent."""
    deadlines: Deadlines
    """The province's deadlines: the cycle's, as organizers have extended them since."""
    departed: set[str] = set()
    """People replaced in the directory while the cycle ran: kept for what they did, no longer
    acting or written to."""
    organizer_mailings: int = 0
    """Invitations resent and reminders sent by organizers: each one's number tells its
    messages apart from the ones before."""

    # What it knows ------------------------------------------------------------------------

    @property
    def code(self) -> str:
        return self.input.province.code

    @property
    def desks(self) -> dict[str, Desk]:
        return {d.code: d for d in self.input.desks}

    def reached(self, stage: Stage) -> bool:
        return STAGE_ORDER.index(self.stage) >= STAGE_ORDER.index(stage)

    def people_with(self, role: Role) -> list[str]:
        return [
            p.id
            for p in self.people.values()
            if p.role is role
            and (p.province is None or p.province == self.code)
            and p.id not in self.departed
        ]

    def delegation_heads(self) -> list[str]:
        return self.people_with(Role.REGIONAL_SIGNER) + self.people_with(Role.PROVINCE_COORDINATOR)

    def signers(self, party: Party) -> list[str]:
        return self.people_with(SIGNER_ROLE[party])

    def outcome_items(self) -> list[OutcomeItem]:
        return [item for items in self.outcomes.values() for item in items]

    def agreed_refs(self) -> list[str]:
        return [i.ref for i in self.outcome_items() if i.status is not ItemStatus.NOT_AGREED]

    def unconfirmed_refs(self) -> list[str]:
        return [ref for ref in self.agreed_refs() if ref not in self.confirmed]

    def unsigned(self) -> list[Party]:
        return [p for p in Party if p not in self.signatures]

    def all_signed(self) -> bool:
        return not self.unsigned()

    # How it changes (after the rules have allowed it) -------------------------------------

    def load_plan(self, sessions: list[DeskSession], people: list[Participant]) -> None:
        self.sessions = {s.desk: s for s in sessions}
        self.people = {p.id: p for p in people}
        self.plan_loaded = True

    def enter(self, stage: Stage) -> None:
        self.stage = stage

    def add_proposals(self, items: list[ProposalItem]) -> int:
        for item in items:
            self.proposals[item.ref] = item
        return len(self.proposals)

    def record_outcome(self, desk: str, items: list[OutcomeItem], by: str) -> None:
        self.sessions[desk].record_outcome(by)
        self.outcomes[desk] = list(items)

    def amend_outcome(self, desk: str, items: list[OutcomeItem]) -> list[str]:
        """Replace a desk's outcome during sign-off; returns the parties whose signature is void."""
        self.outcomes[desk] = list(items)
        voided = sorted(party.value for party in self.signatures)
        self.signatures.clear()
        self.amended = True
        self.amendments += 1
        return voided

    def confirm(self, confirmations: list[ItemConfirmation]) -> int:
        for confirmation in confirmations:
            self.confirmed[confirmation.ref] = confirmation
        return len(self.unconfirmed_refs())

    def set_document(self, document: AgreementDocument) -> None:
        self.document = document
        self.amended = False

    def sign(self, signature: SignatureView, token_id: str | None) -> list[str]:
        if token_id is not None:
            self.used_tokens.add(token_id)
        self.signatures[signature.party] = signature
        return [p.value for p in self.unsigned()]

    def check_in(self, desk: str, person: str, mode: str) -> None:
        self.attendance.setdefault(desk, {})[person] = mode

    def reply(self, desk: str, invitee: str, partstat: str) -> None:
        self.replies.setdefault(desk, {})[invitee] = partstat

    def delegate(self, desk: str | None, delegator: str, delegate: Participant) -> None:
        """``delegate`` stands in for ``delegator`` at a session (or in the data entry): they join
        the people and the invitees; the delegator stays an invitee, as DELEGATED."""
        self.people[delegate.id] = delegate
        self.delegations.setdefault(desk or "", {})[delegator] = delegate.id
        if desk is not None:
            session = self.sessions[desk]
            session.recipients = [*session.recipients, delegate.id]
            self.replies.setdefault(desk, {})[delegator] = "DELEGATED"

    def take_person(self, person: Participant, desks: list[str], replaces: str | None = None) -> None:
        """``person`` joins the directory and the invitees of ``desks``' sessions, in the place of
        ``replaces`` there, who departs."""
        self.people[person.id] = person
        if replaces is not None:
            self.departed.add(replaces)
        for desk in desks:
            session = self.sessions[desk]
            kept = [r for r in session.recipients if r != replaces and r != person.id]
            session.recipients = [*kept, person.id]

    def delegate_id(self, delegator: str) -> str:
        """The next id of someone standing in for ``delegator``: ``ID.w1``, ``ID.w2``..."""
        taken = {d for by_desk in self.delegations.values() for d in by_desk.values()}
        n = 1
        while f"{delegator}.w{n}" in taken or f"{delegator}.w{n}" in self.people:
            n += 1
        return f"{delegator}.w{n}"

    def take_change(self, change: DeskSession, reason: str | None = None) -> None:
        """A move or cancellation the database has taken (see DeskSession.rescheduled)."""
        self.sessions[change.desk].take(change)
        if reason is not None:
            self.cancel_reasons[change.desk] = reason

    # What it shows ------------------------------------------------------------------------

    def pending(self) -> list[str]:
        if self.stage is Stage.DATA_ENTRY and not self.proposals:
            return ["proposals (e-Rakortekrenbang)"]
        if self.stage is Stage.DESK_SESSIONS:
            waiting = [
                s.desk
                for s in self.sessions.values()
                if s.state not in (SessionState.OUTCOME_RECORDED, SessionState.CANCELLED)
            ]
            return [f"outcome of desk {d}" for d in sorted(waiting)]
        if self.stage is Stage.CONFIRMATION:
            return [f"confirmation of {len(self.unconfirmed_refs())} items"]
        if self.stage is Stage.SIGN_OFF:
            return [f"signature: {party.value} side" for party in self.unsigned()]
        return []

    def count(self, state: SessionState) -> int:
        return sum(s.state is state for s in self.sessions.values())

    def items_not_agreed(self) -> int:
        return sum(i.status is ItemStatus.NOT_AGREED for i in self.outcome_items())

    def view(self) -> ProvinceState:
        sessions = sorted(self.sessions.values(), key=lambda s: (s.starts_at, s.desk))
        return ProvinceState(
            code=self.code,
            name=self.input.province.name,
            stage=self.stage,
            sessions_done=self.count(SessionState.OUTCOME_RECORDED),
            sessions_total=len(sessions),
            sessions_cancelled=self.count(SessionState.CANCELLED),
            proposals=len(self.proposals),
            items_agreed=len(self.agreed_refs()),
            items_not_agreed=self.items_not_agreed(),
            items_confirmed=len(self.confirmed),
            document_sha256=self.document.sha256 if self.document else None,
            signatures=list(self.signatures.values()),
            pending=self.pending(),
            sessions=[SessionView.model_validate(s, from_attributes=True) for s in sessions],
        )

    def session_detail(self, desk: str) -> SessionDetail:
        s = self.sessions[desk]
        return SessionDetail.model_validate(
            {
                **s.model_dump(),
                "outcome_items": len(self.outcomes.get(desk, [])),
                "cancel_reason": self.cancel_reasons.get(desk),
                "replies": self.replies.get(desk, {}),
                "attendance": self.attendance.get(desk, {}),
                "delegations": self.delegations.get(desk, {}),
            }
        )

    def summary(self) -> ProvinceSummary:
        assert self.document is not None
        return ProvinceSummary(
            code=self.code,
            stage=self.stage,
            sessions_held=self.count(SessionState.OUTCOME_RECORDED),
            sessions_cancelled=self.count(SessionState.CANCELLED),
            items_agreed=len(self.agreed_refs()),
            items_not_agreed=self.items_not_agreed(),
            document_sha256=self.document.sha256,
        )
