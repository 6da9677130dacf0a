"""Live performance figures: rates over a sliding window and latency percentiles.

:class:`Performance` keeps them for a room: how fast the screen is drawn and
shown, and for each camera how often it is captured, processed and shown, how
long detection and the effect take and how old a picture is when it reaches
the screen. The facilitator overlay, the kiosk's panel and ``installation
bench --display`` read them.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from installation.control.model import RoomModel


class RateMeter:
    """Events per second over the last ``window`` seconds.

    >>> m = RateMeter(window=1.0)
    >>> for i in range(31):
    ...     m.tick(i / 30)
    >>> round(m.rate(1.0))
    30
    """

    def __init__(self, window: float = 2.0) -> None:
        self.window = window
        self._times: deque[float] = deque()
        self.count = 0

    def tick(self, now: float, n: int = 1) -> None:
        for _ in range(n):
            self._times.append(now)
        self.count += n
        self._trim(now)

    def _trim(self, now: float) -> None:
        while self._times and self._times[0] < now - self.window:
            self._times.popleft()

    def rate(self, now: float) -> float:
        self._trim(now)
        if len(self._times) < 2:
            return 0.0
        span = self._times[-1] - self._times[0]
        return (len(self._times) - 1) / span if span > 0 else 0.0


class Samples:
    """The most recent ``size`` values of a measurement, with percentiles.

    >>> s = Samples()
    >>> for v in range(1, 101):
    ...     s.add(float(v))
    >>> s.percentile(50), s.percentile(95)
    (50.5, 95.05)
    """

    def __init__(self, size: int = 600) -> None:
        self._values: deque[float] = deque(maxlen=size)

    def add(self, value: float) -> None:
        self._values.append(value)

    def __len__(self) -> int:
        return len(self._values)

    def percentile(self, q: float) -> float:
        if not self._values:
            return 0.0
        return float(np.percentile(np.fromiter(self._values, float), q))

    def mean(self) -> float:
        return float(np.mean(np.fromiter(self._values, float))) if self._values else 0.0

    def values(self) -> list[float]:
        return list(self._values)


@dataclass
class FeedStats:
    """Live figures for one feed, for the facilitator overlay."""

    processed: RateMeter = field(default_factory=RateMeter)
    shown: RateMeter = field(default_factory=RateMeter)
    detect_ms: Samples = field(default_factory=lambda: Samples(120))
    effect_ms: Samples = field(default_factory=lambda: Samples(120))
    latency_ms: Samples = field(default_factory=lambda: Samples(600))
    last_seq: int = 0


class Performance:
    """How the screen and each camera keep up: fed by the room each frame, read as :meth:`figures`.

    >>> from installation.control.model import RoomModel
    >>> from installation.control.state import ControlState
    >>> performance = Performance(RoomModel([], ControlState()), target_fps=30)
    >>> for i in range(31):
    ...     performance.presented(i / 30, {})
    >>> round(performance.figures(1.0)["display_fps"])
    30
    """

    def __init__(self, model: RoomModel, target_fps: float = 60.0) -> None:
        self.model = model
        self.target_fps = target_fps
        self.stats = [FeedStats() for _ in model.feeds]
        self.display_rate = RateMeter()
        self.frame_ms = Samples(240)

    def results(self, now: float) -> None:
        """After the model's update: count the cameras' new results and their timings."""
        for i in self.model.new:
            view, stats = self.model.views[i], self.stats[i]
            if view.processed is None:
                continue
            if stats.last_seq:
                stats.processed.tick(now, max(1, view.seq - stats.last_seq))
            stats.last_seq = view.seq
            stats.detect_ms.add(float(view.processed.timings.get("detect", 0.0)))
            stats.effect_ms.add(float(view.processed.timings.get("effect", 0.0)))

    def drawn(self, milliseconds: float) -> None:
        """How long drawing this frame took."""
        self.frame_ms.add(milliseconds)

    def presented(self, when: float, shown: Mapping[int, object]) -> None:
        """Right after the frame reached the screen (``shown``: the cameras whose picture is on it)."""
        self.display_rate.tick(when)
        for i in self.model.new:
            view, stats = self.model.views[i], self.stats[i]
            if i in shown and view.processed is not None:
                stats.shown.tick(when)
                captured = view.processed.frame.captured
                if captured:
                    stats.latency_ms.add((when - captured) * 1000)

    def figures(self, now: float | None = None) -> dict[str, Any]:
        """The live figures the facilitator overlay shows, as numbers."""
        now = time.monotonic() if now is None else now
        display_fps = self.display_rate.rate(now)
        cams: list[dict[str, Any]] = []
        keeping_up = display_fps >= 0.9 * self.target_fps or self.display_rate.count < 10
        for feed, stats in zip(self.model.feeds, self.stats, strict=True):
            capture = feed.status.fps
            processed = stats.processed.rate(now)
            # A thumbnail is analysed at a lower rate on purpose (the room sets its ``max_fps``):
            # it is behind only when it falls short of that rate, not of the camera's.
            limit = feed.max_fps or 0.0
            intended = min(capture, limit) if limit > 0 and capture > 0 else capture
            behind = intended > 0 and processed < 0.85 * intended
            keeping_up = keeping_up and not behind
            cams.append(
                {
                    "name": feed.name,
                    "capture_fps": capture,
                    "intended_fps": intended,
                    "processed_fps": processed,
                    "shown_fps": stats.shown.rate(now),
                    "detect_ms": stats.detect_ms.mean(),
                    "effect_ms": stats.effect_ms.mean(),
                    "latency_p50": stats.latency_ms.percentile(50),
                    "latency_p95": stats.latency_ms.percentile(95),
                    "behind": behind,
                }
            )
        return {
            "display_fps": display_fps,
            "draw_ms": self.frame_ms.mean(),
            "cameras": cams,
            "keeping_up": keeping_up,
        }
