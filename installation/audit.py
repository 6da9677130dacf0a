"""``installation audit``: look for faces that still show in an anonymized video.

A second opinion on what ``installation anonymize`` made (or any other tool):
every frame of the anonymized video goes through MTCNN
(:mod:`installation.detect.mtcnn`), a detector family that neither YuNet nor
BlazeFace belongs to, at a low threshold and with the frame enlarged so that
faces from :data:`MIN_FACE` pixels up are looked for. A detection alone is not
a leak: detectors fire on blurred faces too, and on wallpaper. A *suspect*
is a detection whose face detail survived, by the leak measure of
:mod:`installation.leak`:

- with ``--original``, :func:`~installation.leak.leak_score` of the original
  frame against the anonymized one, at the detection's box (frames matched
  by index: the two videos must have the same frame count and picture size;
  the detector then looks at the original frame);
- without it, :func:`~installation.leak.detail_score`: the detail in the box
  that the lightest blur would still remove, on the same scale.

Both are measured on the middle of the box (:data:`INNER`): the outer ring
of a detection on a hidden face often reaches past the effect's mask into
the untouched picture around it.

Each face is followed from frame to frame (:class:`_Follower`): a sure
detection starts it, a weaker one continues it; the frames between two of
its suspects are checked at the box interpolated between them (a face turned
away or covered for a moment is still checked where it was), and a face at
the frame's edge is followed out of it, and back into it before it was first
found, at the speed its box had. Against the original the detector looks at
the original's frames, so it also finds the faces the anonymized video hides;
the frames between two sure sightings of one face, at least one of them
hidden, are checked too (an anonymizer that lost a face for a few frames).

The result is a list of suspects (frame, time, box, the detector's score and
the detail score); the command prints them as a table or as JSON and exits
with :data:`EXIT_SUSPECTS` when there is any. ``--contact-sheet PATH`` writes
the suspects' crops as one PNG, taken from the anonymized video only: no
pixel of the original is ever written.
"""

from __future__ import annotations

import math
import sys
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import cv2
import numpy as np

from installation.errors import SourceError, UsageError
from installation.frames import Detection, Frame
from installation.geometry import Box
from installation.leak import detail_score, leak_score

#: Exit code when suspects remain (0: none). 1, 2 and 3 are errors; 4 is the kiosk's.
EXIT_SUSPECTS = 5

# The settings below were chosen on the development set's tune part (see the README's audit
# section): its untouched clips for what must be found, its anonymize outputs for false alarms.

#: The smallest face looked for, in pixels of the frame: below MTCNN's 12-pixel window the frame
#: is enlarged before its first pass (1.2 times at 10). On the tune part's untouched clips, of the
#: faces 16-20 px high MTCNN found 53 % at 12, 63 % at 10 and 67 % at 8, in 1, 1.6 and 2.7 times
#: the time; below 12 px it found almost none at any of them.
MIN_FACE = 10.0
#: MTCNN's three stage thresholds: low, so that faces in dim light, turned or small are proposed;
#: the score and the detail decide.
THRESHOLDS = (0.5, 0.5, 0.5)
#: The least detector score of a detection that continues a suspect seen in the last :data:`GAP`
#: frames (a face turning away, or half covered, keeps being followed).
WEAK_SCORE = 0.5
#: The least detector score of a new suspect, by face height (pixels): (height from, score).
#: Small boxes need more confidence (most of MTCNN's false faces are textures 9-18 px high), and so
#: do large ones: a box over a group of blurred faces scores up to 0.9. On the tune part's untouched
#: clips no face of 24 px or more was lost to these values that 0.9 throughout would have found.
MIN_SCORE: tuple[tuple[float, float], ...] = ((0.0, 0.95), (24.0, 0.9), (64.0, 0.97))
#: The detail a suspect must keep: D (with the original) or its estimate without it.
MIN_DETAIL = 0.5
MIN_DETAIL_ALONE = 0.5
#: The part of a detection's box (about its centre, each side) its detail is measured on: the outer
#: ring of a box on a hidden face often reaches past the effect's mask, and a box over a group of
#: hidden faces takes in the untouched picture between them. On the tune part's anonymize outputs
#: 0.6 left a fifth of the false suspects 0.8 gave, and lost no untouched face.
INNER = 0.6
#: Suspects of one face at most this many frames apart are joined, and the frames between them
#: checked; a face at the frame's edge is followed out of (and back into) it for as long. The
#: frames of this span are kept in memory (both videos'): 16 frames of 1280x720 take 88 MB.
GAP = 15
#: Two suspects in different frames are one face when their boxes overlap this much (IoU), or
#: when their centres are closer than this much of the larger one's height (sizes within 1.5x).
SAME_FACE_IOU = 0.3
SAME_FACE_DISTANCE = 0.75
#: Two suspects of one frame overlapping this much are one face found twice.
DUPLICATE_IOU = 0.5
#: A box within this many pixels of the frame's edge touches it.
EDGE = 2.0

