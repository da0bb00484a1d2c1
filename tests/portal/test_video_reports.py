"""Participant reports as Zoom and Google Meet export them, read into the daftar hadir."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from portal.video_reports import ReportError, read_report

WIB = ZoneInfo("Asia/Jakarta")
STARTS = datetime(2022, 2, 21, 9, 0, tzinfo=WIB)
INVITEES = {"Sri.Mahendra@papua.prov.test": "P94-OPD-01", "sri.tanjung@bangda.kemendagri.test": "FAC-1.01"}

ZOOM = """Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants
812 3456 7890,Desk Pendidikan,02/21/2022 08:55:02 AM,02/21/2022 10:02:11 AM,host@bangda.test,68,3

Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest
Sri Mahendra,sri.mahendra@papua.prov.test,02/21/2022 09:03:10 AM,02/21/2022 09:40:00 AM,37,Yes
Sri Mahendra,sri.mahendra@papua.prov.test,02/21/2022 08:58:45 AM,02/21/2022 09:02:00 AM,4,Yes
Tamu,tamu@example.org,02/21/2022 09:10:00 AM,02/21/2022 09:20:00 AM,10,Yes
"""

MEET = """First name,Last name,Email,Duration,Time joined,Time exited
Sri,Tanjung,SRI.TANJUNG@bangda.kemendagri.test,1 hr,9:01 AM,10:01 AM
"""


def test_a_zoom_report_counts_each_invitee_once_from_their_first_joining() -> None:
    report = read_report(ZOOM.encode("utf-8-sig"), INVITEES, STARTS, "Asia/Jakarta")
    assert [(j.participant, j.joined_at) for j in report.present] == [
        ("P94-OPD-01", datetime(2022, 2, 21, 8, 58, 45, tzinfo=WIB))
    ]
    assert report.unmatched == [(7, "Tamu", "tamu@example.org")] and report.rows == 3


def test_a_meet_report_gives_the_time_of_day_on_the_meetings_day() -> None:
    report = read_report(MEET.encode(), INVITEES, STARTS, "Asia/Jakarta")
    (joined,) = report.present
    assert joined.participant == "FAC-1.01" and joined.joined_at == datetime(2022, 2, 21, 9, 1, tzinfo=WIB)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Name,Join Time\nSri,09:00\n", "no column of e-mail addresses"),
        ("Name,Email\nSri,sri.mahendra@papua.prov.test\n", "line 1: no column of joining times"),
        (
            "Email,Join Time\nsri.mahendra@papua.prov.test,kemarin sore\n",
            "line 2: 'kemarin sore' is not a time",
        ),
    ],
)
def test_a_file_that_is_not_a_participant_report_says_what_and_where(text: str, says: str) -> None:
    with pytest.raises(ReportError, match=says):
        read_report(text.encode(), INVITEES, STARTS, "Asia/Jakarta")
