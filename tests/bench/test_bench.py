"""The benchmark command, run small: its floor mirrors the rehearsal, and it reports every figure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from settings import PROJECT_DIR


def run_bench(*args: str, timeout: int = 900) -> tuple[str, dict[str, Any]]:
    """``python -m bench ARGS`` as a person runs it: what it printed, and the figures it wrote."""
    done = subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    out = Path(done.stdout.strip().splitlines()[-1].removeprefix("figures written to "))
    results: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    return done.stdout, results


def test_engine_benchmark_compares_the_rehearsal_with_a_floor_of_the_same_shape() -> None:
    stdout, results = run_bench("engine", "--repeats", "1", "--provinces", "2", "--desks", "3", timeout=600)

    floor = results["runs"]["floor"][0]
    rehearsal = results["runs"]["rehearsal"][0]
    assert rehearsal["sessions_held"] == 2 * 3
    # The same workflows, and nearly the same activities, timers and updates: the rehearsal
    # adds its moved and cancelled sessions, the late signature and the audit trail.
    assert floor["workflows"] == rehearsal["workflows"] == 3
    assert floor["children"] == rehearsal["children"] == 2
    for kind in ("activities", "local_activities", "timers", "updates"):
        assert 0.6 * rehearsal[kind] <= floor[kind] <= rehearsal[kind], kind
    assert results["ratio"] == round(results["rehearsal_seconds_median"] / results["floor_seconds_median"], 2)
    assert 0 < floor["peak_rss_mb"] and 0 < rehearsal["peak_rss_mb"]
    assert rehearsal["largest_history_events"] > 0
    for kind in ("pre-meeting", "sessions"):
        mail = results["mail"][kind]
        assert mail["messages"] > 0 and mail["raw_aiosmtplib_per_s"] > 0
        assert mail["rakortek_per_s"] > 0 and mail["rakortek_one_at_a_time_per_s"] > 0
    assert results["schedule"]["sessions"] == 6
    assert results["machine"]["cores"] >= 1
    # What a reader sees: the comparison table with its targets.
    assert "ratio rehearsal / floor" in stdout and "≤ 1.5" in stdout


SMALL_PORTAL_RUN = (
    "--participants 30 --seconds 5 --browsers 8 --browse-seconds 5 --speed 50000 --provinces 2 --desks 3"
).split()
"""30 check-ins in 5 s; 8 people reading Beranda for 5 s during a 2 × 3 cycle at 50,000×."""


def test_portal_benchmark_reports_the_check_in_burst_and_browsing_mid_cycle() -> None:
    stdout, results = run_bench("portal", *SMALL_PORTAL_RUN)
    burst, browse = results["check_in"], results["browse"]
    # Every check-in reached the workflow and the database, each through the portal's form.
    assert burst["participants"] == burst["checked_in_workflow"] == burst["checked_in_database"] == 30
    assert burst["errors"] == 0 and burst["lost"] == 0
    assert 0 < burst["p50_ms"] <= burst["p95_ms"] <= burst["p99_ms"] <= burst["max_ms"]
    assert browse["sessions"] == 8 and browse["pages"] >= 8 and browse["errors"] == 0
    assert "p95 < 300 ms" in stdout and "p95 < 1,000 ms" in stdout


def test_bursts_benchmark_reports_every_outcome_at_once_and_a_bulk_move() -> None:
    stdout, results = run_bench("bursts", "--provinces", "2", "--desks", "3", "--sessions", "6")
    outcomes, move = results["outcomes"], results["bulk_move"]
    # Each facilitator's outcome was taken and written; each move was taken and written.
    assert outcomes["updates"] == outcomes["accepted"] == outcomes["recorded_database"] == 6
    assert outcomes["failed"] == outcomes["refused"] == outcomes["lost"] == 0
    assert move["sessions"] == move["moves_planned"] == move["accepted"] == move["moved_database"] == 6
    assert move["failed"] == move["lost"] == 0
    for figures in (outcomes, move):
        assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"] <= figures["max_ms"]
    assert "p99 < 5,000 ms" in stdout


def test_speeds_benchmark_finds_the_same_rehearsal_at_every_speed() -> None:
    _, results = run_bench("speeds", "--provinces", "2", "--desks", "3", "--speeds", "200000", "max")
    assert [run["speed"] for run in results["runs"]] == ["200000", "max"]
    for run in results["runs"]:
        assert run["messages"] > 0 and run["skipped"] == 0
        assert run["agreements"] == 2 and run["outcome_items"] > 0
    assert results["same"] == dict.fromkeys(
        ("stages", "mail", "sessions", "outcomes", "signatures", "agreements"), True
    ), results["differences"]