#: How a suspect was found: by the detector; between two suspects of one face; following a face
#: out of or into the frame.
DETECTED, BETWEEN, FOLLOWED = "detected", "between", "followed"

#: The contact sheet: at most this many crops, this many to a row, each cell this many pixels.
SHEET_MAX = 64
SHEET_COLUMNS = 8
SHEET_CELL = 128
_SHEET_LABEL = 18


@dataclass(frozen=True)
class Suspect:
    """One face in one frame whose detail survived: where, and how sure.

    ``score`` is the detector's (for a suspect the detector did not report
    itself, the score of the face it belongs to), ``detail`` the leak measure
    (D, or its estimate without the original), ``how`` how it was found:
    :data:`DETECTED`, :data:`BETWEEN` two suspects of one face, or
    :data:`FOLLOWED` out of (or into) the frame at a face's speed.
    """

    frame: int
    time: float
    box: Box
    score: float
    detail: float
    how: str = "detected"

    def as_dict(self) -> dict[str, Any]:
        b = self.box
        return {
            "frame": self.frame,
            "time": round(self.time, 3),
            "box": [round(b.x, 1), round(b.y, 1), round(b.w, 1), round(b.h, 1)],
            "score": round(self.score, 3),
            "detail": round(self.detail, 3),
            "how": self.how,
        }


@dataclass
class AuditReport:
    """What an audit found in one video."""

    video: Path
    original: Path | None
    frames: int = 0
    checked: int = 0
    fps: float = 0.0
    size: tuple[int, int] = (0, 0)
    detections: int = 0
    suspects: list[Suspect] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return EXIT_SUSPECTS if self.suspects else 0

    @property
    def duration(self) -> float:
        return self.frames / self.fps if self.fps else 0.0

    @property
    def suspect_frames(self) -> int:
        return len({s.frame for s in self.suspects})

    def summary(self) -> str:
        """One line: how many suspects in how many frames, against what."""
        against = f"against {self.original}" if self.original else "on its own (no --original)"
        every = "" if self.checked == self.frames else f" ({self.checked} checked)"
        if not self.suspects:
            return f"{self.video}: no suspect in {self.frames} frames{every}, {against}"
        first = min(self.suspects, key=lambda s: s.frame)
        return (
            f"{self.video}: {len(self.suspects)} suspect(s) in {self.suspect_frames} of {self.frames} "
            f"frames{every}, {against}; the first at frame {first.frame} ({first.time:.2f} s)"
        )

    def table(self) -> str:
        """The suspects as a table, one per line, in frame order."""
        lines = [
            f"{'frame':>7} {'time s':>9} {'x':>6} {'y':>6} {'w':>5} {'h':>5} {'score':>6} {'detail':>6}  how"
        ]
        for s in sorted(self.suspects, key=lambda s: (s.frame, s.box.x)):
            b = s.box
            lines.append(
                f"{s.frame:>7} {s.time:>9.3f} {b.x:>6.0f} {b.y:>6.0f} {b.w:>5.0f} {b.h:>5.0f} "
                f"{s.score:>6.2f} {s.detail:>6.2f}  {s.how}"
            )
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "video": str(self.video),
            "original": str(self.original) if self.original else None,
            "measure": "leak_score" if self.original else "detail_score",
            "width": self.size[0],
            "height": self.size[1],
            "fps": round(self.fps, 3),
            "frames": self.frames,
            "checked": self.checked,
            "suspect_frames": self.suspect_frames,
            "suspects": [s.as_dict() for s in sorted(self.suspects, key=lambda s: (s.frame, s.box.x))],
            "exit_code": self.exit_code,
        }


