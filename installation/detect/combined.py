"""Several detectors on one frame, their boxes merged: ``yunet+blazeface-full``.

Each member sees the whole frame; one threshold set on the combination is
handed to every member, which compares it with its own scores after its own
offset (see :class:`~installation.detect.blazeface.FrameDetector`). The boxes
are merged with the same suppression each detector uses inside itself, so a
face two members both find is reported once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from installation.closing import Closing
from installation.detect.blazeface import _check_image, valid_threshold
from installation.detect.nms import suppress
from installation.detect.views import ModelInput
from installation.frames import Detection
from installation.geometry import Box


class CombinedDetector(Closing):
    """Runs every member on each frame and merges what they find.

    ``threshold`` is one number for all members: setting it sets each
    member's threshold to the same value, on YuNet's scale (BlazeFace adds
    its offset before comparing with its own scores); the combination
    reports a face when any member clears it. :meth:`detect_step` passes its
    arguments to members that tile the frame (so the live pipeline's focus
    tiles keep working) and runs the others whole.

    >>> from installation.detect import create_detector
    >>> with create_detector("yunet-half+blazeface-full", threshold=0.6) as both:
    ...     both.names, both.threshold, both.detect(np.zeros((360, 640, 3), np.uint8))
    (('yunet-half', 'blazeface-full'), 0.6, [])
    """

    def __init__(self, members: Sequence[Any], names: Sequence[str]) -> None:
        if len(members) != len(names) or not members:
            raise ValueError("a combined detector needs one name per member, and at least one member")
        self.members = list(members)
        self.names = tuple(names)
        self._last: list[list[Detection]] = [[] for _ in self.members]

    @property
    def threshold(self) -> float:
        """The threshold every member applies to its own scores; set it at any time."""
        return float(self.members[0].threshold)

    @threshold.setter
    def threshold(self, value: float) -> None:
        value = valid_threshold(value)
        for member in self.members:
            member.threshold = value

    def detect(self, image: np.ndarray) -> list[Detection]:
        """Every member over the whole frame, merged: strongest first."""
        _check_image(image)
        self._last = [member.detect(image) for member in self.members]
        return suppress((d for found in self._last for d in found), frame=_size(image))

    def detect_step(
        self,
        image: np.ndarray,
        count: int | None = None,
        *,
        whole_frame: bool = True,
        focus: Sequence[Box] = (),
        remember: bool = True,
    ) -> list[Detection]:
        """One live step: tiled members take the step (``count`` tiles, ``focus``), the others run whole.

        With ``whole_frame`` false the untiled members do not run; with
        ``remember`` they then report what they last found.
        """
        _check_image(image)
        found: list[Detection] = []
        for index, member in enumerate(self.members):
            step = getattr(member, "detect_step", None)
            if step is not None:
                found.extend(step(image, count, whole_frame=whole_frame, focus=focus, remember=remember))
            elif whole_frame:
                self._last[index] = member.detect(image)
                found.extend(self._last[index])
            elif remember:
                found.extend(self._last[index])
        return suppress(found, frame=_size(image))

    def tiles(self, width: int, height: int) -> list[Box]:
        """The tiles of every member that tiles the frame."""
        out: list[Box] = []
        for member in self.members:
            tiles = getattr(member, "tiles", None)
            if tiles is not None:
                out.extend(tiles(width, height))
        return out

    def sweep_length(self, width: int, height: int) -> int:
        """Steps until every tiled member has run all its tiles once (0: none tiles)."""
        lengths = [m.sweep_length(width, height) for m in self.members if hasattr(m, "sweep_length")]
        return max(lengths, default=0)

    def describe_input(self, width: int, height: int) -> ModelInput:
        """What each member shows its model, member by member, and the tiles of those that tile."""
        out = ModelInput(())
        for member in self.members:
            out += member.describe_input(width, height)
        return out

    def close(self) -> None:
        """Close every member; closing twice is harmless."""
        for member in self.members:
            member.close()


def _size(image: np.ndarray) -> tuple[int, int]:
    """``(width, height)`` of a frame."""
    return int(image.shape[1]), int(image.shape[0])
