"""iTIP replies as calendars send them, for the tests that feed them in."""

from __future__ import annotations

from email.message import EmailMessage

UID = "rakortek-2022-94-1.01@bangda.kemendagri.test"
AUTHSERV = "mx.bangda.kemendagri.test"
"""The organizer's mail server, trusted to vouch for senders (RAKORTEK_REPLY_AUTHSERV_ID)."""


def ics(
    method: str = "REPLY",
    attendees: tuple[str, ...] = ("yohanes@papua.prov.test",),
    partstat: str = "ACCEPTED",
    uid: str = UID,
    sequence: int = 0,
) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//test//EN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"SEQUENCE:{sequence}",
        "DTSTAMP:20220218T010000Z",
    ]
    lines += [f"ATTENDEE;PARTSTAT={partstat}:mailto:{a}" for a in attendees]
    lines += ["END:VEVENT", "END:VCALENDAR", ""]
    return "\r\n".join(lines)


def eml(
    calendar: str,
    sender: str | None = "yohanes@papua.prov.test",
    vouched: str | None = "",
    authserv: str = AUTHSERV,
) -> bytes:
    """A reply as the organizer's mail server delivers it: ``vouched``, the domain its
    Authentication-Results says passed DKIM and DMARC ("": the sender's; None: no header)."""
    message = EmailMessage()
    if vouched is not None:
        domain = vouched or (sender or "").rsplit("@", 1)[-1]
        message["Authentication-Results"] = (
            f"{authserv}; dkim=pass header.d={domain} header.s=s1; spf=pass; dmarc=pass header.from={domain}"
        )
    if sender is not None:
        message["From"] = f"Yohanes Rumbiak <{sender}>"
    message["To"] = "sekretariat.rakortek@bangda.kemendagri.test"
    message["Subject"] = "Accepted: Desk Urusan Pendidikan"
    message.set_content("Accepted")
    message.add_alternative(calendar, subtype="calendar", params={"method": "REPLY"})
    return message.as_bytes()
