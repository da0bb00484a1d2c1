"""CPU seconds of a process, read from /proc: the engine's (the Temporal server) beside the workers'."""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User and system time of ``pid`` so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the command's closing parenthesis: state is field 0, utime 11, stime 12.
    return (int(fields[11]) + int(fields[12])) / TICKS


def children_named(word: str) -> list[int]:
    """This process's children whose command line names ``word`` (the test server it started)."""
    found = []
    me = str(os.getpid())
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
            command = (status.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if fields.get("PPid", "").strip() == me and word in command:
            found.append(int(status.parent.name))
    return found


class EngineClock:
    """CPU seconds the Temporal server this process started spends between start() and stop()."""

    def __init__(self, word: str = "temporal-test-server") -> None:
        self.pids = children_named(word)
        self.before = 0.0
        self.seconds = 0.0

    def start(self) -> None:
        self.before = sum(cpu_seconds(pid) for pid in self.pids)

    def stop(self) -> float:
        self.seconds = round(sum(cpu_seconds(pid) for pid in self.pids) - self.before, 1)
        return self.seconds
