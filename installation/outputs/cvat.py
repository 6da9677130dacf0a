"""The hidden regions as CVAT for video 1.1 XML: tracks to correct in CVAT, and read back by
``anonymize --from-boxes``."""

from __future__ import annotations

from array import array
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from installation.frames import Processed
from installation.geometry import Box
from installation.outputs.fit import Fit
from installation.outputs.numbering import TrackNumbers, exact, text
from installation.outputs.text import TextFileSink

#: The label of a face box: hidden with the effect, the mask shape and ``mask_scale``.
FACE = "face"
#: The label of a region hidden because something moved where no detector vouched for it:
#: hidden whole (a box, no ``mask_scale``) at full strength.
MOTION = "motion"
#: The label of a frame hidden whole, wherever its box is drawn.
WHOLE_FRAME = "whole frame"
LABELS = (FACE, MOTION, WHOLE_FRAME)


class CvatSink(TextFileSink):
    """Collects the hidden regions of every frame and writes them as CVAT for video 1.1 XML on
    :meth:`finish`, renamed into place on :meth:`close`.

    Layout (CVAT's published "CVAT for video 1.1")::

        <annotations>
          <version>1.1</version>
          <meta><task><name>visit.mp4</name><size>450</size><mode>interpolation</mode>...
            <labels><label><name>face</name><attributes></attributes></label>...</labels>
            <original_size><width>1280</width><height>720</height></original_size>
          </task></meta>
          <track id="0" label="face" source="auto">
            <box frame="0" outside="0" occluded="0" keyframe="1" xtl="412" ytl="180.5"
                 xbr="508" ybr="276.5" z_order="0"></box>
            ...
            <box frame="40" outside="1" occluded="0" keyframe="1" .../>
          </track>
          ...

    Each face as the tracker followed it
    (:class:`~installation.outputs.numbering.TrackNumbers`) is a track labelled
    ``face``, with a key frame on every frame it was hidden (the tracked box
    before ``mask_scale`` grows it, in the output's pixels, written exactly) and
    an ``outside`` key frame on the first frame after each stretch, so that
    CVAT shows it nowhere else. Each region the motion guard hid is a track
    labelled ``motion`` on its one frame; each stretch of frames hidden whole is
    a track labelled ``whole frame`` whose box covers the frame. ``z_order`` is
    each box's place in the order its frame hid them (overlapping blurs depend
    on it). Nothing else of the run is written: no dates, no user, no paths.

    The file is written at the end, from what the run kept in memory (a few
    dozen bytes per box). With ``size`` (the video's), boxes of a frame of
    another size are put where :class:`Fit` puts that frame.
    """

    def __init__(self, path: Path, name: str, size: tuple[int, int]) -> None:
        super().__init__(path, ".partial.xml")
        self.name = name
        self.size = size
        self._fit = Fit(size)
        self._numbers = TrackNumbers()
        #: Each face's boxes: frame, x, y, w, h, z_order, one after another.
        self._faces: dict[int, array[float]] = {}
        self._motion = array("d")
        #: Stretches of frames hidden whole: first, last.
        self._whole: list[list[int]] = []
        self._frames = 0

    def write(self, processed: Processed) -> None:
        """Keep one frame's regions."""
        index = processed.frame.index
        self._frames = max(self._frames, index + 1)
        size = (processed.frame.width, processed.frame.height)
        for z, (number, face) in enumerate(self._numbers.number(processed)):
            box = self._fit.box(face.box, size)
            self._faces.setdefault(number, array("d")).extend((index, box.x, box.y, box.w, box.h, z))
        for z, region in enumerate(processed.guarded):
            box = self._fit.box(region, size)
            self._motion.extend((index, box.x, box.y, box.w, box.h, z))
        if processed.hidden_all:
            if self._whole and self._whole[-1][1] == index - 1:
                self._whole[-1][1] = index
            else:
                self._whole.append([index, index])

    def _end(self) -> None:
        width, height = self.size
        labels = "".join(
            f"        <label>\n          <name>{escape(label)}</name>\n"
            "          <attributes>\n          </attributes>\n        </label>\n"
            for label in LABELS
        )
        self._write(
            '<?xml version="1.0" encoding="utf-8"?>\n'
            "<annotations>\n"
            "  <version>1.1</version>\n"
            "  <meta>\n"
            "    <task>\n"
            f"      <name>{escape(self.name)}</name>\n"
            f"      <size>{self._frames}</size>\n"
            "      <mode>interpolation</mode>\n"
            "      <overlap>0</overlap>\n"
            "      <bugtracker></bugtracker>\n"
            "      <flipped>False</flipped>\n"
            f"      <labels>\n{labels}      </labels>\n"
            "      <original_size>\n"
            f"        <width>{width}</width>\n"
            f"        <height>{height}</height>\n"
            "      </original_size>\n"
            "    </task>\n"
            "  </meta>\n"
        )
        track = 0
        for number in sorted(self._faces):
            self._track(track, FACE, _boxes(self._faces[number]))
            track += 1
        for frame, box, z in _boxes(self._motion):
            self._track(track, MOTION, [(frame, box, z)])
            track += 1
        for first, last in self._whole:
            self._track(track, WHOLE_FRAME, [(first, Box(0, 0, width, height), 0)], last=last)
            track += 1
        self._write("</annotations>\n")

    def _track(self, track: int, label: str, boxes: list[tuple[int, Box, int]], *, last: int = -1) -> None:
        """One track: a key frame per box, and an ``outside`` one after each stretch (``last``: the
        final box's stretch runs to that frame)."""
        lines = [f'  <track id="{track}" label={quoteattr(label)} source="auto">\n']
        for i, (frame, box, z) in enumerate(boxes):
            lines.append(_box(frame, box, z, outside=False))
            end = frame + 1 if i + 1 < len(boxes) else max(frame, last) + 1
            if end < self._frames and (i + 1 == len(boxes) or boxes[i + 1][0] != end):
                lines.append(_box(end, box, z, outside=True))
        lines.append("  </track>\n")
        self._write("".join(lines))


def _boxes(values: array[float]) -> list[tuple[int, Box, int]]:
    return [
        (int(values[i]), Box(values[i + 1], values[i + 2], values[i + 3], values[i + 4]), int(values[i + 5]))
        for i in range(0, len(values), 6)
    ]


def _box(frame: int, box: Box, z: int, *, outside: bool) -> str:
    left, top = exact(box.x), exact(box.y)
    right, bottom = left + exact(box.w), top + exact(box.h)
    return (
        f'    <box frame="{frame}" outside="{int(outside)}" occluded="0" keyframe="1" '
        f'xtl="{text(left)}" ytl="{text(top)}" xbr="{text(right)}" ybr="{text(bottom)}" z_order="{z}">'
        "</box>\n"
    )
