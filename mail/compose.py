"""One message for one recipient: templates in the recipient's language, times in their zone."""

from __future__ import annotations

import base64
import email.policy
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import format_datetime, formataddr
from functools import cache
from pathlib import PurePath
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import escape

from mail.calendar import CalendarMold, Person, calendar_mold
from mail.dates import DEADLINE_ZONE, letter_date, letter_datetime, letter_datetime_beside
from mail.wording import (
    LABELS,
    TEMPLATES_DIR,
    official_letter,
    party_title,
    pre_meeting_location,
    region_title,
    reminder_when,
    step_name,
    waiting_for,
)
from models.messages import (
    ActionRequiredFacts,
    AgreementSignedFacts,
    CalendarEvent,
    DeadlineFacts,
    EscalationFacts,
    Outgoing,
    PreMeetingFacts,
    Region,
    SessionFacts,
    SignOffFacts,
)

_UNSAFE_IN_ID = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class Recipient:
    id: str
    name: str
    email: str
    language: str
    zone: str
    role: str = ""
    province: str | None = None


@dataclass(frozen=True)
class Sender:
    organizer_name: str
    organizer_mailbox: str
    """Reply-To, and the calendar ORGANIZER: a mailbox that is read."""
    address: str
    """From: a no-reply address (Exchange drops invitations sent as the organizer)."""


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        # Templates change with a deploy, which restarts the worker: no stat() per message.
        auto_reload=False,
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2")),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def message_id(outgoing: Outgoing, recipient_id: str, domain: str) -> str:
    """The same (subject, recipient, kind, sequence) always gets the same Message-ID."""
    parts = [outgoing.kind.value, outgoing.variant, outgoing.subject_ref, str(outgoing.sequence)]
    local = ".".join(p for p in parts if p) + "." + recipient_id
    return f"<{_UNSAFE_IN_ID.sub('-', local)}@{domain}>"


def _render_block(template_name: str, block: str, context: dict[str, Any]) -> str:
    template = _environment().get_template(template_name)
    return "".join(template.blocks[block](template.new_context(context))).strip()


def agreement_pdf_name(document: str) -> str:
    """The attached PDF's name, from the path of the agreement's HTML."""
    return PurePath(document).with_suffix(".pdf").name


def letter_facts(outgoing: Outgoing, language: str) -> dict[str, Any]:
    """What a letter's template is given from the mail's facts, its phrases in ``language``."""
    facts = outgoing.facts
    context: dict[str, Any] = facts.model_dump(
        exclude={
            "about",
            "region",
            "deadline_at",
            "party",
            "step",
            "unconfirmed",
            "unsigned",
            "moved_from",
            "previous_at",
            "letter",
        }
    )
    region = getattr(facts, "region", None)
    context["region"] = ""
    if isinstance(region, Region):
        context.update(region.model_dump(exclude={"kabupaten_kota", "letter"}))
        context["region"] = region_title(region, language)
    letter = getattr(facts, "letter", None) or (region.letter if isinstance(region, Region) else None)
    context["letter_ref"] = official_letter(letter, language) if letter is not None else ""
    if isinstance(facts, PreMeetingFacts | SessionFacts):
        context["reminder_when"] = reminder_when(outgoing.variant, facts.minutes_before, language)
    if isinstance(facts, SignOffFacts):
        context["party_title"] = party_title(facts.party, language, context["region"])
    if isinstance(facts, SignOffFacts | AgreementSignedFacts):
        # The reader gets the PDF attached, never a path on the server.
        context["document"] = agreement_pdf_name(facts.document)
    if isinstance(facts, ActionRequiredFacts):
        context["chase"] = facts.step.value
    if isinstance(facts, DeadlineFacts):
        context["step"] = LABELS[language][f"deadline_{facts.step.value}"]
    if isinstance(facts, EscalationFacts):
        context["step"] = step_name(facts.step, language)
        context["waiting_for"] = waiting_for(facts, language, context["region"])
    return context


def calendar_description(event: CalendarEvent, language: str) -> str:
    """What the calendar entry says: the same for every attendee reading one language."""
    labels = LABELS[language]
    lines = [
        event.summary,
        f"{labels['when_venue']}: {letter_datetime(event.starts_at, event.zone, language)}",
        f"{labels['location']}: {event.location}",
    ]
    if event.online_link:
        # Repeated here: Outlook, Thunderbird and Apple Calendar do not show CONFERENCE.
        lines.append(f"{labels['online']}: {event.online_link}")
    return "\n".join(lines)


def invitation_mold(outgoing: Outgoing, language: str, sender: Sender) -> CalendarMold | None:
    """The iCalendar object of an invitation or cancellation without its attendees, or None for
    other mail."""
    method = outgoing.kind.calendar_method
    if method is None or outgoing.event is None:
        return None
    organizer = Person(sender.organizer_name, sender.organizer_mailbox)
    return calendar_mold(
        outgoing.event, method, organizer, outgoing.made_at, calendar_description(outgoing.event, language)
    )


