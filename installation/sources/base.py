"""The frame-source contract and what every source shares."""

from __future__ import annotations

import logging
from typing import Protocol, runtime_checkable

import cv2
import numpy as np

from installation.closing import Closing
from installation.frames import Frame

log = logging.getLogger("installation.sources")

#: Used when a file or camera does not say its frame rate.
DEFAULT_FPS = 30.0


@runtime_checkable
class FrameSource(Protocol):
    """Anything that hands out frames one by one, in order, as fast as asked.

    ``read()`` returns the next :class:`~installation.frames.Frame` (BGR
    ``uint8``), ``None`` at the end of a finite source, and raises
    :class:`~installation.errors.SourceError` with a one-line reason when the
    source fails. ``size`` is ``(width, height)``.

    A source may also carry ``realtime = True``: its ``read()`` already waits
    for the next frame (cameras, streams), so live playback must not pace it
    again. Sources without the attribute are paced by their frame timestamps.
    """

    name: str
    fps: float
    size: tuple[int, int]

    def read(self) -> Frame | None: ...

    def close(self) -> None: ...


class SourceBase(Closing):
    """What the built-in sources share: their description, ``with`` support and a readable repr."""

    name: str = ""
    fps: float = DEFAULT_FPS
    size: tuple[int, int] = (0, 0)
    realtime: bool = False

    def read(self) -> Frame | None:
        raise NotImplementedError

    def close(self) -> None:
        """Release the file or device; reading afterwards returns ``None``."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} {self.size[0]}x{self.size[1]} @ {self.fps:g} fps>"


def usable_fps(value: float, default: float = DEFAULT_FPS) -> float:
    """``value`` if it is a plausible frame rate, else ``default``.

    >>> usable_fps(25.0), usable_fps(0.0), usable_fps(float("nan"))
    (25.0, 30.0, 30.0)
    """
    return float(value) if 0.1 <= value <= 1000 else default


def as_bgr(image: np.ndarray) -> np.ndarray:
    """The image as 3-channel BGR ``uint8`` (decoders occasionally give grey or BGRA)."""
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = cv2.convertScaleAbs(image)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    return image