def min_score(height: float) -> float:
    """The least detector score a suspect of this face height needs (:data:`MIN_SCORE`).

    >>> min_score(12.0), min_score(40.0), min_score(100.0)
    (0.95, 0.9, 0.97)
    """
    needed = MIN_SCORE[0][1]
    for start, score in MIN_SCORE:
        if height >= start:
            needed = score
    return needed


def measure(anonymized: np.ndarray, original: np.ndarray | None, box: Box) -> float | None:
    """The detail ``box`` keeps in ``anonymized``: D against ``original``, or estimated without it.

    Measured on the inner :data:`INNER` of the box; ``None`` when it lies
    outside the frame.
    """
    inner = box.scaled(INNER)
    if original is None:
        return detail_score(anonymized, inner)
    return leak_score(original, anonymized, inner)


class _Pair:
    """The anonymized video's frames, each with the original's frame of the same index (or None)."""

    def __init__(self, video: Path, original: Path | None) -> None:
        from installation.sources.footage import FootageFile

        self.video, self.original = video, original
        self._files: list[Any] = []
        self.anonymized = self._open(FootageFile, video)
        self.reference = self._open(FootageFile, original) if original is not None else None
        self.size = self.anonymized.size
        self.fps = self.anonymized.fps
        self.total = self.anonymized.frame_count
        if self.reference is not None:
            assert original is not None
            if self.reference.size != self.size:
                self.close()
                raise UsageError(
                    f"{original}: the original is {_wxh(self.reference.size)} and {video} is "
                    f"{_wxh(self.size)}: --original must be the video that was anonymized"
                )
            theirs, ours = self.reference.frame_count, self.total
            if theirs is not None and ours is not None and theirs != ours:
                self.close()
                raise UsageError(
                    f"{original}: the original has {theirs} frames and {video} has {ours}: "
                    f"--original must be the video that was anonymized"
                )

    def _open(self, kind: Any, path: Path) -> Any:
        try:
            source = kind(path, name=str(path))
        except SourceError as exc:
            self.close()
            raise UsageError(f"{path}: cannot read video: {str(exc).removeprefix(f'{path}: ')}") from None
        self._files.append(source)
        return source

    def frames(self) -> Iterator[tuple[Frame, np.ndarray | None]]:
        """Both videos' frames side by side; a difference in length or size is a ``UsageError``."""
        from installation.sources import read_ahead

        ours = cast(Generator[Frame, None, None], read_ahead(self.anonymized))
        theirs = (
            cast(Generator[Frame, None, None], read_ahead(self.reference))
            if self.reference is not None
            else None
        )
        try:
            for frame in ours:
                if frame.image.shape[1::-1] != self.size:
                    raise UsageError(
                        f"{self.video}: frame {frame.index} is {_wxh(frame.image.shape[1::-1])}, the first "
                        f"was {_wxh(self.size)}: audit needs one picture size throughout"
                    )
                other = None
                if theirs is not None:
                    match = next(theirs, None)
                    if match is None:
                        raise UsageError(
                            f"{self.original}: the original ends at frame {frame.index} and {self.video} "
                            f"goes on: --original must be the video that was anonymized"
                        )
                    if match.image.shape != frame.image.shape:
                        raise UsageError(
                            f"{self.original}: frame {frame.index} is {_wxh(match.image.shape[1::-1])} and "
                            f"in {self.video} {_wxh(frame.image.shape[1::-1])}: the frames do not match"
                        )
                    other = match.image
                yield frame, other
            if theirs is not None and next(theirs, None) is not None:
                raise UsageError(
                    f"{self.original}: the original goes on after {self.video} ends: "
                    f"--original must be the video that was anonymized"
                )
        except SourceError as exc:
            raise UsageError(str(exc)) from None
        finally:
            ours.close()
            if theirs is not None:
                theirs.close()

    def close(self) -> None:
        for source in self._files:
            source.close()


