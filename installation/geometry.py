"""Boxes: rectangles in a frame's pixels and their maths (overlap, growing, clipping).

Boxes are in pixels of the frame they belong to, top-left origin, floats so
that tracking can predict sub-pixel motion; effects round them outwards. The
values that carry them through the pipeline are in :mod:`installation.frames`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: A box within this many pixels of the frame's edge reaches it: detectors clip their boxes
#: to the frame, so such a box is taken to be cut off by that edge.
EDGE_PIXELS = 1.0


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle ``(x, y, w, h)`` in pixels.

    >>> Box(10, 10, 20, 20).iou(Box(20, 10, 20, 20))
    0.3333333333333333
    """

    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    @property
    def area(self) -> float:
        return max(0.0, self.w) * max(0.0, self.h)

    @classmethod
    def from_centre(cls, cx: float, cy: float, w: float, h: float) -> Box:
        return cls(cx - w / 2, cy - h / 2, w, h)

    def intersection(self, other: Box) -> float:
        ix = min(self.x + self.w, other.x + other.w) - max(self.x, other.x)
        iy = min(self.y + self.h, other.y + other.h) - max(self.y, other.y)
        return max(0.0, ix) * max(0.0, iy)

    def iou(self, other: Box) -> float:
        inter = self.intersection(other)
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0

    def scaled(self, factor: float) -> Box:
        """The box grown (or shrunk) about its centre by ``factor`` in each side."""
        return Box.from_centre(self.cx, self.cy, self.w * factor, self.h * factor)

    def clipped(self, width: int, height: int) -> Box:
        """The part of the box inside a ``width`` x ``height`` frame (may be empty)."""
        x0, y0 = max(0.0, self.x), max(0.0, self.y)
        x1, y1 = min(float(width), self.x + self.w), min(float(height), self.y + self.h)
        return Box(x0, y0, max(0.0, x1 - x0), max(0.0, y1 - y0))

    def edges(self, width: int, height: int) -> tuple[bool, bool, bool, bool]:
        """Whether the box reaches a ``width`` x ``height`` frame's left, right, top and bottom edges.

        >>> Box(0.5, 300, 40, 100).edges(1280, 720), Box(600, 300, 85, 420).edges(1280, 720)
        ((True, False, False, False), (False, False, False, True))
        """
        return (
            self.x <= EDGE_PIXELS,
            self.x + self.w >= width - EDGE_PIXELS,
            self.y <= EDGE_PIXELS,
            self.y + self.h >= height - EDGE_PIXELS,
        )

    def pixel_bounds(self, width: int, height: int) -> tuple[int, int, int, int]:
        """Integer ``(x0, y0, x1, y1)`` rounded outwards and clipped to the frame."""
        x0 = max(0, math.floor(self.x))
        y0 = max(0, math.floor(self.y))
        x1 = min(width, math.ceil(self.x + self.w))
        y1 = min(height, math.ceil(self.y + self.h))
        return x0, y0, max(x0, x1), max(y0, y1)
