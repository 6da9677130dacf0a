"""The heartbeat file and the watchdog: a stalled screen ends the process for a restart."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from installation.modes.kiosk.exits import EXIT_RESTART
from installation.modes.kiosk.files import heartbeat_path

if TYPE_CHECKING:
    from installation.control.state import IndicatorState

log = logging.getLogger(__name__)

#: Seconds between heartbeats while frames reach the screen.
HEARTBEAT_SECONDS = 2.0


class Heartbeat:
    """A small file rewritten while frames reach the screen; its age tells a supervisor whether it hangs."""

    def __init__(self, path: Path, interval: float = HEARTBEAT_SECONDS) -> None:
        self.path = path
        self.interval = interval
        self._last: float | None = None
        self._frames = -1

    def due(self, now: float, frames: int) -> bool:
        """Time for a beat: the interval has passed and frames have been shown since the last one."""
        return frames != self._frames and (self._last is None or now - self._last >= self.interval)

    def beat(self, now: float, frames: int) -> None:
        self._last, self._frames = now, frames
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_name(self.path.name + ".new")
            temporary.write_text(f"{os.getpid()} {time.time():.0f} {frames}\n")
            os.replace(temporary, self.path)
        except OSError as exc:  # a full disk must not stop the room; the watchdog still works
            log.debug("heartbeat %s: %s", self.path, exc)


def heartbeat_age(path: Path | None = None) -> float | None:
    """Seconds since the heartbeat file was last written, or None when there is none."""
    try:
        return max(0.0, time.time() - (path or heartbeat_path()).stat().st_mtime)
    except OSError:
        return None


def restart_now(reason: str, before_exit: Sequence[Callable[[], None]] = ()) -> None:
    """Log why, undo what must be undone, and end the process with :data:`EXIT_RESTART`."""
    log.critical("watchdog: %s; exiting with code %d for a restart", reason, EXIT_RESTART)
    for undo in before_exit:
        try:
            undo()
        except Exception:  # noqa: BLE001 - the exit must happen whatever fails here
            log.debug("while exiting for a restart", exc_info=True)
    for handler in logging.getLogger().handlers:
        try:
            handler.flush()
        except Exception:  # noqa: BLE001
            pass
    os._exit(EXIT_RESTART)  # the drawing thread is stuck: a normal exit would wait for it forever


class Watchdog:
    """Notices when frames stop reaching the screen, and beats the heartbeat while they do.

    The drawing loop calls :meth:`frame` after every frame shown (as one of the
    room's listeners, through :meth:`shown`); a thread calls :meth:`check` twice
    a second. After ``timeout`` seconds without a frame, ``on_stall(reason)``
    runs once (by default: log why and exit with :data:`EXIT_RESTART`). The
    reason names where the drawing thread is stuck.

    >>> now = [0.0]
    >>> stalls = []
    >>> dog = Watchdog(10.0, clock=lambda: now[0], on_stall=stalls.append)
    >>> dog.frame(); now[0] = 9.0; dog.check() is None
    True
    >>> now[0] = 10.5; dog.check().startswith("no frame reached the screen for 10.5 s")
    True
    """

    def __init__(
        self,
        timeout: float = 10.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        heartbeat: Heartbeat | None = None,
        on_stall: Callable[[str], None] | None = None,
        interval: float = 0.5,
    ) -> None:
        self.timeout = timeout
        self.clock = clock
        self.heartbeat = heartbeat
        self.on_stall = on_stall or (lambda reason: restart_now(reason, self.before_exit))
        self.interval = interval
        #: Run before the process exits for a restart (restore the screen blanking).
        self.before_exit: list[Callable[[], None]] = []
        self.frames = 0
        self.fired: str | None = None
        self._last = clock()
        self._doing = ""
        self._drawing_thread = threading.current_thread()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def frame(self) -> None:
        """A frame reached the screen."""
        self._last = self.clock()
        self.frames += 1

    # -- as one of the room's listeners (installation.room.RoomListener) ----------------
    def indicators(self, state: IndicatorState) -> None:
        pass

    def shown(self, state: IndicatorState, now: float) -> None:
        self.frame()

    def closing(self) -> None:
        pass

    def doing(self, what: str) -> None:
        """Say what the drawing thread is busy with, for the log should it stall there ('' when done)."""
        self._doing = what

    def check(self) -> str | None:
        """Beat the heartbeat, or give up on a stalled screen; the reason once it has stalled."""
        now = self.clock()
        age = now - self._last
        if age > self.timeout:
            if self.fired is None:
                self.fired = self._reason(age)
                self.on_stall(self.fired)
            return self.fired
        if self.heartbeat is not None and self.heartbeat.due(now, self.frames):
            self.heartbeat.beat(now, self.frames)
        return None

    def _reason(self, age: float) -> str:
        reason = f"no frame reached the screen for {age:.1f} s (limit {self.timeout:g} s)"
        if self._doing:
            reason += f" while {self._doing}"
        frame: FrameType | None = sys._current_frames().get(self._drawing_thread.ident or -1)
        if frame is not None:
            stack = traceback.extract_stack(frame)[-3:]
            where = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(stack))
            reason += f"; the drawing thread is at {where}"
        return reason

    def start(self) -> None:
        """Watch from a thread of its own; the thread calling this is the one that draws."""
        self._drawing_thread = threading.current_thread()
        self._last = self.clock()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="watchdog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception:  # noqa: BLE001 - the watchdog itself must never die
                log.exception("watchdog check failed")
