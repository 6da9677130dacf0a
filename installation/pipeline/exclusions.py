"""``anonymize --keep``: regions of the picture where a still face (a poster on the wall, a portrait
in the picture) is left untouched, while a face that moves into one stays hidden.

The decision is taken per face as the tracker followed it (a *track*), over
the track's whole life, never frame by frame: a track is kept only if

- every sighting of it (a frame the detector ran on and found it) lies wholly
  inside one of the regions, on frames of the video's own picture size;
- it hardly moved: each sighting's centre within :attr:`Keep.STILL_SHARE` of
  the face's size from where it was first seen, and its size within
  :attr:`Keep.SIZE_SHARE` of the first (a still face in the project's test
  footage shifts under the detector by about 5 % of its size; a living face
  seldom stays that still for long);
- it was seen at least :attr:`Keep.MIN_SIGHTINGS` times;
- and no face it may be is hidden. A detector loses a face now and then for
  longer than the tracker holds it (a turned head, someone passing in front),
  and finds it again under a new track. So a track that begins within
  :attr:`Keep.LINK_SECONDS` after another ended, its first sighting within
  :attr:`Keep.LINK_REACH` face sizes of the other's last, is taken for the
  same face; the tracks so joined are kept together or hidden together. A
  face that walks into a region, stops and is lost for a moment stays
  hidden when it is found again; so does a still face that is lost and then
  found walking away, from its first frame on.

Everything else stays hidden: a track seen outside the regions, one that
moved, one seen on a frame of another size (two recordings joined), a face
held ahead of a sighting that no track matched. Since a track is judged on
all of its life, the whole video is searched before the first frame is
written (:class:`~installation.pipeline.lookahead.Lookahead` with ``keep``).

Regions are written ``x,y,w,h`` (the top-left corner, width and height) in the
input's pixels; any of the values may instead be a percentage of the picture's
width (``x``, ``w``) or height (``y``, ``h``): ``70%,0,30%,50%``.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from installation.errors import UsageError
from installation.geometry import Box
from installation.track import TrackedFace

if TYPE_CHECKING:
    from installation.pipeline.lookahead import Sighting

_VALUE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(%?)")


@dataclass(frozen=True)
class Region:
    """A ``--keep`` rectangle as written: each of ``x, y, w, h`` a number of pixels or a percentage."""

    text: str
    values: tuple[tuple[float, bool], ...]

    def box(self, width: int, height: int) -> Box:
        """The rectangle in the pixels of a ``width`` x ``height`` picture.

        >>> parse_region("10%,0,50%,25%").box(1280, 720)
        Box(x=128.0, y=0.0, w=640.0, h=180.0)
        """
        sides = (width, height, width, height)
        x, y, w, h = (
            value * side / 100 if percent else value
            for (value, percent), side in zip(self.values, sides, strict=True)
        )
        return Box(float(x), float(y), float(w), float(h))

    def __str__(self) -> str:
        return self.text


def parse_region(text: str) -> Region:
    """``x,y,w,h`` in pixels, any of them a percentage (``%``) of the picture's side; a
    ``ValueError`` saying what is expected otherwise.

    >>> parse_region("900,40,200,260").box(1280, 720)
    Box(x=900.0, y=40.0, w=200.0, h=260.0)
    >>> parse_region("0,0,0,10")
    Traceback (most recent call last):
    ...
    ValueError: the width and height must be more than 0
    """
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != 4:
        raise ValueError("expected x,y,w,h: the top-left corner, width and height, in pixels or as 10%")
    values = []
    for part in parts:
        match = _VALUE.fullmatch(part)
        if match is None:
            raise ValueError(f"{part!r}: expected a number of pixels from 0, or a percentage such as 25%")
        value, percent = float(match.group(1)), bool(match.group(2))
        if percent and value > 100:
            raise ValueError(f"{part!r}: a percentage of the picture is at most 100%")
        values.append((value, percent))
    if values[2][0] <= 0 or values[3][0] <= 0:
        raise ValueError("the width and height must be more than 0")
    return Region(text.strip(), tuple(values))


def regions_option(values: list[str] | None) -> list[Region]:
    """The regions of ``--keep`` (repeatable), or a one-line ``UsageError`` naming the value.

    >>> regions_option(["10,10,50"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    installation.errors.UsageError: --keep 10,10,50: expected x,y,w,h: the top-left corner, width and ...
    """
    regions = []
    for value in values or []:
        try:
            regions.append(parse_region(value))
        except ValueError as exc:
            raise UsageError(f"--keep {value}: {exc}") from None
    return regions


def _inside(box: Box, region: Box) -> bool:
    return (
        region.x <= box.x
        and region.y <= box.y
        and box.x + box.w <= region.x + region.w
        and box.y + box.h <= region.y + region.h
    )


@dataclass
class _Life:
    """What the sightings of one track say."""

    first_time: float
    first: Box
    last_time: float
    last: Box
    seen: int = 1
    #: Every sighting inside a region, on a frame of the video's size, near where it was first seen.
    keepable: bool = True


class Keep:
    """The ``--keep`` regions of one video (``boxes``, in the pixels of a ``size`` picture) and the
    decision which of its tracks stay untouched.

    >>> from installation.pipeline.lookahead import Sighting
    >>> keep = Keep([Box(100, 100, 200, 200)], (640, 360))
    >>> def face(track, x):
    ...     return TrackedFace(track, Box(x, 150, 60, 60), 0.9, 0, 1, True)
    >>> def seen(i, *faces):
    ...     return Sighting(i, i / 10, (640, 360), [], list(faces), "", 0.0)
    >>> # A poster in the region, and someone walking into it.
    >>> kept = keep.decide([seen(i, face(1, 150), face(2, 20 + 40 * i)) for i in range(5)])
    >>> kept
    {1}
    >>> [f.track_id for f in keep.hidden([face(1, 150), face(2, 180)], (640, 360), kept)]
    [2]
    """

    #: A sighting's centre stays within this share of the face's size of where it was first seen.
    STILL_SHARE = 0.15
    #: Its size (width and height) within this share of the first sighting's.
    SIZE_SHARE = 0.25
    #: A track seen fewer times than this is hidden: a glimpse says too little.
    MIN_SIGHTINGS = 3
    #: A track that begins within this many seconds of another's end, and ...
    LINK_SECONDS = 10.0
    #: ... within this many face sizes of where it was last seen, may be the same face.
    LINK_REACH = 1.5

    def __init__(self, boxes: Sequence[Box], size: tuple[int, int]) -> None:
        self.boxes = list(boxes)
        self.size = size

    def decide(self, sightings: Iterable[Sighting]) -> set[int]:
        """The ids of the tracks left untouched, from every sighting of the video in order."""
        lives: dict[int, _Life] = {}
        for sighting in sightings:
            if sighting.detections is None:
                continue  # the detector did not look: a held box says nothing of the face
            for face in sighting.faces:
                if face.misses:
                    continue
                life = lives.get(face.track_id)
                if life is None:
                    life = lives[face.track_id] = _Life(
                        sighting.timestamp, face.box, sighting.timestamp, face.box
                    )
                else:
                    life.seen += 1
                    life.last_time, life.last = sighting.timestamp, face.box
                if life.keepable and not (
                    sighting.size == self.size
                    and any(_inside(face.box, region) for region in self.boxes)
                    and self._still(life.first, face.box)
                ):
                    life.keepable = False
        groups = self._joined(lives)
        hidden = {group for track, group in groups.items() if not self._keeps(lives[track])}
        return {track for track, group in groups.items() if group not in hidden}

    def _keeps(self, life: _Life) -> bool:
        return life.keepable and life.seen >= self.MIN_SIGHTINGS

    def _still(self, first: Box, box: Box) -> bool:
        size = max(first.w, first.h)
        return (
            math.hypot(box.cx - first.cx, box.cy - first.cy) <= self.STILL_SHARE * size
            and abs(box.w - first.w) <= self.SIZE_SHARE * first.w
            and abs(box.h - first.h) <= self.SIZE_SHARE * first.h
        )

    def _joined(self, lives: dict[int, _Life]) -> dict[int, int]:
        """Each track's group: tracks that may be one face, found again after the tracker lost it."""
        parent = {track: track for track in lives}

        def root(track: int) -> int:
            while parent[track] != track:
                parent[track] = parent[parent[track]]
                track = parent[track]
            return track

        starts = sorted((life.first_time, track) for track, life in lives.items())
        times = [time for time, _ in starts]
        for track, life in lives.items():
            k = bisect.bisect_right(times, life.last_time)
            while k < len(starts) and starts[k][0] <= life.last_time + self.LINK_SECONDS:
                later = lives[starts[k][1]]
                reach = self.LINK_REACH * max(life.last.w, life.last.h, later.first.w, later.first.h)
                if math.hypot(later.first.cx - life.last.cx, later.first.cy - life.last.cy) <= reach:
                    parent[root(starts[k][1])] = root(track)
                k += 1
        return {track: root(track) for track in lives}

    def hidden(
        self, faces: Sequence[TrackedFace], size: tuple[int, int], kept: set[int]
    ) -> list[TrackedFace]:
        """The faces of one frame that stay hidden: all but those of ``kept`` tracks whose box is
        centred in a region, on a frame of the video's size."""
        if not kept or size != self.size:
            return list(faces)
        return [
            face
            for face in faces
            if face.track_id not in kept
            or not any(_inside(Box(face.box.cx, face.box.cy, 0, 0), region) for region in self.boxes)
        ]