def _wxh(size: Sequence[int]) -> str:
    return f"{size[0]}x{size[1]}"


@dataclass
class _Seen:
    """One frame as the audit keeps it for a while: both pictures, and what the detector proposed."""

    index: int
    time: float
    image: np.ndarray
    original: np.ndarray | None
    #: Detections whose detail survived, with that detail (strong or weak).
    candidates: list[tuple[Detection, float]]
    #: Detections whose detail did not survive: faces the anonymized video hides (only against the
    #: original, where the detector looks at the original frame and finds them).
    hidden: list[Detection] = field(default_factory=list)


@dataclass(frozen=True)
class _Sighting:
    """A face the detector was sure of in one frame, and whether the anonymized video hides it there."""

    frame: int
    box: Box
    score: float
    hidden: bool


@dataclass
class _Track:
    """One face followed through the suspects found of it."""

    #: Its suspects so far, in frame order (detected, between, followed).
    suspects: list[Suspect]
    #: The frame of its last detection.
    last_detected: int
    #: Whether it was already followed backwards past its first suspect.
    looked_back: bool = False
    #: Whether following it forwards past its last detection has stopped.
    stopped: bool = False

    @property
    def last(self) -> Suspect:
        return self.suspects[-1]

    @property
    def score(self) -> float:
        return max(s.score for s in self.suspects if s.how == DETECTED)

    def velocity(self, *, first: bool = False) -> tuple[float, float, float, float]:
        """How each edge of its box moved per frame between its two first (or last) detections."""
        detected = [s for s in self.suspects if s.how == DETECTED]
        if len(detected) < 2:
            return (0.0, 0.0, 0.0, 0.0)
        a, b = (detected[0], detected[1]) if first else (detected[-2], detected[-1])
        span = b.frame - a.frame
        return tuple(  # type: ignore[return-value]
            (q - p) / span for p, q in zip(_edges(a.box), _edges(b.box), strict=True)
        )


def _edges(box: Box) -> tuple[float, float, float, float]:
    return (box.x, box.y, box.x + box.w, box.y + box.h)


def _moved(box: Box, velocity: Sequence[float], frames: float, width: int, height: int) -> Box:
    """``box`` with each edge moved ``frames`` times its velocity, clipped to the frame."""
    x0, y0, x1, y1 = (e + v * frames for e, v in zip(_edges(box), velocity, strict=True))
    return Box(x0, y0, max(0.0, x1 - x0), max(0.0, y1 - y0)).clipped(width, height)


def _same_face(a: Box, b: Box) -> bool:
    """Whether two boxes in nearby frames are one face: overlapping (:data:`SAME_FACE_IOU`), or of
    about one size (within 1.5x) with centres closer than :data:`SAME_FACE_DISTANCE` of it.

    >>> _same_face(Box(0, 0, 60, 60), Box(40, 0, 60, 60)), _same_face(Box(0, 0, 60, 60), Box(70, 0, 60, 60))
    (True, False)
    """
    if a.iou(b) >= SAME_FACE_IOU:
        return True
    small, large = sorted((a.h, b.h))
    if small <= 0 or large > 1.5 * small:
        return False
    return math.dist((a.cx, a.cy), (b.cx, b.cy)) <= SAME_FACE_DISTANCE * large


def _at_edge(box: Box, width: int, height: int) -> bool:
    """Whether ``box`` touches the frame's edge (a face coming in or going out)."""
    return box.x <= EDGE or box.y <= EDGE or box.x + box.w >= width - EDGE or box.y + box.h >= height - EDGE


def _interpolate(a: Box, b: Box, t: float) -> Box:
    return Box(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t, a.w + (b.w - a.w) * t, a.h + (b.h - a.h) * t)


