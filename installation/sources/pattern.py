"""Synthetic test patterns: no camera, no footage, still something moving.

``pattern:bars`` is a colour-bar chart in the SMPTE layout with a ball that
sweeps across it and a frame counter, so a frozen or stuttering picture is
obvious on the projector. ``pattern:noise`` is full-frame random noise (the
hardest picture to encode) with the same counter.
"""

from __future__ import annotations

import math
import time

import cv2
import numpy as np

from installation.frames import Frame
from installation.sources.base import DEFAULT_FPS, SourceBase

DEFAULT_SIZE = (1280, 720)

# BGR at 75 % intensity, left to right, as on broadcast bar charts.
_BARS = [(191, 191, 191), (0, 191, 191), (191, 191, 0), (0, 191, 0), (191, 0, 191), (0, 0, 191), (191, 0, 0)]
_CASTELLATIONS = [
    (191, 0, 0),
    (16, 16, 16),
    (191, 0, 191),
    (16, 16, 16),
    (191, 191, 0),
    (16, 16, 16),
    (191, 191, 191),
]
# -I, white, +Q, black, then the three near-black pluge steps and black.
_BOTTOM = [
    ((76, 33, 0), 5 / 4),
    ((255, 255, 255), 5 / 4),
    ((106, 0, 50), 5 / 4),
    ((16, 16, 16), 5 / 4),
    ((8, 8, 8), 1 / 3),
    ((16, 16, 16), 1 / 3),
    ((24, 24, 24), 1 / 3),
    ((16, 16, 16), 1),
]


def draw_bars(width: int, height: int) -> np.ndarray:
    """The still part of ``pattern:bars``: a ``height`` x ``width`` BGR bar chart.

    >>> draw_bars(70, 40)[5, 5].tolist(), draw_bars(70, 40)[5, 65].tolist()
    ([191, 191, 191], [191, 0, 0])
    """
    image = np.empty((height, width, 3), np.uint8)
    top, middle = round(height * 0.67), round(height * 0.75)
    edges = [round(width * i / 7) for i in range(8)]
    for i in range(7):
        image[:top, edges[i] : edges[i + 1]] = _BARS[i]
        image[top:middle, edges[i] : edges[i + 1]] = _CASTELLATIONS[i]
    x = 0.0
    for colour, bars in _BOTTOM:
        x1 = x + bars * width / 7
        image[middle:, round(x) : round(x1)] = colour
        x = x1
    image[middle:, round(x) :] = _BOTTOM[-1][0]
    return image


class PatternSource(SourceBase):
    """An endless (or ``frames`` long) synthetic picture, as fast as it is read.

    Timestamps are ``index / fps``, like a file, so live playback paces it.

    >>> src = PatternSource("bars", size=(64, 36), fps=25, frames=2)
    >>> [(f.index, f.timestamp, f.image.shape) for f in iter(src.read, None)]
    [(0, 0.0, (36, 64, 3)), (1, 0.04, (36, 64, 3))]
    """

    realtime = False

    def __init__(
        self,
        kind: str = "bars",
        *,
        name: str | None = None,
        size: tuple[int, int] | None = None,
        fps: float | None = None,
        frames: int | None = None,
        loop: bool = False,
    ) -> None:
        if kind not in ("bars", "noise"):
            raise ValueError(f"unknown pattern {kind!r}")
        self.kind = kind
        self.name = name or f"pattern:{kind}"
        self.size = size or DEFAULT_SIZE
        self.fps = fps or DEFAULT_FPS
        self.frame_count = None if loop else frames
        self._index = 0
        self._closed = False
        width, height = self.size
        self._background = draw_bars(width, height) if kind == "bars" else None
        self._rng = np.random.default_rng(0)

    def read(self) -> Frame | None:
        """The next picture; ``None`` after ``frames`` pictures (unless looping) or after ``close()``."""
        if self._closed or (self.frame_count is not None and self._index >= self.frame_count):
            return None
        index = self._index
        self._index += 1
        seconds = index / self.fps
        image = self._draw(index, seconds)
        return Frame(image, index=index, timestamp=seconds, source=self.name, captured=time.monotonic())

    def _draw(self, index: int, seconds: float) -> np.ndarray:
        width, height = self.size
        if self._background is not None:
            image = self._background.copy()
            # The ball crosses the chart and back every four seconds, so motion shows at any fps.
            phase = (seconds / 4.0) % 1.0
            travel = abs(2 * phase - 1)
            radius = max(2, height // 14)
            cx = round(radius + (width - 2 * radius) * (1 - travel))
            cy = round(height * 0.67 - radius * 1.5 + radius * 0.5 * math.sin(seconds * 2 * math.pi))
            cv2.circle(image, (cx, cy), radius, (255, 255, 255), -1, cv2.LINE_AA)
            cv2.circle(image, (cx, cy), radius, (0, 0, 0), max(1, radius // 6), cv2.LINE_AA)
        else:
            noise = np.frombuffer(self._rng.bytes(width * height * 3), np.uint8)
            image = noise.reshape(height, width, 3).copy()
        scale = height / 720
        minutes, secs = divmod(seconds, 60)
        label = f"{self.name}  #{index:06d}  {int(minutes):02d}:{secs:05.2f}"
        font, thickness = cv2.FONT_HERSHEY_SIMPLEX, max(1, round(2 * scale))
        (tw, th), base = cv2.getTextSize(label, font, scale, thickness)
        pad = max(2, round(10 * scale))
        cv2.rectangle(image, (0, 0), (tw + 2 * pad, th + base + 2 * pad), (0, 0, 0), -1)
        cv2.putText(image, label, (pad, pad + th), font, scale, (255, 255, 255), thickness, cv2.LINE_AA)
        return image

    def close(self) -> None:
        self._closed = True
