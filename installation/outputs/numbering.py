"""What the MOT and CVAT exports share: one number per followed face, and coordinates written so
that they read back as exactly the same numbers.

Track ids in the boxes JSON are the tracker's: a face held before its first
sighting may carry a negative id that a later stretch of frames reuses, and
between two sightings one face can be hidden twice on a frame (held after
the first sighting, and ahead of the next). MOT rows and CVAT tracks need one
id per object and at most one box per object and frame, so the exports
number the faces themselves (:class:`TrackNumbers`).

Corners and offsets are computed in decimal on the shortest text that reads
back as the box's float (:func:`exact`), so ``x + 1`` (MOT's 1-based
corner) and ``x + w`` (CVAT's right edge) give back ``x`` and ``w`` to the
last bit when read: a re-render hides the same pixels.
"""

from __future__ import annotations

from decimal import Decimal

from installation.frames import Processed
from installation.track import TrackedFace


def exact(value: float) -> Decimal:
    """``value`` as the decimal its shortest text spells.

    >>> exact(0.1) + exact(0.2)
    Decimal('0.3')
    """
    return Decimal(repr(float(value)))


def text(value: Decimal) -> str:
    """``value`` written out in full, without an exponent or trailing zeros.

    >>> text(Decimal("412.50")), text(Decimal("96.0")), text(Decimal("1E-7"))
    ('412.5', '96', '0.0000001')
    """
    written = format(value, "f")
    if "." in written:
        written = written.rstrip("0").rstrip(".")
    return "0" if written == "-0" else written


class TrackNumbers:
    """Numbers from 1 for the hidden faces of each frame: one per face as the tracker followed it.

    A track id keeps its number for as long as it is hidden on consecutive frames and, when
    positive (the forward tracker's ids are never reused), across gaps too. A negative id
    (a face held before a sighting the forward tracker never matched) that returns after a
    gap is a new face. A second box of one track on one frame gets a number of its own, and
    keeps it on the following frames. Where the picture changes size the trackers start
    afresh, and so do the numbers' keys.

    >>> import numpy as np
    >>> from installation.effects import Effect
    >>> from installation.frames import Frame
    >>> from installation.geometry import Box
    >>> face = TrackedFace(7, Box(10, 10, 40, 40), 0.9, 0, 1, True)
    >>> numbers = TrackNumbers()
    >>> def numbered(faces, ahead=()):
    ...     frame = Frame(np.zeros((90, 160, 3), np.uint8), 0, 0.0)
    ...     done = Processed(frame, frame.image, Effect.BLUR, [], list(faces), ahead=list(ahead))
    ...     return [n for n, _ in numbers.number(done)]
    >>> numbered([face]), numbered([face], [face]), numbered([], [face])
    ([1], [1, 2], [1])
    """

    def __init__(self) -> None:
        self._numbers: dict[tuple[int, int, int], int] = {}
        self._previous: set[tuple[int, int, int]] = set()
        self._size: tuple[int, int] | None = None
        self._epoch = 0
        self._count = 0

    def number(self, processed: Processed) -> list[tuple[int, TrackedFace]]:
        """Each face hidden on this frame (the tracker's, then those held ahead), with its number."""
        size = (processed.frame.width, processed.frame.height)
        if self._size is not None and size != self._size:
            self._epoch += 1
            self._previous = set()
        self._size = size
        used: set[tuple[int, int, int]] = set()
        numbered = []
        for face in [*processed.faces, *processed.ahead]:
            copy = 0
            while (self._epoch, face.track_id, copy) in used:
                copy += 1
            key = (self._epoch, face.track_id, copy)
            used.add(key)
            if key not in self._numbers or (face.track_id < 0 and key not in self._previous):
                self._count += 1
                self._numbers[key] = self._count
            numbered.append((self._numbers[key], face))
        self._previous = used
        return numbered
