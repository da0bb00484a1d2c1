from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from models.cycle import CycleFileError, load_cycle
from models.reference import DeskKind
from tests.conftest import CYCLE_2022, write_cycle


def test_2022_file_carries_the_source_facts() -> None:
    cycle = load_cycle(CYCLE_2022)
    assert cycle.year == 2022 and cycle.plan_year == 2023
    assert cycle.organizer.name.startswith("Direktorat Jenderal Bina Pembangunan Daerah")
    assert cycle.pre_meeting.starts_at.date() == date(2022, 2, 7)
    assert cycle.pre_meeting.virtual and "Sotis Kemang" in cycle.pre_meeting.host_studio
    assert cycle.pre_meeting.expected_participants == 910
    assert (cycle.desk_sessions.window_start, cycle.desk_sessions.window_end) == (
        date(2022, 2, 21),
        date(2022, 3, 8),
    )
    assert "Bidakara" in cycle.desk_sessions.venue and cycle.desk_sessions.online_link
    assert len(cycle.provinces) == 34
    assert [p.code for p in cycle.provinces][:2] == ["11", "12"]
    assert len(cycle.desks) == 36
    assert sum(d.kind is DeskKind.URUSAN for d in cycle.desks) == 32
    assert len(cycle.participants) == 910
    assert all(p.has_reserved_address for p in cycle.participants)


def test_zones_follow_the_reference() -> None:
    zones = {p.code: p.zone for p in load_cycle(CYCLE_2022).provinces}
    assert zones["61"] == zones["62"] == "Asia/Pontianak"
    assert zones["51"] == zones["75"] == zones["65"] == "Asia/Makassar"
    assert zones["81"] == zones["82"] == zones["91"] == zones["94"] == "Asia/Jayapura"
    assert zones["31"] == "Asia/Jakarta"


def test_a_later_cycle_can_list_todays_38_provinces(tmp_path: Path) -> None:
    codes = [*load_cycle(CYCLE_2022).provinces]
    path = write_cycle(tmp_path, [p.code for p in codes] + ["92", "95", "96", "97"])
    # The directory of 2022 has no delegation for the new provinces: the error says so.
    with pytest.raises(CycleFileError) as error:
        load_cycle(path)
    assert "province 95 Papua Selatan has no regional_signer" in str(error.value)


@pytest.mark.parametrize(
    ("old", "new", "field", "reason"),
    [
        (
            'provinces = ["11", "12"]',
            'provinces = ["11", "12", "99"]',
            "provinces",
            "unknown BPS province code(s): 99",
        ),
        ('"11", "12"', '"11", "11"', "provinces", "province listed twice: 11"),
        (
            "window_end = 2022-03-08",
            "window_end = 2022-02-01",
            "desk_sessions",
            "window_end 2022-02-01 is before window_start",
        ),
        (
            "window_start = 2022-02-21\nwindow_end = 2022-03-08",
            "window_start = 2022-02-26\nwindow_end = 2022-02-28",
            "desk_sessions",
            "holds no working day",
        ),
        (
            'venue_zone = "Asia/Jakarta"',
            'venue_zone = "Asia/Bandung"',
            "desk_sessions.venue_zone",
            "unknown time zone",
        ),
        (
            'mailbox = "sekretariat.rakortek@bangda.kemendagri.test"',
            'mailbox = "sekretariat rakortek"',
            "organizer.mailbox",
            "invalid e-mail address",
        ),
        (
            "sign_off = 2022-03-16T16:00:00",
            "sign_off = 2022-03-01T16:00:00",
            "(file)",
            "deadlines.sign_off (2022-03-01 16:00:00) comes before deadlines.confirmation",
        ),
        ("year = 2022", "year = 2022\nyear = 2023", "(file)", "not valid TOML"),
        (
            "session_minutes = 60",
            "session_minutes = -60",
            "desk_sessions.session_minutes",
            "greater than or equal",
        ),
        ("[cycle]", "colour = 'red'\n[cycle]", "colour", "Extra inputs are not permitted"),
        # What goes into calendars and letters as it is: refused at load, not when mail is made.
        (
            'online_link = "https://vicon.kemendagri.test/rakortekrenbang-2022"',
            'online_link = "https://vicon.kemendagri.test/rakortek\\r\\nX-Evil: 1"',
            "desk_sessions.online_link",
            "must be one line without control or invisible characters",
        ),
        (
            'online_link = "https://vicon.kemendagri.test/rakortekrenbang-2022"',
            'online_link = "vicon kemendagri"',
            "desk_sessions.online_link",
            "must be an https:// web address without spaces",
        ),
        ('venue = "Hotel Bidakara', 'venue = "Hotel\\nBidakara', "desk_sessions.venue", "must be one line"),
    ],
)
def test_broken_file_names_file_field_and_reason(
    tmp_path: Path, old: str, new: str, field: str, reason: str
) -> None:
    path = write_cycle(tmp_path, ["11", "12"], {old: new})
    with pytest.raises(CycleFileError) as error:
        load_cycle(path)
    message = str(error.value)
    assert str(path) in message
    assert f": {field}: " in message
    assert reason in message


def test_duplicate_desks_are_refused(tmp_path: Path) -> None:
    desks = ('\n[[desks]]\ncode = "1.01"\nname = "Pendidikan"\nkind = "urusan"\nlead_agency = "K"\n') * 2
    path = write_cycle(tmp_path, ["11"], {"[cycle]": desks.lstrip() + "\n[cycle]"})
    with pytest.raises(CycleFileError, match=r"desk listed twice: 1\.01"):
        load_cycle(path)


def test_participant_with_bad_address_or_zone_is_named_by_line(tmp_path: Path) -> None:
    path = write_cycle(tmp_path, ["11"])
    directory = tmp_path / "participants.csv"
    lines = directory.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("@bangda.kemendagri.test", "@@bangda").replace("Asia/Jakarta", "Mars/Olympus")
    directory.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CycleFileError) as error:
        load_cycle(path)
    assert "participants.csv line 4: email" in str(error.value)
    assert "participants.csv line 4: zone: Value error, unknown time zone 'Mars/Olympus'" in str(error.value)


def test_directory_values_must_fit_one_line_and_their_columns(tmp_path: Path) -> None:
    path = write_cycle(tmp_path, ["11"])
    directory = tmp_path / "participants.csv"
    rows = list(csv.DictReader(directory.open(encoding="utf-8")))
    rows[1]["name"] = "Siti\nRahmawati"
    rows[2]["name"] = "S" * 249
    rows[3]["id"] = "ORG 03"
    with directory.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(CycleFileError) as error:
        load_cycle(path)
    message = str(error.value)
    assert (
        "participants.csv line 3: name: Value error, must be one line without control or invisible characters"
        in message
    )
    assert "participants.csv line 4: name: String should have at most 200 characters" in message
    assert "participants.csv line 5: id: String should match pattern" in message


def test_missing_file() -> None:
    with pytest.raises(CycleFileError, match="no such file"):
        load_cycle("/nowhere/cycle.toml")
