"""One mailing, recipient by recipient: the Message-ID, the calendar file and the tokens each
gets, and the message itself. The mail activity records these in the outbox and sends them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from mail.calendar import CalendarMold, Person
from mail.compose import (
    PORTAL_LINK,
    Composer,
    Recipient,
    Sender,
    agreement_pdf_name,
    attendee,
    invitation_mold,
    language_of,
    message_id,
)
from models.cycle import Organizer
from models.messages import AgreementSignedFacts, Outgoing, SessionFacts, SignOffFacts
from security.links import portal_link
from security.tokens import SIGN, TokenIssuer, claims_for

SHARED_INVITATION_LIMIT = 20
"""Up to this many invitees appear together on one invitation; a larger crowd (the pre-meeting)
gets one each, naming only its recipient."""


def sender_of(organizer: Organizer, override: str | None = None) -> Sender:
    return Sender(
        organizer_name=organizer.name,
        organizer_mailbox=organizer.mailbox,
        address=override or organizer.sender,
    )


def calendars_for(
    outgoing: Outgoing, sender: Sender, recipients: list[Recipient], listed: Sequence[Recipient] = ()
) -> Callable[[Recipient], bytes | None]:
    """The calendar file each recipient of a mailing gets (None: the mail has none). Each is made
    from one mold per language; a session's few invitees all appear on its one invitation (with
    ``listed``, the invitees this message is not sent to), a crowd (the pre-meeting) gets one
    invitation each, naming only its recipient."""
    shared = len(recipients) <= SHARED_INVITATION_LIMIT
    facts = outgoing.facts
    answers = facts.answers if isinstance(facts, SessionFacts) else {}
    delegations = facts.delegations if isinstance(facts, SessionFacts) else {}
    attendees = [*recipients, *listed]
    everyone = attendees_of(attendees, answers, delegations) if shared else []
    molds: dict[str, CalendarMold | None] = {}
    calendars: dict[str, bytes | None] = {}

    def calendar_of(recipient: Recipient) -> bytes | None:
        language = language_of(recipient)
        if language not in molds:
            molds[language] = invitation_mold(outgoing, language, sender)
        mold = molds[language]
        if mold is None:
            return None
        if not shared:
            return mold.with_attendees([attendee(recipient)])
        if language not in calendars:
            calendars[language] = mold.with_attendees(everyone)
        return calendars[language]

    return calendar_of


def attendees_of(
    invitees: Sequence[Recipient], answers: dict[str, str], delegations: dict[str, str]
) -> list[Person]:
    """Each invitee as an ATTENDEE, with their answer; a delegator as DELEGATED with
    DELEGATED-TO, their delegate with DELEGATED-FROM (RFC 5546, 4.2.5)."""
    address = {r.id: f"mailto:{r.email}" for r in invitees}
    delegated_from = {delegate: delegator for delegator, delegate in delegations.items()}
    people = []
    for r in invitees:
        person = attendee(r, answers.get(r.id))
        if r.id in delegations and delegations[r.id] in address:
            person = replace(person, partstat="DELEGATED", delegated_to=address[delegations[r.id]])
        if r.id in delegated_from and delegated_from[r.id] in address:
            person = replace(person, delegated_from=address[delegated_from[r.id]])
        people.append(person)
    return people


@dataclass(frozen=True)
class Letter:
    recipient: Recipient
    message_id: str
    message: bytes


class Mailing:
    """The messages of one Outgoing to its recipients (looked up in the directory)."""

    def __init__(
        self,
        outgoing: Outgoing,
        sender: Sender,
        recipients: list[Recipient],
        issuer: TokenIssuer | None,
        portal_url: str | None = None,
        listed: Sequence[Recipient] = (),
    ) -> None:
        self.outgoing = outgoing
        self.listed = listed
        self.portal_url = portal_url
        self.sender = sender
        self.recipients = recipients
        self.issuer = issuer
        domain = sender.address.rsplit("@", 1)[-1]
        self.ids = {r.id: message_id(outgoing, r.id, domain) for r in recipients}
        """Each recipient's Message-ID: the outbox's key, the same on every retry."""

    def tokens(self, recipient: Recipient) -> list[tuple[str, str]]:
        """The recipient's portal link and action token and, in a sign-off request or reminder, a
        signature token bound to the document's SHA-256."""
        if self.issuer is None:
            return []
        year, ends = self.outgoing.year, self.outgoing.links_expire_at
        action = self.issuer.issue(
            claims_for(recipient.id, year, recipient.province, recipient.role, expires_at=ends)
        )
        found = [("action_token", action)]
        if self.portal_url:
            # The same token opens the recipient's portal; the code stays for the command line.
            found.insert(0, (PORTAL_LINK, portal_link(self.portal_url, action)))
        facts = self.outgoing.facts
        if isinstance(facts, SignOffFacts):
            claims = claims_for(
                recipient.id,
                year,
                self.outgoing.province,
                recipient.role,
                SIGN,
                facts.sha256,
                expires_at=ends,
            )
            found.append(("sign_token", self.issuer.issue(claims)))
        return found

    def attached_document(self) -> tuple[str, bytes] | None:
        """The agreement's PDF, for the mail that asks to sign it or says it was signed."""
        facts = self.outgoing.facts
        if not isinstance(facts, SignOffFacts | AgreementSignedFacts):
            return None
        pdf = Path(facts.document).with_suffix(".pdf")
        try:
            return agreement_pdf_name(facts.document), pdf.read_bytes()
        except FileNotFoundError:
            # The letter still names the document and its SHA-256; a worker on another machine
            # than the documents' (a volume not shared) cannot attach it.
            return None

    def letters(self, due: list[Recipient]) -> Iterator[Letter]:
        """The messages of ``due``, made one at a time as they are sent."""
        composer = Composer(self.outgoing, self.sender, self.attached_document())
        calendar_of = calendars_for(self.outgoing, self.sender, self.recipients, self.listed)
        for recipient in due:
            message = composer.message(recipient, calendar_of(recipient), self.tokens(recipient))
            yield Letter(recipient, self.ids[recipient.id], message)
