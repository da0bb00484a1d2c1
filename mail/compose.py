"""One message for one recipient: templates in the recipient's language, times in their zone."""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from mail.calendar import Person, build_calendar
from mail.dates import letter_datetime
from models.messages import Outgoing

_UNSAFE_IN_ID = re.compile(r"[^A-Za-z0-9._-]")
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


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


@cache
def _labels() -> dict[str, dict[str, str]]:
    return tomllib.loads((TEMPLATES_DIR / "mail" / "labels.toml").read_text(encoding="utf-8"))


def message_id(outgoing: Outgoing, recipient_id: str, domain: str) -> str:
    """The same (subject, recipient, kind, sequence) always gets the same Message-ID."""
    parts = [outgoing.kind.value, outgoing.variant, outgoing.subject_ref, str(outgoing.sequence)]
    local = ".".join(p for p in parts if p) + "." + recipient_id
    return f"<{_UNSAFE_IN_ID.sub('-', local)}@{domain}>"


def _render_block(template_name: str, block: str, context: dict[str, Any]) -> str:
    template = _environment().get_template(template_name)
    return "".join(template.blocks[block](template.new_context(context))).strip()


def _reminder_when(variant: str, language: str, facts: dict[str, Any]) -> str:
    if variant == "day-before":
        return "pada hari kerja berikutnya" if language == "id" else "on the next working day"
    minutes = int(facts.get("minutes_before") or 60)
    if minutes == 60:
        return "satu jam lagi" if language == "id" else "in one hour"
    return f"{minutes} menit lagi" if language == "id" else f"in {minutes} minutes"


def calendar_description(outgoing: Outgoing, language: str) -> str:
    """What the calendar entry says: the same for every attendee reading one language."""
    event = outgoing.event
    assert event is not None
    labels = _labels()[language]
    lines = [
        event.summary,
        f"{labels['when_venue']}: {letter_datetime(event.starts_at, event.zone, language)}",
        f"{labels['location']}: {event.location}",
    ]
    if event.online_link:
        # Repeated here: Outlook, Thunderbird and Apple Calendar do not show CONFERENCE.
        lines.append(f"{labels['online']}: {event.online_link}")
    return "\n".join(lines)


def invitation(outgoing: Outgoing, language: str, sender: Sender, attendees: list[Recipient]) -> bytes | None:
    """The iCalendar object of an invitation or cancellation, or None for other mail."""
    method = outgoing.kind.calendar_method
    if method is None or outgoing.event is None:
        return None
    organizer = Person(sender.organizer_name, sender.organizer_mailbox)
    people = [Person(a.name, a.email, _attendee_role(a)) for a in attendees]
    return build_calendar(
        outgoing.event,
        method,
        organizer,
        people,
        outgoing.made_at,
        calendar_description(outgoing, language),
    )


def compose(
    outgoing: Outgoing,
    recipient: Recipient,
    sender: Sender,
    calendar: bytes | None,
    tokens: Sequence[tuple[str, str]] = (),
) -> Message:
    """``tokens``: (label key, token) pairs the recipient acts with, printed under the facts."""
    language = language_of(recipient)
    labels = _labels()[language]
    facts: dict[str, Any] = dict(outgoing.facts)
    context: dict[str, Any] = {
        **facts,
        "year": outgoing.year,
        "recipient_name": recipient.name,
        "reminder_when": _reminder_when(outgoing.variant, language, facts),
        "region": region_title(facts, language),
    }
    details: list[tuple[str, str, str | None]] = []
    event = outgoing.event
    if event is not None:
        context["when"] = letter_datetime(event.starts_at, recipient.zone, language)
        context["when_venue"] = letter_datetime(event.starts_at, event.zone, language)
        context["location"] = event.location
        details.append((labels["when"], context["when"], None))
        if recipient.zone != event.zone:
            details.append((labels["when_venue"], context["when_venue"], None))
        details.append((labels["location"], event.location, None))
        if event.online_link:
            details.append((labels["online"], event.online_link, event.online_link))
    if facts.get("deadline_at"):
        deadline = datetime.fromisoformat(str(facts["deadline_at"]))
        context["deadline"] = letter_datetime(deadline, recipient.zone, language)
        details.append((labels["deadline"], context["deadline"], None))
    details.append((labels["reply_to"], sender.organizer_mailbox, f"mailto:{sender.organizer_mailbox}"))
    for label, token in tokens:
        details.append((labels[label], token, None))

    template_name = f"mail/{language}/{outgoing.kind.value}.j2"
    subject = _render_block(template_name, "subject", context)
    body = _render_block(template_name, "body", context)
    method = outgoing.kind.calendar_method
    footer = labels["footer"] + (" " + labels["attachment_hint"] if method else "")
    page = {
        "language": language,
        "subject": subject,
        "body": body,
        "paragraphs": [p.strip() for p in body.split("\n\n") if p.strip()],
        "details": details,
        "organizer_name": sender.organizer_name,
        "footer": footer,
    }
    env = _environment()
    text = env.get_template("mail/message.txt.j2").render(page)
    html = env.get_template("mail/message.html.j2").render(page)

    # The compat32 MIME classes: several times faster than EmailMessage's header registry,
    # which matters at tens of thousands of messages per cycle.
    domain = sender.address.rsplit("@", 1)[-1]
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText(text, "plain", "utf-8"))
    alternative.attach(MIMEText(html, "html", "utf-8"))
    message: Message
    if method is not None and calendar is not None:
        inline = MIMEText(calendar.decode("utf-8"), "calendar", "utf-8")
        inline.set_param("method", method)
        alternative.attach(inline)
        attachment = MIMEText(calendar.decode("utf-8"), "calendar", "utf-8")
        attachment.set_param("method", method)
        attachment.set_param("name", "invite.ics")
        attachment.add_header("Content-Disposition", "attachment", filename="invite.ics")
        message = MIMEMultipart("mixed")
        message.attach(alternative)
        message.attach(attachment)
    else:
        message = alternative
    # Fixed boundaries: the generator would otherwise draw one at random and scan every part
    # for it. Parts are base64 and no line of theirs begins with "--".
    stem = hashlib.sha256(message_id(outgoing, recipient.id, domain).encode()).hexdigest()[:24]
    alternative.set_boundary(f"alt-{stem}")
    if message is not alternative:
        message.set_boundary(f"mixed-{stem}")
    message["Subject"] = Header(subject, "utf-8").encode()
    message["From"] = formataddr((sender.organizer_name, sender.address), "utf-8")
    message["Reply-To"] = formataddr((sender.organizer_name, sender.organizer_mailbox), "utf-8")
    message["To"] = formataddr((recipient.name, recipient.email), "utf-8")
    message["Date"] = format_datetime(outgoing.made_at)
    message["Message-ID"] = message_id(outgoing, recipient.id, domain)
    message["X-Rakortek-Kind"] = outgoing.kind.value
    if outgoing.session_id:
        message["X-Rakortek-Session"] = outgoing.session_id
    return message


def region_title(facts: dict[str, Any], language: str) -> str:
    """ "Provinsi Aceh" / "Aceh Province"; a kabupaten/kota's own name says what it is."""
    name = facts.get("province_name")
    if name is None:
        return ""
    if facts.get("region_kind") == "kabupaten_kota":
        return str(name)
    return f"Provinsi {name}" if language == "id" else f"{name} Province"


def language_of(recipient: Recipient) -> str:
    return recipient.language if recipient.language in ("id", "en") else "id"


def _attendee_role(recipient: Recipient) -> str:
    return "CHAIR" if recipient.role == "facilitator" else "REQ-PARTICIPANT"