class _Follower:
    """Turns each frame's candidates into suspects, following each face from frame to frame.

    A candidate the detector was sure of (:func:`min_score`) starts a face;
    a weaker one (from :data:`WEAK_SCORE`) only continues a face seen in the
    last :data:`GAP` frames, or leads up to one that starts within that span.
    Between two suspects of one face the frames are checked at the box
    interpolated between them; a face at the frame's edge is followed, at the
    speed its box had, out of the frame after its last detection and back
    into it before its first. Against the original, the frames between two
    sure sightings of one face at least one of which it hides are checked
    the same way (:meth:`_gaps`). Each such box is a suspect only where its
    detail survived.
    """

    def __init__(self, width: int, height: int, needed: float) -> None:
        self.width, self.height, self.needed = width, height, needed
        self.window: deque[_Seen] = deque(maxlen=GAP + 1)
        self.tracks: list[_Track] = []
        #: The sure sightings of the last :data:`GAP` frames, hidden or not.
        self.sightings: list[_Sighting] = []

    def step(self, seen: _Seen) -> list[Suspect]:
        """The suspects this frame settles: in it, and in the frames kept before it."""
        self.window.append(seen)
        out: list[Suspect] = self._gaps(seen)
        taken: set[int] = set()
        live = [t for t in self.tracks if seen.index - t.last_detected <= GAP]
        for detection, detail in sorted(seen.candidates, key=lambda c: c[0].score, reverse=True):
            suspect = Suspect(seen.index, seen.time, detection.box, detection.score, detail)
            track = self._matching(live, detection.box, seen.index, taken)
            if track is not None:
                taken.add(id(track))
                out += self._between(track, suspect)
                track.suspects.append(suspect)
                track.last_detected = seen.index
                out.append(suspect)
                if not track.looked_back:
                    out += self._look_back(track)
            elif detection.score >= min_score(detection.box.h):
                track = _Track([suspect], seen.index)
                taken.add(id(track))
                out += self._lead_up(track)
                out.append(suspect)
                live.append(track)
        for track in live:
            if id(track) not in taken and not track.stopped:
                out += self._follow_out(track, seen)
        self.tracks = [t for t in live if seen.index - t.last_detected <= GAP]
        return out

    def _matching(self, tracks: list[_Track], box: Box, index: int, taken: set[int]) -> _Track | None:
        """The face ``box`` (in frame ``index``) continues: its box moved on at the face's speed."""
        best, nearest = None, math.inf
        for track in tracks:
            if id(track) in taken:
                continue
            detected = next(s for s in reversed(track.suspects) if s.how == DETECTED)
            expected = _moved(detected.box, track.velocity(), index - detected.frame, self.width, self.height)
            if _same_face(expected, box) or _same_face(track.last.box, box):
                distance = math.dist((expected.cx, expected.cy), (box.cx, box.cy))
                if distance < nearest:
                    best, nearest = track, distance
        return best

    def _gaps(self, seen: _Seen) -> list[Suspect]:
        """The frames between two sure sightings of one face, at least one of them hidden, checked at
        the box interpolated between them: a face hidden before or after a stretch it was shown in.

        Between two suspects :meth:`_between` already looks; only an audit against the original has
        hidden sightings (its detector finds hidden faces in the original frame).
        """
        here = [_Sighting(seen.index, d.box, d.score, True) for d in seen.hidden]
        here += [_Sighting(seen.index, d.box, d.score, False) for d, _ in seen.candidates]
        here = [s for s in here if s.score >= min_score(s.box.h)]
        self.sightings = [s for s in self.sightings if seen.index - s.frame <= GAP]
        out: list[Suspect] = []
        for sighting in here:
            before = [s for s in self.sightings if _same_face(s.box, sighting.box)]
            if not before:
                continue
            last = max(before, key=lambda s: s.frame)
            if seen.index - last.frame < 2 or not (last.hidden or sighting.hidden):
                continue
            out += self._interpolated(
                last.frame, last.box, seen.index, sighting.box, min(last.score, sighting.score)
            )
        self.sightings += here
        return out

    def _judged(self, seen: _Seen, box: Box, score: float, how: str) -> Suspect | None:
        detail = measure(seen.image, seen.original, box)
        if detail is None or detail < self.needed or box.w < 2 or box.h < 2:
            return None
        return Suspect(seen.index, seen.time, box, score, detail, how)

    def _kept(self, first: int, last: int) -> list[_Seen]:
        return [s for s in self.window if first < s.index < last]

    def _between(self, track: _Track, suspect: Suspect) -> list[Suspect]:
        """The frames between the track's last suspect and ``suspect``, at the interpolated box."""
        last = track.last
        out = self._interpolated(
            last.frame, last.box, suspect.frame, suspect.box, min(last.score, suspect.score)
        )
        track.suspects += out
        return out

    def _interpolated(self, first: int, start: Box, last: int, end: Box, score: float) -> list[Suspect]:
        """The kept frames between ``first`` and ``last`` judged at the box interpolated between
        ``start`` and ``end``: the suspects among them."""
        out = []
        for seen in self._kept(first, last):
            box = _interpolate(start, end, (seen.index - first) / (last - first))
            found = self._judged(seen, box, score, BETWEEN)
            if found is not None:
                out.append(found)
        return out

    def _lead_up(self, track: _Track) -> list[Suspect]:
        """Weaker candidates in the kept frames before a new face's first suspect that lead up to it."""
        first = track.suspects[0]
        chain: list[Suspect] = []
        box = first.box
        for seen in reversed(self._kept(first.frame - GAP - 1, first.frame)):
            near = [(d, v) for d, v in seen.candidates if _same_face(d.box, box)]
            if near:
                d, detail = max(near, key=lambda c: c[0].score)
                chain.append(Suspect(seen.index, seen.time, d.box, d.score, detail))
                box = d.box
        if not chain:
            return []
        chain.reverse()
        out: list[Suspect] = []
        rebuilt = _Track([chain[0]], chain[0].frame)
        for suspect in chain[1:] + [first]:
            out += self._between(rebuilt, suspect)
            rebuilt.suspects.append(suspect)
        track.suspects = rebuilt.suspects
        return [s for s in rebuilt.suspects if s is not first]

    def _look_back(self, track: _Track) -> list[Suspect]:
        """A face that came in at the frame's edge, followed back out of it (once it has moved)."""
        first = track.suspects[0]
        if not _at_edge(first.box, self.width, self.height):
            track.looked_back = True
            return []
        velocity = track.velocity(first=True)
        if not any(velocity):
            return []
        track.looked_back = True
        out = []
        for seen in reversed(self._kept(first.frame - GAP - 1, first.frame)):
            box = _moved(first.box, velocity, seen.index - first.frame, self.width, self.height)
            found = self._judged(seen, box, track.score, FOLLOWED)
            if found is None:
                break
            out.append(found)
        track.suspects[:0] = reversed(out)
        return out

    def _follow_out(self, track: _Track, seen: _Seen) -> list[Suspect]:
        """A face at the frame's edge that was not found in this frame, followed on out of it."""
        velocity = track.velocity()
        if not _at_edge(track.last.box, self.width, self.height) or not any(velocity):
            return []
        detected = next(s for s in reversed(track.suspects) if s.how == DETECTED)
        box = _moved(detected.box, velocity, seen.index - detected.frame, self.width, self.height)
        found = self._judged(seen, box, track.score, FOLLOWED)
        if found is None:
            track.stopped = True
            return []
        track.suspects.append(found)
        return [found]


