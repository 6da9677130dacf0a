"""Recorded footage: detection runs ahead of the output, so faces are hidden before their first sighting too.

Live, the pipeline can only look back: a face is hidden from the frame it is
first detected in, and the tracker holds it for a while after it was last
seen. A recording can be read twice instead. One reader (the *finder*, on
its own thread) detects and tracks; the other reads the same frames about
two holds behind it and hides them. Before a stretch of frames is hidden, a
second tracker runs *backwards in time* over the detections the finder has
made up to a hold beyond that stretch: it holds each face for the hold
*before* its first sighting, moving back along its path, just as the forward
tracker holds it after its last. So on recorded footage a face is hidden
from a hold before it is first detected to a hold after it is last.

Two things follow. A small face that the rotating tiles reach some frames
after it came into view is hidden in those frames too. And detection can run
on every other frame (``detect_every=2``): each frame between two detected
ones gets its faces from the frame before (the forward tracker) and the frame
after (the backward one), a frame away from each, which halves the
detector's work. The one case this cannot see is a face visible on a single
skipped frame and on neither neighbour; ``detect_every=1`` rules that out
too, at twice the detector's cost.

The edge guard of :class:`~installation.pipeline.MotionGuard` still runs on
every frame: a face half outside the frame, walking in, is found by no
detector until it is inside.

When the camera moves, the finder's estimate of its motion is kept with
each sighting. Forward, the tracker and the guard use it as they do live;
backward, each step from a frame to the one before it is the inverse of
the motion between them, so a face held before its first sighting moves
with the view too. A frame where the view jumped (motion lost) is hidden
whole, as live.

Where the picture changes size midway (two recordings joined, as in
broadcast ``.ts`` files), both trackers and the guard start afresh, as on a
new clip, and the first frame of the new size is searched whole. So they do
where the frames given skip some of the video (``anonymize --only`` reads
only the spans it writes and a hold around each): each stretch of
consecutive frames is a clip of its own.
"""

from __future__ import annotations

import math
import sys
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from installation.effects import Effect
from installation.frames import Detection, Frame, Processed
from installation.pipeline.processor import MotionGuard, Processor, hidden_whole
from installation.track import CameraMotion, TrackedFace, Tracker

if TYPE_CHECKING:
    from installation.pipeline.exclusions import Keep


@dataclass
class Sighting:
    """What the finder made of one frame."""

    index: int
    timestamp: float
    size: tuple[int, int]
    #: None where the detector did not run (or failed).
    detections: list[Detection] | None
    #: The forward tracker's faces to hide.
    faces: list[TrackedFace]
    failure: str
    detect_ms: float
    #: How the camera moved from the frame before to this one.
    motion: CameraMotion | None = None


