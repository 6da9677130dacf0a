"""The hidden face boxes as a MOT challenge CSV file, the layout trackers are scored in."""

from __future__ import annotations

import logging
from pathlib import Path

from installation.frames import Processed
from installation.outputs.fit import Fit
from installation.outputs.numbering import TrackNumbers, exact, text
from installation.outputs.text import TextFileSink

log = logging.getLogger(__name__)


class MotSink(TextFileSink):
    """Streams one row per hidden face box per frame, renamed into place when done.

    Rows, without a header (``frame,id,bb_left,bb_top,bb_width,bb_height,conf,x,y,z``)::

        1,1,413.5,181.25,96,96,0.93,-1,-1,-1

    ``frame`` counts from 1 (the video's first frame is 1). ``id`` is one face as
    the tracker followed it (:class:`~installation.outputs.numbering.TrackNumbers`).
    ``bb_left`` and ``bb_top`` are 1-based, as the MOT challenge's tools count
    pixels: the box's x + 1 and y + 1; ``bb_width`` and ``bb_height`` are its
    size. The box is the tracked face before ``mask_scale`` grows it, in the
    output's pixels, written exactly. ``conf`` is the tracker's score; ``x, y,
    z`` (world coordinates) are -1. The boxes are the tracker's: those it
    hides on each frame, and those held ahead of a sighting.

    MOT has no place for regions hidden because something moved where no
    detector vouched for it, or for frames hidden whole: they are not written,
    and a warning at the end counts them. With ``size`` (the video's), boxes of
    a frame of another size are put where :class:`Fit` puts that frame.
    """

    def __init__(self, path: Path, *, size: tuple[int, int] | None = None) -> None:
        super().__init__(path, ".partial.csv")
        self._fit = Fit(size) if size is not None else None
        self._numbers = TrackNumbers()
        self._whole = self._guarded = 0

    def write(self, processed: Processed) -> None:
        """One frame's rows."""
        size = (processed.frame.width, processed.frame.height)
        self._whole += processed.hidden_all
        self._guarded += len(processed.guarded)
        rows = []
        for number, face in self._numbers.number(processed):
            box = face.box if self._fit is None else self._fit.box(face.box, size)
            left, top = text(exact(box.x) + 1), text(exact(box.y) + 1)
            width, height = text(exact(box.w)), text(exact(box.h))
            rows.append(
                f"{processed.frame.index + 1},{number},{left},{top},{width},{height},"
                f"{round(float(face.score), 3):g},-1,-1,-1\n"
            )
        if rows:
            self._write("".join(rows))

    def _end(self) -> None:
        if self._whole or self._guarded:
            log.warning(
                "%s: %d frames hidden whole and %d regions hidden for motion are not in it (MOT "
                "holds face boxes only): re-rendered from it, those frames show only their faces "
                "hidden; --boxes-json and --boxes-cvat keep them",
                self.path,
                self._whole,
                self._guarded,
            )