def judge(
    detections: Sequence[Detection], image: np.ndarray, original: np.ndarray | None
) -> tuple[list[tuple[Detection, float]], list[Detection]]:
    """The detections whose detail survived, each with its detail score; and (against the original
    only) those whose detail did not: faces the anonymized video hides.

    Only detections the detector scored :data:`WEAK_SCORE` or more are
    measured; the detail must reach :data:`MIN_DETAIL` (with the original) or
    :data:`MIN_DETAIL_ALONE` (without). Whether a detection is sure enough to be
    a suspect on its own is :func:`min_score`'s to say.
    """
    needed = MIN_DETAIL if original is not None else MIN_DETAIL_ALONE
    kept: list[tuple[Detection, float]] = []
    hidden: list[Detection] = []
    for d in detections:
        if d.score < WEAK_SCORE:
            continue
        detail = measure(image, original, d.box)
        if detail is None:
            continue
        if detail >= needed:
            kept.append((d, detail))
        elif original is not None:
            hidden.append(d)
    return kept, hidden


def audit_video(
    video: str | Path,
    original: str | Path | None = None,
    *,
    every: int = 1,
    progress: bool = False,
    detector: Any = None,
    on_frame: Callable[[int, list[Suspect]], None] | None = None,
) -> AuditReport:
    """Check every ``every``-th frame of ``video`` for faces whose detail survived; the report.

    ``original`` is the video ``video`` was made from (same frame count and
    size, matched by index); without it the detail is estimated from
    ``video`` alone. ``detector`` replaces the MTCNN detector (tests, and a
    benchmark that replays one run's detections); ``on_frame(index,
    suspects)`` is called for each frame with the suspects settled then (in it
    and in the frames kept before it). Nothing is written.

    A video that cannot be read, or an original that does not match it, is a
    :class:`~installation.errors.UsageError` naming the file.
    """
    from installation.detect.mtcnn import MtcnnDetector

    video = Path(video)
    original = Path(original) if original is not None else None
    if every < 1:
        raise UsageError(f"--every: expected a whole number from 1, got {every}")
    pair = _Pair(video, original)
    report = AuditReport(video, original, fps=pair.fps, size=pair.size)
    own = detector is None
    bar = None
    start = time.perf_counter()
    try:
        finder = MtcnnDetector(thresholds=THRESHOLDS, min_face=MIN_FACE) if own else detector
        width, height = pair.size
        follower = _Follower(width, height, MIN_DETAIL if original is not None else MIN_DETAIL_ALONE)
        if progress:
            from tqdm import tqdm

            desc = f"audit {video.name}"
            bar = tqdm(total=pair.total, unit="frame", desc=desc, file=sys.stderr, dynamic_ncols=True)
        for frame, reference in pair.frames():
            report.frames += 1
            candidates: list[tuple[Detection, float]] = []
            hidden: list[Detection] = []
            if frame.index % every == 0:
                report.checked += 1
                # Against the original the detector looks at the original frame: a face the
                # anonymized one hides is found there too, and tells where to look between.
                found = finder.detect(frame.image if reference is None else reference)
                report.detections += len(found)
                candidates, hidden = judge(found, frame.image, reference)
            seen = _Seen(frame.index, frame.timestamp, frame.image, reference, candidates, hidden)
            settled = follower.step(seen)
            report.suspects += settled
            if on_frame is not None:
                on_frame(frame.index, settled)
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
        if own and "finder" in locals():
            finder.close()
        pair.close()
    report.suspects = _one_per_face(report.suspects)
    report.seconds = time.perf_counter() - start
    return report


