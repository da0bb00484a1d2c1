"""The calendar events of a cycle: one per desk session, one for the pre-meeting.

Built alike for the invitations the workflows send and the calendar files the portal serves, so
that a download updates the entry an invitation made (same UID) rather than adding another.
"""

from __future__ import annotations

from mail.wording import pre_meeting_location, pre_meeting_summary
from models.cycle import Cycle
from models.messages import CalendarEvent
from models.sessions import DeskSession


def _domain(cycle_mailbox: str) -> str:
    return cycle_mailbox.rsplit("@", 1)[-1]


def session_uid(session_id: str, organizer_mailbox: str) -> str:
    return f"rakortek-{session_id}@{_domain(organizer_mailbox)}"


def session_event(
    session: DeskSession,
    *,
    desk_title: str,
    province_title: str,
    venue: str,
    venue_zone: str,
    organizer_mailbox: str,
) -> CalendarEvent:
    return CalendarEvent(
        uid=session_uid(session.id, organizer_mailbox),
        sequence=session.sequence,
        summary=f"{desk_title}: {province_title}",
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        zone=venue_zone,
        location=f"{venue}, {session.room}",
        online_link=session.online_link,
    )


def pre_meeting_event(cycle: Cycle) -> CalendarEvent:
    return CalendarEvent(
        uid=f"rakortek-{cycle.year}-pra@{_domain(cycle.organizer.mailbox)}",
        sequence=0,
        summary=pre_meeting_summary(cycle.year),
        starts_at=cycle.pre_meeting.starts_at,
        ends_at=cycle.pre_meeting.ends_at,
        zone=cycle.desk_sessions.venue_zone,
        location=pre_meeting_location(cycle.pre_meeting.host_studio),
        online_link=cycle.pre_meeting.online_link,
    )
