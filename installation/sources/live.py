"""Live mode: a source read on its own thread, handing over only the newest frame.

The reader never waits for the consumer: a slow consumer simply skips
frames. A source that fails is reopened with a growing pause capped at one
second, for as long as it takes; the thread never raises and never stops on
its own. Stopping never waits long for a reader stuck inside a driver or a
network call: it is left to finish that call on its own, and then closes its
source and ends.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

from installation.errors import SourceError
from installation.frames import Frame
from installation.sources.base import FrameSource, log
from installation.sources.factory import open_source
from installation.sources.spec import parse_spec

#: The longest pause between attempts to reopen a failed source, in seconds.
MAX_RETRY_DELAY = 1.0
#: How long after being asked to stop :meth:`LiveSource.stop` waits for its reader. A reader
#: that is not stuck ends within milliseconds; one stuck opening a camera that never answers
#: would hold up closing the room (and every camera stopped after it) for its whole open
#: timeout. Counted from the request, so cameras asked together share one wait.
STOP_WAIT = 1.0
# A file decoding slower than its frame rate plays slower; it does not race to catch up.
_MAX_LAG = 0.25
_FPS_WINDOW = 30


def retry_delay(attempt: int) -> float:
    """Seconds to wait before reopening after ``attempt`` failed tries in a row.

    >>> [retry_delay(n) for n in range(6)]
    [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    """
    return min(MAX_RETRY_DELAY, round(0.1 * 2 ** min(attempt, 10), 3))


@dataclass(frozen=True)
class SourceStatus:
    """How a live source is doing, as shown on screen and in logs.

    ``reason`` is empty while ``ok``, else one line such as
    ``"camera:0: camera stopped sending (unplugged?)"``; ``since`` is the clock
    time the current state began; ``frames`` counts frames read since start;
    ``fps`` is the measured capture rate (0 while not ok).
    """

    ok: bool
    reason: str
    since: float
    frames: int
    fps: float


class LiveSource:
    """Reads a source on its own thread; consumers take the newest frame.

    Files and patterns play at their own frame rate and loop; cameras and
    streams deliver as fast as they send. ``opener`` (for tests and custom
    sources) replaces ``open_source(spec, name=..., loop=True)``; ``spec`` then
    only names the source. Frame ``index`` values only grow, across reopens too,
    and serve as the sequence numbers for :meth:`latest` and :meth:`wait`.

    >>> with LiveSource("pattern:bars?size=64x36&fps=50") as live:
    ...     first = live.wait(-1, timeout=5)
    ...     second = live.wait(first.index, timeout=5)
    >>> first.width, second.index > first.index, live.status.frames >= 2
    (64, True, True)
    """

    def __init__(
        self,
        spec: str,
        *,
        name: str | None = None,
        opener: Callable[[], FrameSource] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.spec = spec
        if opener is None:
            parsed = parse_spec(spec)  # a malformed string fails here, not on the thread
            self.name = name or parsed.name
            label = self.name
            opener = lambda: open_source(spec, name=label, loop=True)  # noqa: E731
        else:
            self.name = name or spec
        self._opener = opener
        self._clock = clock
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._stop_asked = 0.0
        self._thread: threading.Thread | None = None
        self._latest: Frame | None = None
        self._last_index = -1
        self._offset = 0
        self._ok = False
        self._reason = f"{self.name}: starting"
        self._since = clock()
        self._frames = 0
        self._times: collections.deque[float] = collections.deque(maxlen=_FPS_WINDOW)
        self._announced_loss = False
        self._ever_ok = False
        self._delivered_since_open = False

    # -- consumer side -----------------------------------------------------
    @property
    def status(self) -> SourceStatus:
        with self._cond:
            fps = 0.0
            if self._ok and len(self._times) >= 2 and self._times[-1] > self._times[0]:
                fps = (len(self._times) - 1) / (self._times[-1] - self._times[0])
            return SourceStatus(self._ok, "" if self._ok else self._reason, self._since, self._frames, fps)

    def latest(self, after: int = -1) -> Frame | None:
        """The newest frame if its index is greater than ``after``, else ``None``; never waits."""
        with self._cond:
            frame = self._latest
        return frame if frame is not None and frame.index > after else None

    def wait(self, after: int, timeout: float) -> Frame | None:
        """Wait for a frame with index above ``after``; return the newest, or ``None`` after ``timeout`` s."""
        with self._cond:
            self._cond.wait_for(lambda: self._stop.is_set() or self._newer_than(after), timeout)
            frame = self._latest
        return frame if frame is not None and frame.index > after else None

    def _newer_than(self, after: int) -> bool:
        return self._latest is not None and self._latest.index > after

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> None:
        """Start reading (again, after :meth:`stop`); does nothing if already running."""
        if self._thread is not None and self._thread.is_alive() and not self._stop.is_set():
            return
        # Each reader has its own stop event: one left behind in a stuck call by an earlier
        # stop() still ends when that call returns, while this one reads on.
        self._stop = stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(stop,), name=f"source {self.name}", daemon=True
        )
        self._thread.start()

    def request_stop(self) -> None:
        """Ask the reader to stop and wake anyone waiting, without waiting for it (see :meth:`stop`)."""
        if not self._stop.is_set():
            self._stop_asked = time.monotonic()
        self._stop.set()
        with self._cond:
            self._cond.notify_all()

    def stop(self, timeout: float | None = None) -> None:
        """Stop reading and wait for the reader to end: up to ``timeout`` s, by default until
        :data:`STOP_WAIT` after the stop was first asked for.

        A reader still inside a blocking call after that (a camera that accepted
        the connection and never answers) is left to end by itself when the
        call gives up; it then closes its source. It never delivers again.
        """
        self.request_stop()
        if timeout is None:
            timeout = max(0.0, self._stop_asked + STOP_WAIT - time.monotonic())
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                log.info("%s: reader still busy %.1f s after stop; it ends by itself", self.name, timeout)
            self._thread = None

    def __enter__(self) -> LiveSource:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- reader thread -----------------------------------------------------
    def _run(self, stop: threading.Event) -> None:
        attempt = 0
        while not stop.is_set():
            source: FrameSource | None = None
            self._delivered_since_open = False
            try:
                source = self._opener()
                if self._pump(source, stop):
                    attempt = 0
                    continue
                if stop.is_set():
                    break
                raise SourceError(f"{self.name}: ended without a single frame")
            except Exception as exc:  # noqa: BLE001 - whatever breaks, the installation keeps running
                if not stop.is_set():
                    self._lost(self._describe(exc))
                if self._delivered_since_open:
                    attempt = 0
            finally:
                if source is not None:
                    try:
                        source.close()
                    except Exception:  # noqa: BLE001
                        log.debug("%s: error while closing", self.name, exc_info=True)
            if stop.wait(retry_delay(attempt)):
                break
            attempt += 1

    def _pump(self, source: FrameSource, stop: threading.Event) -> bool:
        """Read until the source ends or stop is asked; True if any frame came through."""
        paced = not getattr(source, "realtime", False)
        anchor: tuple[float, float] | None = None
        previous_ts = float("-inf")
        while not stop.is_set():
            frame = source.read()
            if frame is None or stop.is_set():
                return self._delivered_since_open
            if paced:
                now = self._clock()
                if anchor is None or frame.timestamp < previous_ts:
                    anchor = (now, frame.timestamp)
                due = anchor[0] + (frame.timestamp - anchor[1])
                if due > now:
                    if stop.wait(due - now):
                        return self._delivered_since_open
                elif now - due > _MAX_LAG:
                    anchor = (now, frame.timestamp)
                previous_ts = frame.timestamp
                frame.captured = time.monotonic()
            self._publish(frame, source)
            self._delivered_since_open = True
        return self._delivered_since_open

    def _publish(self, frame: Frame, source: FrameSource) -> None:
        now = self._clock()
        came_back = False
        with self._cond:
            index = frame.index + self._offset
            if index <= self._last_index:
                self._offset += self._last_index + 1 - index
                index = self._last_index + 1
            frame.index = index
            self._last_index = index
            self._latest = frame
            self._frames += 1
            self._times.append(now)
            if not self._ok:
                self._ok, self._reason, self._since = True, "", now
                came_back = True
            self._cond.notify_all()
        if came_back:
            width, height = frame.width, frame.height
            if self._announced_loss:
                log.info("%s: signal back (%dx%d)", self.name, width, height)
            elif not self._ever_ok:
                fps = getattr(source, "fps", 0.0)
                log.info("%s: started (%dx%d at %g fps)", self.name, width, height, fps)
            self._announced_loss = False
            self._ever_ok = True

    def _lost(self, reason: str) -> None:
        with self._cond:
            was_ok = self._ok
            self._reason = reason
            if was_ok:
                self._ok, self._since = False, self._clock()
                self._times.clear()
        if not self._announced_loss:
            log.warning("signal lost: %s (retrying)", reason)
            self._announced_loss = True

    def _describe(self, exc: BaseException) -> str:
        text = str(exc) or type(exc).__name__
        if not isinstance(exc, SourceError):
            text = f"{type(exc).__name__}: {text}"
            log.debug("%s: unexpected error", self.name, exc_info=exc)
        return text if text.startswith(self.name) else f"{self.name}: {text}"