def attendee(recipient: Recipient, partstat: str | None = None) -> Person:
    return Person(recipient.name, recipient.email, _attendee_role(recipient), partstat or "NEEDS-ACTION")


def invitation(outgoing: Outgoing, language: str, sender: Sender, attendees: list[Recipient]) -> bytes | None:
    """The iCalendar object of an invitation or cancellation, or None for other mail."""
    mold = invitation_mold(outgoing, language, sender)
    return None if mold is None else mold.with_attendees([attendee(a) for a in attendees])


PORTAL_LINK = "portal_link"
"""The token label of the recipient's personal portal link: a button above the facts."""

_NAME = "\ue000recipient_name\ue000"
"""Stands for the recipient's name in a letter rendered once for many (a private-use character:
no template, escaping or encoding touches it)."""


def _token_mark(label: str) -> str:
    return f"\ue000{label}\ue000"


_HEADERS = email.policy.compat32


def _header(name: str, value: str) -> str:
    """A header line, folded as the email package folds it (most need no folding at all)."""
    # Anything str.splitlines() breaks on (\v, \f and the rest, not only \n) is folded there.
    if not value.isascii() or value.splitlines() != [value]:
        return _HEADERS.fold(name, value)
    if len(name) + len(value) <= 76:
        return f"{name}: {value}\n"
    if not any(c.isspace() for c in value):
        # One word: it stays whole, on a line of its own when it does not fit beside the name.
        return f"{name}: \n {value}\n"
    return _HEADERS.fold(name, value)


@dataclass(frozen=True)
class Letter:
    """What every recipient of one mailing who reads one language in one zone reads alike."""

    subject: str
    """The Subject header line, encoded and folded."""
    text: str
    html: str
    """Both with the recipient's name and tokens left as marks."""


def write_letter(
    outgoing: Outgoing, language: str, zone: str, sender: Sender, token_labels: Sequence[str]
) -> Letter:
    labels = LABELS[language]
    context = letter_facts(outgoing, language)
    context.update(year=outgoing.year, recipient_name=_NAME)
    details: list[tuple[str, str, str | None]] = []
    event = outgoing.event
    if event is not None:
        # The reader's time, with the venue's beside it only where it reads differently (a WIB
        # reader is not told the time twice, Pontianak's WIB included).
        context["when"] = letter_datetime_beside(event.starts_at, zone, event.zone, language)
        location = event.location
        if isinstance(outgoing.facts, PreMeetingFacts):
            location = pre_meeting_location(outgoing.facts.host_studio, language)
        context["location"] = location
        context["day"] = letter_date(event.starts_at, zone, language)
        moved_from = getattr(outgoing.facts, "moved_from", None)
        context["moved_from"] = (
            letter_datetime_beside(moved_from, zone, event.zone, language) if moved_from else None
        )
        details.append((labels["when"], context["when"], None))
        details.append((labels["location"], location, None))
        if event.online_link:
            details.append((labels["online"], event.online_link, event.online_link))
    deadline = getattr(outgoing.facts, "deadline_at", None)
    if deadline is not None:
        context["deadline"] = letter_datetime_beside(deadline, zone, DEADLINE_ZONE, language)
        details.append((labels["deadline"], context["deadline"], None))
    previous = getattr(outgoing.facts, "previous_at", None)
    if previous is not None:
        context["previous"] = letter_datetime_beside(previous, zone, DEADLINE_ZONE, language)
    details.append((labels["reply_to"], sender.organizer_mailbox, f"mailto:{sender.organizer_mailbox}"))
    portal = None
    for label in token_labels:
        if label == PORTAL_LINK:
            portal = {"label": labels[label], "hint": labels["portal_hint"], "url": _token_mark(label)}
        else:
            details.append((labels[label], _token_mark(label), None))

    template_name = f"mail/{language}/{outgoing.kind.value}.j2"
    subject = _render_block(template_name, "subject", context)
    body = _render_block(template_name, "body", context)
    footer = labels["footer"] + (" " + labels["attachment_hint"] if outgoing.kind.calendar_method else "")
    page = {
        "language": language,
        "subject": subject,
        "body": body,
        "paragraphs": [p.strip() for p in body.split("\n\n") if p.strip()],
        "details": details,
        "portal": portal,
        "organizer_name": sender.organizer_name,
        "closing": labels["closing"],
        "footer": footer,
    }
    env = _environment()
    return Letter(
        # Folded from the text itself: a value encoded beforehand would be folded before its first
        # word, and read back with a leading space.
        subject=_header("Subject", subject),
        text=env.get_template("mail/message.txt.j2").render(page),
        html=env.get_template("mail/message.html.j2").render(page),
    )


def _base64(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return base64.encodebytes(data).decode("ascii")


def _text_part(subtype: str, text: str) -> str:
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\n'
        "MIME-Version: 1.0\n"
        "Content-Transfer-Encoding: base64\n\n" + _base64(text)
    )