def _one_per_face(suspects: list[Suspect]) -> list[Suspect]:
    """Suspects that overlap another of the same frame (two ways of finding one face) kept once, the
    detector's own first."""
    rank = {DETECTED: 0, BETWEEN: 1, FOLLOWED: 2}
    kept: list[Suspect] = []
    by_frame: dict[int, list[Suspect]] = {}
    for s in sorted(suspects, key=lambda s: (s.frame, rank[s.how], -s.score)):
        here = by_frame.setdefault(s.frame, [])
        if all(s.box.iou(other.box) < DUPLICATE_IOU for other in here):
            here.append(s)
            kept.append(s)
    return kept


# -- the contact sheet -------------------------------------------------------------------------------


def choose_for_sheet(suspects: Sequence[Suspect], limit: int = SHEET_MAX) -> list[Suspect]:
    """At most ``limit`` suspects for the contact sheet, spread evenly over the video, in frame order.

    >>> many = [Suspect(i, i / 30, Box(0, 0, 10, 10), 0.9, 0.9) for i in range(100)]
    >>> [s.frame for s in choose_for_sheet(many, 4)]
    [0, 33, 66, 99]
    """
    ordered = sorted(suspects, key=lambda s: (s.frame, s.box.x))
    if len(ordered) <= limit:
        return ordered
    if limit == 1:
        return ordered[:1]
    step = (len(ordered) - 1) / (limit - 1)
    return [ordered[round(i * step)] for i in range(limit)]


