"""iTIP replies as calendars send them, for the tests that feed them in."""

from __future__ import annotations

from email.message import EmailMessage

UID = "rakortek-2022-94-1.01@bangda.kemendagri.test"


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


def eml(calendar: str, sender: str = "yohanes@papua.prov.test") -> bytes:
    message = EmailMessage()
    message["From"] = f"Yohanes Rumbiak <{sender}>"
    message["To"] = "sekretariat.rakortek@bangda.kemendagri.test"
    message["Subject"] = "Accepted: Desk Urusan Pendidikan"
    message.set_content("Accepted")
    message.add_alternative(calendar, subtype="calendar", params={"method": "REPLY"})
    return message.as_bytes()
