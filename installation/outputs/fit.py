"""Putting a picture of another size into an output's frame, and its boxes with it."""

from __future__ import annotations

import cv2
import numpy as np

from installation.geometry import Box


class Fit:
    """Frames of another size than the output's, scaled to fit it whole, centred, black bars
    at the sides or top and bottom (two recordings joined into one file).

    >>> fit = Fit((640, 360))
    >>> fit.image(np.zeros((600, 800, 3), np.uint8)).shape
    (360, 640, 3)
    >>> fit.box(Box(100, 100, 50, 50), (800, 600))
    Box(x=140.0, y=60.0, w=30.0, h=30.0)
    """

    def __init__(self, size: tuple[int, int]) -> None:
        self.size = size

    def _placement(self, width: int, height: int) -> tuple[float, int, int, int, int]:
        out_w, out_h = self.size
        scale = min(out_w / width, out_h / height)
        w, h = max(1, min(out_w, round(width * scale))), max(1, min(out_h, round(height * scale)))
        return scale, w, h, (out_w - w) // 2, (out_h - h) // 2

    def image(self, image: np.ndarray) -> np.ndarray:
        height, width = image.shape[:2]
        if (width, height) == self.size:
            return image
        _, w, h, x, y = self._placement(width, height)
        shrinking = w < width
        canvas = np.zeros((self.size[1], self.size[0], 3), np.uint8)
        canvas[y : y + h, x : x + w] = cv2.resize(
            image, (w, h), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
        )
        return canvas

    def box(self, box: Box, frame_size: tuple[int, int]) -> Box:
        """``box`` on a frame of ``frame_size``, in the output's pixels."""
        if frame_size == self.size:
            return box
        scale, _, _, x, y = self._placement(*frame_size)
        return Box(x + box.x * scale, y + box.y * scale, box.w * scale, box.h * scale)

    def unbox(self, box: Box, frame_size: tuple[int, int]) -> Box:
        """``box`` in the output's pixels, on a frame of ``frame_size``: the inverse of :meth:`box`.

        >>> Fit((640, 360)).unbox(Box(140, 60, 30, 30), (800, 600))
        Box(x=100.0, y=100.0, w=50.0, h=50.0)
        """
        if frame_size == self.size:
            return box
        scale, _, _, x, y = self._placement(*frame_size)
        return Box((box.x - x) / scale, (box.y - y) / scale, box.w / scale, box.h / scale)
