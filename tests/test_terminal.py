"""What a person at the terminal sees: only the installation's own lines, and no traceback when the
reader of the output goes away. Each test runs the real command in a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from installation.stats import Counts, Row, StatsLog, stats_file

ROOT = Path(__file__).resolve().parents[1]


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", **extra)
    # This checkout's package, whatever is installed in the environment.
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


@pytest.mark.parametrize("args", [["stats"], ["config", "init", "-"]], ids=["stats", "config-init"])
def test_a_reader_that_stops_early_ends_the_command_quietly(tmp_path: Path, args: list[str]) -> None:
    """``installation stats | head``: the pipe closes before the command has written; no traceback."""
    StatsLog(stats_file(tmp_path)).append(
        [Row("minute", datetime(2024, 5, 1, 10, m), "Kiosk", Counts(faces_seen=1)) for m in range(3)]
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "installation", *args], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env=_env(MONITORING_ROOM_DATA_DIR=str(tmp_path)),
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # long before the interpreter has started, let alone written
    err = process.stderr.read().decode()
    code = process.wait(timeout=120)
    assert err == ""
    assert code == 141  # as a shell reports a command that SIGPIPE ended
