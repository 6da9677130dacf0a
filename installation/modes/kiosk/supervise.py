"""Restarting the kiosk on desktops without systemd user sessions: ``installation kiosk --supervise``."""

from __future__ import annotations

import logging
import signal
import subprocess
import threading
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Protocol

from installation.modes.kiosk.exits import EXIT_CODES, EXIT_CONFIG, EXIT_OK, EXIT_USAGE

log = logging.getLogger(__name__)


class Child(Protocol):
    """The kiosk's process, as the supervisor sees it (a ``subprocess.Popen``)."""

    def wait(self) -> int: ...

    def terminate(self) -> None: ...


def _start_child(command: list[str]) -> subprocess.Popen[bytes]:
    # The kiosk's own lines (a configuration error, say) go where this command's would,
    # not into its log of native libraries' messages.
    from installation.console import child_stderr

    return subprocess.Popen(command, stderr=child_stderr())


def supervise(
    command: Sequence[str], *, delay: float = 5.0, popen: Callable[[list[str]], Child] = _start_child
) -> int:
    """Run ``command`` and start it again after ``delay`` s whenever it exits wanting a restart.

    The supervisor for desktops without systemd user sessions (the XDG
    autostart entry runs ``installation kiosk --supervise``), on the systemd
    unit's rules: it stops after a normal quit or a configuration or usage
    error, and starts the kiosk again after anything else (a crash, the
    watchdog, another kiosk still holding the lock).
    """
    stop = threading.Event()
    child: list[Child] = []

    def terminate(signum: int, frame: FrameType | None) -> None:
        stop.set()
        if child:
            child[0].terminate()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, terminate)
        signal.signal(signal.SIGHUP, terminate)
    while True:
        process = popen(list(command))
        child[:] = [process]
        code = process.wait()
        if stop.is_set() or code in (EXIT_OK, EXIT_USAGE, EXIT_CONFIG) or code < 0:
            return max(0, code)
        log.warning(
            "kiosk exited with code %d (%s); starting it again in %g s",
            code,
            EXIT_CODES.get(code, "unexpected"),
            delay,
        )
        if stop.wait(delay):
            return EXIT_OK