class Composer:
    """The messages of one mailing: each letter is rendered once per language and zone, then
    given each recipient's name, address, Message-ID and tokens.

    The MIME is written here rather than by the email package, whose generator and header folding
    cost more than everything else in a message; what it writes is the same, byte for byte.
    """

    def __init__(self, outgoing: Outgoing, sender: Sender, document: tuple[str, bytes] | None = None) -> None:
        """``document``: (file name, PDF) attached to every message, the agreement a signer reads."""
        self.outgoing = outgoing
        self.sender = sender
        self.document = None if document is None else (document[0], _base64(document[1]))
        self.domain = sender.address.rsplit("@", 1)[-1]
        self.letters: dict[tuple[str, str, tuple[str, ...]], Letter] = {}
        self.method = outgoing.kind.calendar_method
        # What every message of the mailing carries alike, made once.
        sent_from = formataddr((sender.organizer_name, sender.address), "utf-8")
        reply_to = formataddr((sender.organizer_name, sender.organizer_mailbox), "utf-8")
        self.from_lines = _header("From", sent_from) + _header("Reply-To", reply_to)
        self.date_line = _header("Date", format_datetime(outgoing.made_at))
        self.trailer = _header("X-Rakortek-Kind", outgoing.kind.value) + (
            _header("X-Rakortek-Session", outgoing.session_id) if outgoing.session_id else ""
        )
        self.calendar_type = f'text/calendar; charset="utf-8"; method="{self.method}"'
        self.attachment_type = _header("Content-Type", f'{self.calendar_type}; name="invite.ics"')

    def letter(self, language: str, zone: str, token_labels: tuple[str, ...]) -> Letter:
        key = (language, zone, token_labels)
        if key not in self.letters:
            self.letters[key] = write_letter(self.outgoing, language, zone, self.sender, token_labels)
        return self.letters[key]

    def message(
        self, recipient: Recipient, calendar: bytes | None, tokens: Sequence[tuple[str, str]] = ()
    ) -> bytes:
        """``tokens``: (label key, token) pairs the recipient acts with, printed under the facts."""
        letter = self.letter(language_of(recipient), recipient.zone, tuple(label for label, _ in tokens))
        text, html = (
            letter.text.replace(_NAME, recipient.name),
            letter.html.replace(_NAME, str(escape(recipient.name))),
        )
        for label, token in tokens:
            text = text.replace(_token_mark(label), token)
            html = html.replace(_token_mark(label), str(escape(token)))
        identifier = message_id(self.outgoing, recipient.id, self.domain)
        # Fixed boundaries: the parts are base64 and no line of theirs begins with "--".
        stem = hashlib.sha256(identifier.encode()).hexdigest()[:24]
        alternative = f"alt-{stem}"
        parts = [_text_part("plain", text), _text_part("html", html)]
        with_calendar = self.method is not None and calendar is not None
        if with_calendar:
            encoded = _base64(calendar)  # type: ignore[arg-type]
            parts.append(
                "MIME-Version: 1.0\n"
                "Content-Transfer-Encoding: base64\n"
                f"Content-Type: {self.calendar_type}\n\n" + encoded
            )
        body = "".join(f"\n--{alternative}\n{part}" for part in parts) + f"\n--{alternative}--\n"
        top = f'multipart/alternative; boundary="{alternative}"'
        attachments = []
        if with_calendar:
            attachments.append(
                self.attachment_type + 'Content-Disposition: attachment; filename="invite.ics"\n\n' + encoded
            )
        if self.document is not None:
            name, pdf = self.document
            attachments.append(
                _header("Content-Type", f'application/pdf; name="{name}"')
                + f'Content-Disposition: attachment; filename="{name}"\n\n'
                + pdf
            )
        if attachments:
            mixed = f"mixed-{stem}"
            body = (
                f"\n--{mixed}\n"
                f"Content-Type: {top}\n"
                "MIME-Version: 1.0\n"
                + body
                + "".join(
                    f"\n--{mixed}\nMIME-Version: 1.0\nContent-Transfer-Encoding: base64\n" + attachment
                    for attachment in attachments
                )
                + f"\n--{mixed}--\n"
            )
            top = f'multipart/mixed; boundary="{mixed}"'
        head = (
            f"Content-Type: {top}\n"
            "MIME-Version: 1.0\n"
            + letter.subject
            + self.from_lines
            + _header("To", formataddr((recipient.name, recipient.email), "utf-8"))
            + self.date_line
            + _header("Message-ID", identifier)
            + self.trailer
        )
        return (head + body).encode("utf-8")


def compose(
    outgoing: Outgoing,
    recipient: Recipient,
    sender: Sender,
    calendar: bytes | None,
    tokens: Sequence[tuple[str, str]] = (),
) -> bytes:
    """One message on its own; a mailing to many makes one Composer and asks it for each."""
    return Composer(outgoing, sender).message(recipient, calendar, tokens)


def language_of(recipient: Recipient) -> str:
    return recipient.language if recipient.language in ("id", "en") else "id"


def _attendee_role(recipient: Recipient) -> str:
    return "CHAIR" if recipient.role == "facilitator" else "REQ-PARTICIPANT"
