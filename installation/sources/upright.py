"""Footage the right way up: the turn a video file asks for before it is shown, made as players make it.

A phone held upright films its pictures sideways and records, in the file's
*display matrix* (the track header of an MP4 or MOV; older FFmpeg tools show
it as a ``rotate`` tag), how a player must turn them. The room
(:class:`~installation.sources.video.VideoFile`) and batch work
(:class:`~installation.sources.footage.FootageFile`) both turn each decoded
picture by this one rule, so a face is found, hidden and shown upright, and
an output written from upright pictures carries no turn of its own.

The rule: the matrix's quarter turn and mirror, as FFmpeg's own player
applies them (a matrix at another angle is taken to the nearest quarter turn).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import av
import cv2
import numpy as np
from av.sidedata.sidedata import Type

#: A mirror first, then this many degrees clockwise, for each way a picture can be turned
#: (transposed, mirrored, flipped): what :attr:`Turn.description` says.
_SAID = {
    (False, False, False): (False, 0),
    (False, True, True): (False, 180),
    (True, True, False): (False, 90),
    (True, False, True): (False, 270),
    (False, True, False): (True, 0),
    (False, False, True): (True, 180),
    (True, True, True): (True, 90),
    (True, False, False): (True, 270),
}


def display_matrix(frame: av.VideoFrame) -> bytes | None:
    """The display matrix a decoded frame carries (FFmpeg hands every frame its stream's), as
    nine native 32-bit numbers; ``None`` when it has none."""
    side: Any = frame.side_data  # a mapping of side data by type (PyAV's stubs say otherwise)
    data = side.get(Type.DISPLAYMATRIX)
    raw = bytes(data) if data is not None else b""
    return raw[:36] if len(raw) >= 36 else None


@dataclass(frozen=True)
class Turn:
    """How to turn a decoded picture upright: swap its axes, then mirror it left-right and flip it
    upside down.

    >>> a = np.array([[1, 2, 3],
    ...               [4, 5, 6]], np.uint8)
    >>> quarter = Turn.from_matrix([0, 1, 0, -1, 0, 0, 0, 0, 1])   # a phone filming upright
    >>> quarter.apply(a).tolist(), quarter.size((3, 2)), quarter.description
    ([[4, 1], [5, 2], [6, 3]], (2, 3), 'turned 90° clockwise')
    >>> Turn().apply(a) is a
    True
    """

    transpose: bool = False
    mirror: bool = False
    flip: bool = False

    @classmethod
    def from_matrix(cls, matrix: Sequence[float]) -> Turn:
        """The turn of a display matrix (FFmpeg's nine numbers ``a b u c d v x y w``, which take a
        point ``(x, y)`` of the stored picture to ``(a·x + c·y, b·x + d·y)`` on the screen); any
        common scale (16.16 fixed point) is fine."""
        a, b, _, c, d = (float(v) for v in matrix[:5])
        if abs(a) + abs(d) >= abs(b) + abs(c):
            return cls(False, a < 0, d < 0)
        return cls(True, c < 0, b < 0)

    @classmethod
    def of_frame(cls, frame: av.VideoFrame) -> Turn:
        """The turn a decoded frame carries (FFmpeg hands every frame its stream's display matrix)."""
        raw = display_matrix(frame)
        return UPRIGHT if raw is None else cls.from_matrix(np.frombuffer(raw, np.int32).tolist())

    @property
    def upright(self) -> bool:
        """Nothing to do: the picture is stored as it is shown."""
        return not (self.transpose or self.mirror or self.flip)

    @property
    def description(self) -> str:
        """What the turn does, in words (``turned 90° clockwise``, ``mirrored``)."""
        mirrored, degrees = _SAID[(self.transpose, self.mirror, self.flip)]
        turned = {0: "", 90: "turned 90° clockwise", 180: "turned 180°", 270: "turned 90° anticlockwise"}
        words = [*(["mirrored"] if mirrored else []), *([turned[degrees]] if degrees else [])]
        return " and ".join(words) or "upright"

    def size(self, size: tuple[int, int]) -> tuple[int, int]:
        """The ``(width, height)`` of a picture of ``size`` once turned."""
        return (size[1], size[0]) if self.transpose else size

    def apply(self, image: np.ndarray) -> np.ndarray:
        """``image`` turned upright: ``image`` itself when there is nothing to do, otherwise a new array."""
        if self.transpose:
            image = cv2.transpose(image)
        if self.mirror and self.flip:
            return cv2.flip(image, -1)
        if self.mirror:
            return cv2.flip(image, 1)
        if self.flip:
            return cv2.flip(image, 0)
        return image


#: Stored as shown.
UPRIGHT = Turn()


def file_turn(path: str | os.PathLike[str]) -> Turn:
    """The turn the first video frame of the file at ``path`` carries (:data:`UPRIGHT` for a file
    that cannot be read this way: whoever reads it says what is wrong)."""
    try:
        with av.open(os.fspath(path)) as container:
            if not container.streams.video:
                return UPRIGHT
            for frame in container.decode(container.streams.video[0]):
                return Turn.of_frame(frame)
    except (av.FFmpegError, OSError, UnicodeDecodeError, ValueError):
        pass
    return UPRIGHT
