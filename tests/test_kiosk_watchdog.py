"""The kiosk's heartbeat file and watchdog (installation/modes/kiosk/watchdog.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from installation.modes.kiosk.exits import EXIT_RESTART
from installation.modes.kiosk.watchdog import Heartbeat, Watchdog


def test_the_heartbeat_is_written_only_while_frames_flow(home: Path) -> None:
    now = [0.0]
    path = home / "beat"
    dog = Watchdog(
        10.0, clock=lambda: now[0], heartbeat=Heartbeat(path, interval=2.0), on_stall=lambda r: None
    )
    dog.frame()
    dog.check()
    pid, written, frames = path.read_text().split()
    assert int(pid) == os.getpid() and int(frames) == 1 and abs(int(written) - time.time()) < 60
    now[0] = 1.0
    dog.frame()
    dog.check()
    assert path.read_text().split()[2] == "1"  # not yet: every two seconds
    now[0] = 2.5
    dog.frame()
    dog.check()
    assert path.read_text().split()[2] == "3"
    now[0] = 6.0  # no frame since: the heartbeat stops, so a hang shows from outside
    dog.check()
    assert path.read_text().split()[2] == "3"


def test_a_stalled_screen_ends_the_process_with_the_restart_code_and_logs_why(
    home: Path, child_env: dict[str, str]
) -> None:
    log_dir = home / "logs"
    script = textwrap.dedent(f"""
        from pathlib import Path
        from installation.modes.kiosk.watchdog import Watchdog
        from installation.logs import setup_logging
        setup_logging(Path({str(log_dir)!r}))
        now = [0.0]
        dog = Watchdog(10.0, clock=lambda: now[0])
        dog.frame()
        now[0] = 12.0
        dog.check()
        print("still running")
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], env=child_env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == EXIT_RESTART, done.stderr
    assert "still running" not in done.stdout
    logged = (log_dir / "monitoring-room.log").read_text()
    assert "watchdog: no frame reached the screen for 12.0 s" in logged
    assert f"exiting with code {EXIT_RESTART}" in logged
