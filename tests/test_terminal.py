"""What a person at the terminal sees: only the installation's own lines, and no traceback when the
reader of the output goes away. Each test runs the real command in a process of its own."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from installation.resources import footage_dir
from installation.stats.store import Counts, Row, StatsLog, stats_file

ROOT = Path(__file__).resolve().parents[1]
KIOSK = footage_dir() / "kiosk.mp4"
#: A line of the installation's own log on the terminal.
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: ")


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", **extra)
    # This checkout's package, whatever is installed in the environment.
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


def _closed_port() -> int:
    """A local TCP port nothing listens on (it was free a moment ago)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _installation(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = _env(
        MONITORING_ROOM_DATA_DIR=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_RUNTIME_DIR=str(home),
    )
    return subprocess.run(
        [sys.executable, "-m", "installation", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_native_libraries_write_to_the_debug_log_not_the_terminal(tmp_path: Path) -> None:
    """A BlazeFace camera (MediaPipe, TensorFlow Lite) and a camera that cannot be reached (OpenCV,
    FFmpeg): by default the terminal has the installation's own lines only; ``--verbose`` adds the
    libraries' messages, as debug lines of the log."""
    config = tmp_path / "room.toml"
    config.write_text(
        f'[hardware]\nport = "none"\n\n'
        f'[[cameras]]\nname = "Kiosk"\nsource = "{KIOSK}"\ndetector = "blazeface-short+blazeface-full"\n\n'
        f'[[cameras]]\nname = "Door"\nsource = "rtsp://127.0.0.1:{_closed_port()}/stream"\n',
        encoding="utf-8",
    )
    room = ["run", "--config", str(config), "--headless", "--frames", "60"]
    quiet = _installation(*room, home=tmp_path)
    assert quiet.returncode == 0, quiet.stderr
    assert [line for line in quiet.stderr.splitlines() if not LOG_LINE.match(line)] == []
    assert "DEBUG" not in quiet.stderr and "Door" in quiet.stderr  # the lost camera is still reported
    verbose = _installation("--verbose", *room, home=tmp_path)
    assert verbose.returncode == 0, verbose.stderr
    native = [line for line in verbose.stderr.splitlines() if " DEBUG installation.native: " in line]
    assert any("TensorFlow Lite" in line for line in native), verbose.stderr
    assert [line for line in verbose.stderr.splitlines() if not LOG_LINE.match(line)] == []


@pytest.mark.parametrize("args", [["stats"], ["config", "init", "-"]], ids=["stats", "config-init"])
def test_a_reader_that_stops_early_ends_the_command_quietly(tmp_path: Path, args: list[str]) -> None:
    """``installation stats | head``: the pipe closes before the command has written; no traceback."""
    StatsLog(stats_file(tmp_path)).append(
        [Row("minute", datetime(2024, 5, 1, 10, m), "Kiosk", Counts(faces_seen=1)) for m in range(3)]
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "installation", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(MONITORING_ROOM_DATA_DIR=str(tmp_path)),
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # long before the interpreter has started, let alone written
    err = process.stderr.read().decode()
    code = process.wait(timeout=120)
    assert err == ""
    assert code == 141  # as a shell reports a command that SIGPIPE ended


#: Runs in a process of its own: every process the detectors start on their way, one per line.
SPAWN_AUDIT = """
import sys

started = []


def audit(event, args):
    if event in ("subprocess.Popen", "os.posix_spawn", "os.exec", "os.system", "os.spawn", "os.fork",
                 "os.forkpty", "pty.spawn"):
        started.append(f"{event} {args[0]!r}")


sys.addaudithook(audit)
from installation.detect import create_detector
from installation.sources import open_source

source = open_source(sys.argv[1])
with create_detector("yunet+blazeface-short+blazeface-full") as detector:
    for _ in range(5):
        detector.detect(source.read().image)
source.close()
print("\\n".join(started))
"""


def test_loading_the_detectors_starts_no_process() -> None:
    """Importing mediapipe once ran ldconfig, gcc and ld (looking for a sound library) at every start."""
    result = subprocess.run(
        [sys.executable, "-c", SPAWN_AUDIT, str(KIOSK)],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