def sheet_crop(image: np.ndarray, box: Box, cell: int = SHEET_CELL) -> np.ndarray:
    """The cell for one suspect: the box grown by half, cut from ``image`` and fitted into a square.

    Only ``image`` is read: the caller gives it the anonymized frame.
    """
    height, width = image.shape[:2]
    x0, y0, x1, y1 = box.scaled(1.5).pixel_bounds(width, height)
    out = np.zeros((cell, cell, 3), np.uint8)
    if x1 - x0 < 1 or y1 - y0 < 1:
        return out
    crop = image[y0:y1, x0:x1]
    scale = cell / max(crop.shape[:2])
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_NEAREST
    fitted = cv2.resize(crop, size, interpolation=interpolation)
    top, left = (cell - size[1]) // 2, (cell - size[0]) // 2
    out[top : top + size[1], left : left + size[0]] = fitted
    return out


def contact_sheet(video: str | Path, suspects: Sequence[Suspect]) -> tuple[np.ndarray, int]:
    """The contact sheet of ``suspects``, read from the anonymized ``video`` alone, and its crop count.

    Each cell is :func:`sheet_crop` of the suspect's frame, labelled with its
    frame number and time in white on grey; the sheet is grey where no cell is.
    """
    from installation.sources.footage import FootageFile

    chosen = choose_for_sheet(suspects)
    wanted: dict[int, list[Suspect]] = {}
    for s in chosen:
        wanted.setdefault(s.frame, []).append(s)
    cells: list[np.ndarray] = []
    with FootageFile(Path(video), name=str(video)) as anonymized:
        while wanted:
            frame = anonymized.read()
            if frame is None:
                break
            for s in wanted.pop(frame.index, []):
                cell = np.full((SHEET_CELL + _SHEET_LABEL, SHEET_CELL, 3), 48, np.uint8)
                cell[:SHEET_CELL] = sheet_crop(frame.image, s.box)
                label = f"{s.frame}  {s.time:.2f}s"
                cv2.putText(
                    cell,
                    label,
                    (4, SHEET_CELL + 13),
                    cv2.FONT_HERSHEY_SIMPLEX,
                    0.4,
                    (255, 255, 255),
                    1,
                    cv2.LINE_AA,
                )
                cells.append(cell)
    columns = max(1, min(SHEET_COLUMNS, len(cells)))
    rows = max(1, math.ceil(len(cells) / columns))
    cell_h, gap = SHEET_CELL + _SHEET_LABEL, 4
    sheet = np.full((rows * (cell_h + gap) + gap, columns * (SHEET_CELL + gap) + gap, 3), 24, np.uint8)
    for i, cell in enumerate(cells):
        r, c = divmod(i, columns)
        y, x = gap + r * (cell_h + gap), gap + c * (SHEET_CELL + gap)
        sheet[y : y + cell_h, x : x + SHEET_CELL] = cell
    return sheet, len(cells)


def write_contact_sheet(video: str | Path, suspects: Sequence[Suspect], path: str | Path) -> int:
    """Write the contact sheet of ``suspects`` (crops of the anonymized ``video`` only) to ``path`` as
    PNG, whole or not at all; the number of crops on it."""
    import os

    from installation.outputs.files import publish, temporary_beside

    path = Path(path)
    sheet, count = contact_sheet(video, suspects)
    ok, encoded = cv2.imencode(".png", sheet)
    if not ok:
        raise UsageError(f"{path}: the contact sheet could not be encoded as PNG")
    temporary = temporary_beside(path, ".partial.png")
    try:
        with open(temporary, "wb") as file:
            file.write(encoded.tobytes())
            file.flush()
            os.fsync(file.fileno())
        publish(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return count


# -- the command line ---------------------------------------------------------------------------------
