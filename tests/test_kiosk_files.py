"""One kiosk at a time: the lock in the runtime folder (installation/modes/kiosk/files.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from installation.modes.kiosk.exits import EXIT_RUNNING
from installation.modes.kiosk.files import InstanceLock, lock_path, running_pid


def test_a_second_kiosk_says_one_is_running_and_exits(home: Path, child_env: dict[str, str]) -> None:
    with InstanceLock(lock_path()):
        assert running_pid() == os.getpid()
        done = subprocess.run(
            [sys.executable, "-m", "installation", "kiosk", "--demo", "--headless", "--frames", "1"],
            env=child_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == EXIT_RUNNING
    assert f"already running (pid {os.getpid()})" in done.stderr
    assert running_pid() is None


def test_the_lock_goes_with_its_process_however_it_ends(home: Path, child_env: dict[str, str]) -> None:
    script = (
        "import os; from installation.modes.kiosk.files import InstanceLock, lock_path; "
        "InstanceLock(lock_path()).acquire(); os._exit(9)"
    )
    assert subprocess.run([sys.executable, "-c", script], env=child_env, timeout=60).returncode == 9
    assert running_pid() is None
    with InstanceLock(lock_path()):
        pass
