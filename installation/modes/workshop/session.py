"""What the workshop keeps between frames: the threshold a group moves, and the evasion challenge."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from installation.detect import THRESHOLD_RANGE
from installation.explanation import Explanation, load_explanation

if TYPE_CHECKING:
    from installation.pipeline.feeds import LiveFeed
    from installation.track import TrackedFace


class EvasionTimer:
    """How long the visitor in front of the camera has stayed unseen by the detector.

    Feed it the tracked faces of the watched camera with the time. A run
    starts when the tracker lets go of the last confirmed face, counted from
    the last frame the detector saw it (the tracker holds a face for a moment
    after a miss, so a single missed frame is no escape); it stops when the
    detector sees a confirmed face again. The longest finished run is the
    session's best; it lives in memory only. A run longer than ``max_run``
    seconds is dropped without a record: the visitor has most likely left.

    >>> from installation.track import TrackedFace
    >>> from installation.geometry import Box
    >>> face = TrackedFace(1, Box(0, 0, 50, 50), 0.9, misses=0, age=5, confirmed=True)
    >>> timer = EvasionTimer()
    >>> timer.observe([face], 10.0)
    >>> timer.observe([], 11.5)      # the tracker let go: unseen since 10.0
    >>> timer.running, timer.elapsed(12.0)
    (True, 2.0)
    >>> timer.observe([face], 14.0)  # seen again
    >>> timer.running, timer.last, timer.best
    (False, 4.0, 4.0)
    """

    def __init__(self, *, max_run: float = 120.0) -> None:
        self.max_run = max_run
        self.best: float | None = None
        self.last: float | None = None
        self._present = False
        self._last_seen: float | None = None
        self._since: float | None = None

    @property
    def running(self) -> bool:
        """True while a visitor is unseen (a run is being timed)."""
        return self._since is not None

    @property
    def present(self) -> bool:
        """True while the tracker follows a confirmed face."""
        return self._present

    def elapsed(self, now: float) -> float:
        """Seconds of the current run (0 when none runs)."""
        return max(0.0, now - self._since) if self._since is not None else 0.0

    def observe(self, faces: Sequence[TrackedFace], now: float) -> None:
        """Fold in the faces the tracker holds on the watched camera at ``now``."""
        confirmed = [f for f in faces if f.confirmed]
        if any(f.misses == 0 for f in confirmed):
            if self._since is not None:
                run = max(0.0, now - self._since)
                self.last = run
                self.best = run if self.best is None else max(self.best, run)
                self._since = None
            self._last_seen = now
            self._present = True
        elif not confirmed:
            if self._present and self._since is None:
                self._since = self._last_seen if self._last_seen is not None else now
            self._present = False
        if self._since is not None and now - self._since > self.max_run:
            self._since = None

    def reset(self) -> None:
        """Forget the current visitor (another camera, a new visitor); the best time stays."""
        self._present = False
        self._last_seen = None
        self._since = None


class Workshop:
    """What the workshop screen keeps between frames: its texts, the challenge, the threshold.

    The threshold slider sets the ``threshold`` of the watched camera's own
    detector, which applies from its next frame. Raising it makes the
    detector miss faces, which are then shown: where faces must never be
    shown (``allow_raise`` false, from ``effect.allow_exposed = false``) the
    slider only goes down from each camera's configured threshold.
    """

    #: The lowest and highest threshold the slider reaches (the range every setting shares).
    LOWEST, HIGHEST = THRESHOLD_RANGE

    def __init__(
        self,
        explanation: Explanation | None = None,
        timer: EvasionTimer | None = None,
        *,
        allow_raise: bool = True,
    ) -> None:
        self.explanation = explanation or load_explanation()
        self.timer = timer or EvasionTimer()
        self.allow_raise = allow_raise
        self._configured: dict[int, float] = {}
        self._camera: int | None = None
        self._seq: int | None = None

    def threshold(self, feed: LiveFeed) -> float | None:
        detector = feed.detector
        return None if detector is None else float(detector.threshold)

    def set_threshold(self, feed: LiveFeed, value: float) -> None:
        """Set the feed's live detection threshold (kept within ``LOWEST`` .. ``HIGHEST``)."""
        detector = feed.detector
        if detector is None:
            return
        configured = self._configured.setdefault(id(detector), float(detector.threshold))
        highest = self.HIGHEST if self.allow_raise else max(self.LOWEST, configured)
        detector.threshold = min(highest, max(self.LOWEST, float(value)))

    def observe(self, camera: int, seq: int, faces: Sequence[TrackedFace] | None, now: float) -> None:
        """Each drawn frame: the watched camera, its newest result's number and faces (None: no picture)."""
        if camera != self._camera:
            self.timer.reset()
            self._camera, self._seq = camera, None
        if faces is None:
            self.timer.reset()
            return
        if seq != self._seq:
            self._seq = seq
            self.timer.observe(faces, now)