class Lookahead:
    """Hides faces in recorded footage with detection running ahead of the output.

    ``open_frames`` must yield the same frames in the same order each time it
    is called. The finder reads them; the frames it has read wait in memory
    for the output while that fits in ``buffer_bytes`` (about 110 MB for 720p
    footage at 30 fps with a 1 s hold); otherwise (large frames, long holds)
    a second reader decodes them again for the output. :meth:`run` yields a
    :class:`~installation.frames.Processed` for every frame, in order; the
    processor's detector and tracker belong to the finder while it runs.
    With ``keep_originals=False`` the effect is drawn on the decoded frames
    themselves (no copy): the result's ``frame.image`` is then the hidden
    picture too.

    With ``keep`` (``anonymize --keep``), the finder searches the whole
    footage before the first frame is hidden, a second reader decodes it again
    for the output, and the tracks ``keep`` decides to keep are left
    untouched (:mod:`~installation.pipeline.exclusions`).

    >>> from installation.detect import create_detector                        # doctest: +SKIP
    >>> lookahead = Lookahead(Processor(create_detector("full"), Tracker()))  # doctest: +SKIP
    >>> for out in lookahead.run(lambda: read_frames(path), Effect.BLUR, 0.5):  # doctest: +SKIP
    ...     writer.write(out.image)
    """

    #: Frames per backward pass: each pass covers this many frames and looks a hold beyond them.
    STRETCH = 16
    #: Frames the finder may run ahead of what the output needs, so neither waits on the other's
    #: every hiccup.
    SLACK = 16

    def __init__(
        self,
        processor: Processor,
        *,
        detect_every: int = 2,
        fps: float = 30.0,
        buffer_bytes: int = 512 * 2**20,
        keep_originals: bool = True,
        keep: Keep | None = None,
    ) -> None:
        if detect_every < 1:
            raise ValueError(f"detect_every must be 1 or more, got {detect_every}")
        self.processor = processor
        self.detect_every = int(detect_every)
        self.buffer_bytes = int(buffer_bytes)
        self.keep_originals = keep_originals
        hold = processor.tracker.hold_seconds
        # Frames a hold spans where the frames come fastest (``fps``), and a frame to spare.
        self.window = math.ceil(hold * max(1.0, fps)) + 1
        #: Sightings the output needs beyond the frame it hides.
        self.needs = self.window + self.STRETCH - 1
        #: How far the finder is ahead of the output at most: to the end, where a track is judged
        #: on all of its life.
        self.lead = self.needs + self.SLACK if keep is None else sys.maxsize // 2
        self.keep = keep
        self._sightings: dict[int, Sighting] = {}
        self._images: dict[int, Frame] = {}
        self._found = 0
        self._shown = 0
        self._buffered: bool | None = None
        self._done = False
        self._error: BaseException | None = None
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._ahead: dict[int, list[TrackedFace]] = {}
        self._started = False

    @property
    def buffered(self) -> bool | None:
        """Whether the output reuses the finder's frames (None until the first frame is read)."""
        return self._buffered

    # -- the finder ----------------------------------------------------------

    def _find(self, open_frames: Callable[[], Iterator[Frame]]) -> None:
        frames = open_frames()
        try:
            retry = False
            size: tuple[int, int] | None = None
            previous: int | None = None
            for i, frame in enumerate(frames):
                with self._changed:
                    if self._buffered is None:
                        self._buffered = frame.image.nbytes * (self.lead + 1) <= self.buffer_bytes
                        self._changed.notify_all()
                    # Never further ahead than the output needs: frames wait in memory.
                    while i - self._shown >= self.lead and not self._stop.is_set():
                        self._changed.wait(0.2)
                if self._stop.is_set():
                    break
                resized = size is not None and size != (frame.width, frame.height)
                jumped = previous is not None and frame.index != previous + 1
                size, previous = (frame.width, frame.height), frame.index
                if resized or jumped:
                    # A new picture size is a new recording (two broadcasts joined), and frames
                    # after a jump are another part of the video: nothing tracked before carries
                    # over, and the new picture is searched whole at once.
                    self.processor.reset()
                found = self.processor.find(
                    frame, detect=retry or resized or jumped or i % self.detect_every == 0
                )
                retry = bool(found.failure)
                sighting = Sighting(
                    frame.index,
                    frame.timestamp,
                    (frame.width, frame.height),
                    found.detections,
                    found.faces,
                    found.failure,
                    found.timings.get("detect", 0.0),
                    found.camera_motion,
                )
                with self._changed:
                    self._sightings[i] = sighting
                    if self._buffered:
                        self._images[i] = frame
                    self._found = i + 1
                    self._changed.notify_all()
        except BaseException as exc:  # handed to the reader of the output, raised there
            self._error = exc
        finally:
            close = getattr(frames, "close", None)
            if close is not None:
                close()
            with self._changed:
                self._done = True
                self._changed.notify_all()

    def _wait_for(self, last: int) -> int:
        """Block until sighting ``last`` exists or the finder is done; how many sightings exist."""
        with self._changed:
            while self._found <= last and not self._done:
                self._changed.wait(0.2)
            if self._error is not None:
                raise self._error
            return self._found

    def _wait_for_mode(self) -> bool:
        with self._changed:
            while self._buffered is None and not self._done:
                self._changed.wait(0.2)
            if self._error is not None:
                raise self._error
            return bool(self._buffered)

    # -- looking back from later frames --------------------------------------

    def _backward(self, start: int, known: int) -> None:
        """Faces held before their next sighting, for the stretch of frames from ``start``.

        A fresh tracker runs from a hold beyond the stretch (or the last
        sighting) back to ``start``: every sighting that can reach back into
        the stretch within a hold lies in that range.
        """
        stop = min(known, start + self.STRETCH)
        end = min(known, stop + self.window) - 1
        tracker = Tracker(hold_seconds=self.processor.tracker.hold_seconds)
        ids: dict[int, int] = {}
        for i in range(end, start - 1, -1):
            sighting = self._sightings[i]
            if i < end and _apart(sighting, self._sightings[i + 1]):
                # Back across a change of picture size or a jump: faces of the later picture were
                # never here.
                tracker = Tracker(hold_seconds=self.processor.tracker.hold_seconds)
                ids = {}
            # Stepping back from frame i + 1 to frame i undoes the camera's motion between them.
            later = self._sightings[i + 1].motion if i < end else None
            back = later.inverse() if later is not None else None
            if sighting.detections is not None:
                faces = tracker.update(sighting.detections, -sighting.timestamp, sighting.size, back)
            else:
                faces = tracker.predict(-sighting.timestamp, sighting.size, back)
            extra = []
            for face in faces:
                if sighting.detections is not None and face.misses == 0:
                    # Seen on this frame: the forward tracker holds the same face; take its id.
                    twin = max(sighting.faces, key=lambda f: f.box.iou(face.box), default=None)
                    if twin is not None and twin.box.iou(face.box) > 0:
                        ids[face.track_id] = twin.track_id
                elif i < stop:
                    extra.append(
                        TrackedFace(
                            ids.get(face.track_id, -face.track_id),
                            face.box,
                            face.score,
                            face.misses,
                            face.age,
                            face.confirmed,
                        )
                    )
            if i < stop:
                self._ahead[i] = extra

    # -- the output ----------------------------------------------------------

    def run(
        self, open_frames: Callable[[], Iterator[Frame]], effect: Effect, strength: float
    ) -> Generator[Processed, None, None]:
        """Every frame of the footage, hidden, in order (one run per ``Lookahead``)."""
        if self._started:
            raise RuntimeError("a Lookahead runs once; make a new one for the next footage")
        self._started = True
        finder = threading.Thread(
            target=self._find, args=(open_frames,), name="lookahead-finder", daemon=True
        )
        finder.start()
        frames: Iterator[Frame] | None = None
        try:
            if not self._wait_for_mode():
                frames = open_frames()
            yield from self._output(frames, effect, strength)
        finally:
            self._stop.set()
            with self._changed:
                self._changed.notify_all()
            if frames is not None:
                close = getattr(frames, "close", None)
                if close is not None:
                    close()
            finder.join(timeout=10)

    def _buffered_frames(self) -> Iterator[Frame]:
        j = 0
        while True:
            if self._wait_for(j) <= j:
                return
            with self._changed:
                frame = self._images.pop(j)
            yield frame
            j += 1

    def _output(self, frames: Iterator[Frame] | None, effect: Effect, strength: float) -> Iterator[Processed]:
        guard = MotionGuard()
        processor = self.processor
        size: tuple[int, int] | None = None
        previous: int | None = None
        kept: set[int] = set()
        if self.keep is not None:
            self._wait_for(self.lead)
            with self._changed:
                kept = self.keep.decide(self._sightings[i] for i in sorted(self._sightings))
        for j, frame in enumerate(frames if frames is not None else self._buffered_frames()):
            if (size is not None and size != (frame.width, frame.height)) or (
                previous is not None and frame.index != previous + 1
            ):
                guard = MotionGuard()  # nothing of the old picture to compare with
            size, previous = (frame.width, frame.height), frame.index
            known = self._wait_for(j + self.needs)
            if j >= known:
                # The finder's reader ended early: nothing vouches for this frame.
                yield hidden_whole(frame, effect, "no detection for this frame")
                continue
            if j not in self._ahead:
                self._backward(j, known)
            with self._changed:
                sighting = self._sightings[j]
                # Later stretches look back only as far as their own start.
                del self._sightings[j]
                self._shown = j + 1
                self._changed.notify_all()
            assert sighting.index == frame.index, "the two readers disagree"
            ahead = self._ahead.pop(j, [])
            timings = {"detect": sighting.detect_ms}
            if sighting.failure:
                yield hidden_whole(frame, effect, sighting.failure, faces=sighting.faces, timings=timings)
                continue
            faces = sighting.faces
            if self.keep is not None:
                faces = self.keep.hidden(faces, sighting.size, kept)
                ahead = self.keep.hidden(ahead, sighting.size, kept)
            yield processor.guard_and_hide(
                frame,
                guard,
                effect,
                strength,
                detections=sighting.detections,
                faces=faces,
                ahead=ahead,
                # Detection looked at this frame from both sides: the guard watches the edges only.
                checked=True,
                motion=sighting.motion,
                timings=timings,
                in_place=not self.keep_originals,
            )


def _apart(earlier: Sighting, later: Sighting) -> bool:
    """Whether two sightings in a row belong to different clips: the picture changed size, or
    frames were skipped between them."""
    return earlier.size != later.size or later.index != earlier.index + 1
