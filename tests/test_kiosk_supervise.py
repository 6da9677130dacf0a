"""Restarting the kiosk where there is no systemd (installation/modes/kiosk/supervise.py)."""

from __future__ import annotations

from installation.modes.kiosk.exits import EXIT_CONFIG, EXIT_RESTART, EXIT_RUNNING
from installation.modes.kiosk.supervise import supervise


def test_the_supervisor_restarts_only_when_a_restart_helps() -> None:
    class Child:
        def __init__(self, code: int) -> None:
            self.code = code

        def wait(self) -> int:
            return self.code

        def terminate(self) -> None:
            pass

    codes = [EXIT_RESTART, 1, EXIT_RUNNING, 0, 99]
    started: list[list[str]] = []

    def popen(command: list[str]) -> Child:
        started.append(command)
        return Child(codes.pop(0))

    assert supervise(["kiosk"], delay=0, popen=popen) == 0
    assert len(started) == 4  # after the watchdog, a crash and a busy lock; not after a normal quit
    codes[:] = [EXIT_CONFIG, 0]
    started.clear()
    assert supervise(["kiosk"], delay=0, popen=popen) == EXIT_CONFIG and len(started) == 1
