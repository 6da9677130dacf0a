"""Face tracks across frames: stable ids, smoothed boxes, and hiding through detector misses.

A detector misses faces now and then (a turned head, motion blur, a frame it
did not run on). Every miss would otherwise show a face for a frame, so the
tracker carries each face forward: it predicts where the face has gone
(constant velocity, damped so that a face that stopped is not flung across the
frame), widens the box it hands to the effect while it is unsure, and lets go
once ``hold_seconds`` have passed without a sighting or the box has left the
frame. A detection is hidden from the first frame it appears in;
``confirmed`` only decides whether it counts as a person in statistics.

One exception shortens the hold: a box of :data:`SINGLE_SIGHTING_PX` or more,
first seen on a frame the camera moved more than :data:`SMEAR_PIXELS` since
the one before (or jumped), with a score under :data:`SINGLE_SIGHTING_SCORE`,
and never seen again, is let go after :data:`SINGLE_HOLD_SECONDS`. In the
smeared frames of a whip pan a detector finds large, weak look-alikes in
blurred texture, and holding one for the whole hold, widening, could hide
most of the picture; a face that large is found again within a few frames
once the view steadies. Every other box keeps the whole hold: small faces are
found only now and then, a face in a dim room may be found once, weakly, on a
still camera, and a sure detection may be a visitor who then turned away.

When the camera moves (pan, zoom, roll, shake), each update is given the
camera's motion since the previous frame (:mod:`installation.track.motion`):
every track is first carried through it, so a face standing still in the
room stays on its spot in the picture while the view slides past, and its
velocity is its own, not the camera's. A motion that could not be known
(a whip pan) widens every box quickly instead: the face may be anywhere
near.

Times are the frames' own timestamps (seconds), not frame counts, so the hold
means the same at 15 and at 60 frames per second and across dropped frames.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from installation.frames import SURE_SCORE, Detection
from installation.geometry import Box
from installation.track.motion import CameraMotion

#: Time constant (s) with which a predicted velocity dies away while a face is unseen.
DAMPING_SECONDS = 0.5
#: Steady-state alpha-beta gains for position and velocity (Benedict-Bordner pair).
POSITION_GAIN = 0.5
VELOCITY_GAIN = POSITION_GAIN**2 / (2 - POSITION_GAIN)
#: Gain with which box sizes follow the detections.
SIZE_GAIN = 0.4
#: Speeds above this many face widths per second are taken for a bad match and capped.
MAX_SPEED_WIDTHS = 16.0
#: The hidden region reaches at most this many face widths ahead of the last sighting.
MAX_SWEEP_WIDTHS = 3.0
#: How much faster a box widens while its face's speed is not yet known.
UNKNOWN_SPEED_GROWTH = 5.0
#: Each frame whose camera motion is unknown widens an unseen face's box by this share of its size.
UNKNOWN_MOTION_GROWTH = 0.5
#: Up to this many times the size (on top of the ordinary growth).
MAX_UNKNOWN_GROWTH = 3.0
#: A track seen only once whose box is this large or larger (pixels, its longer side), with a
#: score under this, first seen where the camera moved more than this many pixels a frame ...
SINGLE_SIGHTING_PX = 48.0
SINGLE_SIGHTING_SCORE = SURE_SCORE
SMEAR_PIXELS = 20.0
#: ... is let go after this many seconds unseen (or the hold, if shorter), not the whole hold.
SINGLE_HOLD_SECONDS = 0.3


@dataclass
class TrackedFace:
    """One face as the tracker sees it on the current frame.

    ``box`` is the region to hide: the predicted face box, grown while the
    face is unseen. ``misses`` counts consecutive updates without a matching
    detection (0: seen on this frame), ``age`` the updates since the track
    began, ``confirmed`` whether it was seen often enough to count as a person.
    """

    track_id: int
    box: Box
    score: float
    misses: int
    age: int
    confirmed: bool


class _Track:
    """Filter state of one face: centre and velocity per axis, smoothed size."""

    def __init__(self, track_id: int, detection: Detection, timestamp: float) -> None:
        box = detection.box
        self.track_id = track_id
        self.cx, self.cy = box.cx, box.cy
        self.vx = self.vy = 0.0
        self.w, self.h = box.w, box.h
        self.seen_at = timestamp
        self.seen_box = box
        self.score = detection.score
        self.misses = 0
        self.age = 1
        self.hits = 1
        self.confirmed = False
        #: Extra growth from frames whose camera motion was unknown, since the last sighting.
        self.spread = 1.0
        #: First seen on a frame the camera moved fast: perhaps a look-alike in a smeared picture.
        self.smeared = False

    def follow(self, motion: CameraMotion) -> None:
        """Carry the state into the view after the camera moved by ``motion`` (a known one)."""
        self.cx, self.cy = motion.apply(self.cx, self.cy)
        self.vx, self.vy = motion.apply_vector(self.vx, self.vy)
        scale = motion.scale
        self.w, self.h = self.w * scale, self.h * scale
        self.seen_box = motion.apply_box(self.seen_box)

    def correct(
        self, box: Box, score: float, timestamp: float, cut: tuple[bool, bool] = (False, False)
    ) -> None:
        """Fold in a matching detection (``box`` already corrected for the frame edge).

        ``cut`` says whether the detection was cut by a left or right edge, and by the top or
        bottom one. Along a cut axis its place says nothing of the face's speed: a detector
        centres its box on the part in view, which moves slower than the face as it leaves (a
        zoom carrying faces out of the picture seemed to bring them back in) and faster as it
        comes in. There the speed learnt before dies away instead, as fast as a sighting would
        correct it.
        """
        dt = timestamp - self.seen_at
        self.hits += 1
        n = self.hits
        # Growing-memory gains for the first few sightings (a least-squares
        # line through them), then the steady pair: a new track learns its
        # velocity from two sightings instead of creeping up to it.
        alpha = max(POSITION_GAIN, 2 * (2 * n - 1) / (n * (n + 1)))
        beta = max(VELOCITY_GAIN, 6 / (n * (n + 1)))
        px, py = self.cx + self.vx * dt, self.cy + self.vy * dt
        rx, ry = box.cx - px, box.cy - py
        self.cx, self.cy = px + alpha * rx, py + alpha * ry
        if dt > 1e-6:
            self.vx = self.vx * (1 - beta) if cut[0] else self.vx + beta * rx / dt
            self.vy = self.vy * (1 - beta) if cut[1] else self.vy + beta * ry / dt
        limit = MAX_SPEED_WIDTHS * max(self.w, self.h)
        speed = math.hypot(self.vx, self.vy)
        if speed > limit:
            self.vx, self.vy = self.vx * limit / speed, self.vy * limit / speed
        size_gain = max(SIZE_GAIN, 1.0 / n)
        self.w += size_gain * (box.w - self.w)
        self.h += size_gain * (box.h - self.h)
        filtered = Box.from_centre(self.cx, self.cy, self.w, self.h)
        self.seen_box = _union(filtered, box)
        self.seen_at = timestamp
        self.score = score
        self.misses = 0
        self.spread = 1.0

    def hidden_box(self, timestamp: float, growth_per_second: float, max_growth: float) -> Box:
        """Where to hide the face at ``timestamp``, given what was seen at ``seen_at``."""
        elapsed = max(0.0, timestamp - self.seen_at)
        if elapsed == 0.0:
            return self.seen_box
        # Cover every place between where the face was last seen and where it
        # would be had it kept its speed: it may have stopped, slowed or gone on.
        if self.hits < 3:
            # Two sightings or fewer say little about the speed: widen faster.
            growth_per_second *= UNKNOWN_SPEED_GROWTH
        grow = min(max_growth, 1.0 + growth_per_second * elapsed) * self.spread
        base = self.seen_box
        w, h = base.w * grow, base.h * grow
        dx, dy = self.vx * elapsed, self.vy * elapsed
        reach = MAX_SWEEP_WIDTHS * max(base.w, base.h)
        distance = math.hypot(dx, dy)
        if distance > reach:
            dx, dy = dx * reach / distance, dy * reach / distance
        seen = Box.from_centre(base.cx, base.cy, w, h)
        ahead = Box.from_centre(base.cx + dx, base.cy + dy, w, h)
        return _union(seen, ahead)

    def likely_box(self, timestamp: float) -> Box:
        """The single most likely face box: constant velocity, dying away while unseen."""
        elapsed = max(0.0, timestamp - self.seen_at)
        damped = DAMPING_SECONDS * (1.0 - math.exp(-elapsed / DAMPING_SECONDS))
        base = self.seen_box
        return Box.from_centre(base.cx + self.vx * damped, base.cy + self.vy * damped, base.w, base.h)

    def view(self, box: Box) -> TrackedFace:
        return TrackedFace(self.track_id, box, self.score, self.misses, self.age, self.confirmed)


#: The hold (seconds a face stays hidden after the detector last saw it, and on recorded
#: footage before it first did) that a config or ``anonymize --hold`` may set: at least a
#: tenth of a second, so one missed detection never shows a face; at most ten.
HOLD_RANGE = (0.1, 10.0)


class Tracker:
    """Associates detections across frames and says which regions to hide.

    Call :meth:`update` with the detections of every frame the detector ran
    on, and :meth:`predict` on frames it did not; both return the faces to
    hide on that frame, ordered by id.

    >>> from installation.frames import Detection
    >>> from installation.geometry import Box
    >>> tracker = Tracker(hold_seconds=0.5)
    >>> [f.track_id for f in tracker.update([Detection(Box(100, 80, 40, 40), 0.9)], 0.0, (640, 360))]
    [1]
    >>> face, = tracker.update([], 0.1, (640, 360))   # missed: still hidden, box grown
    >>> face.misses, face.box.w > 40
    (1, True)
    >>> tracker.update([], 0.7, (640, 360))            # gone for longer than the hold
    []
    >>> tracker.tracks_started
    1
    """

    def __init__(
        self,
        *,
        hold_seconds: float = 1.0,
        iou_threshold: float = 0.2,
        growth_per_second: float = 0.5,
        max_growth: float = 1.6,
        confirm_hits: int = 3,
    ) -> None:
        if not hold_seconds >= 0:
            raise ValueError(f"tracker: hold_seconds must be 0 or more, got {hold_seconds}")
        if not 0 <= iou_threshold <= 1:
            raise ValueError(f"tracker: iou_threshold must be within [0, 1], got {iou_threshold}")
        if not growth_per_second >= 0 or not max_growth >= 1:
            raise ValueError(
                f"tracker: growth_per_second must be 0 or more and max_growth 1 or more, "
                f"got {growth_per_second} and {max_growth}"
            )
        self.hold_seconds = float(hold_seconds)
        self.iou_threshold = float(iou_threshold)
        self.growth_per_second = float(growth_per_second)
        self.max_growth = float(max_growth)
        self.confirm_hits = max(1, int(confirm_hits))
        #: Tracks started since the tracker was made (faces seen), kept across :meth:`reset`.
        self.tracks_started = 0
        self._tracks: list[_Track] = []
        self._next_id = 1
        self._now: float | None = None

    def reset(self) -> None:
        """Forget every track (a new camera, a jump in the footage); ids and ``tracks_started`` go on."""
        self._tracks.clear()
        self._now = None

    def update(
        self,
        detections: Sequence[Detection],
        timestamp: float,
        frame_size: tuple[int, int],
        motion: CameraMotion | None = None,
    ) -> list[TrackedFace]:
        """Fold in the detections of a frame (``frame_size`` is ``(width, height)``); the faces to hide.

        ``motion`` is the camera's motion since the previous frame (None: a still camera).
        """
        timestamp = self._advance(timestamp)
        self._follow(motion)
        width, height = frame_size
        smeared = motion is not None and (
            motion.lost or (motion.known and motion.measured(width, height).displacement > SMEAR_PIXELS)
        )
        predicted = [t.hidden_box(timestamp, self.growth_per_second, self.max_growth) for t in self._tracks]
        matches = self._associate(predicted, detections, timestamp)
        matched_tracks = set()
        matched_detections = set()
        shown: dict[int, Box] = {}
        for ti, di in matches:
            track, detection = self._tracks[ti], detections[di]
            box = _uncut(_past_the_edge(detection.box, width, height), track.w, track.h, width, height)
            track.correct(box, detection.score, timestamp, _cut(detection.box, width, height))
            # What the detector saw this frame is always hidden, whatever the filter thinks.
            track.seen_box = _union(track.seen_box, detection.box)
            track.age += 1
            if track.hits >= self.confirm_hits:
                track.confirmed = True
            matched_tracks.add(ti)
            matched_detections.add(di)
            shown[track.track_id] = track.seen_box
        for ti, track in enumerate(self._tracks):
            if ti not in matched_tracks:
                track.misses += 1
                track.age += 1
                shown[track.track_id] = predicted[ti]
        for di, detection in enumerate(detections):
            if di in matched_detections or not _usable(detection.box):
                continue
            # A face first seen cut by the frame edge: its box is only the part inside, and an
            # ellipse over that part leaves the corners at the edge uncovered. Given a face's
            # shape, the box is carried past the edge instead.
            whole = Detection(_past_the_edge(detection.box, width, height), detection.score)
            track = _Track(self._next_id, whole, timestamp)
            track.confirmed = self.confirm_hits <= 1
            track.smeared = smeared
            self._next_id += 1
            self.tracks_started += 1
            self._tracks.append(track)
            shown[track.track_id] = whole.box
        return self._keep(shown, timestamp, width, height)

    def predict(
        self, timestamp: float, frame_size: tuple[int, int], motion: CameraMotion | None = None
    ) -> list[TrackedFace]:
        """The faces to hide on a frame the detector did not run on (counters are left as they are)."""
        timestamp = self._advance(timestamp)
        self._follow(motion)
        width, height = frame_size
        shown = {
            t.track_id: t.hidden_box(timestamp, self.growth_per_second, self.max_growth) for t in self._tracks
        }
        return self._keep(shown, timestamp, width, height)

    def likely_boxes(self, timestamp: float) -> list[Box]:
        """Where each face most likely is at ``timestamp`` (no growth), for focusing a detector.

        Reads the tracks without changing them.
        """
        now = self._now if self._now is not None and timestamp < self._now else timestamp
        return [t.likely_box(now) for t in self._tracks]

    # -- internals ---------------------------------------------------------

    def _hold(self, track: _Track) -> float:
        """How long ``track`` is held unseen: the hold, or less for a large, weak box seen only once,
        in a smeared frame."""
        weak = track.score < SINGLE_SIGHTING_SCORE
        if track.hits == 1 and track.smeared and weak and max(track.w, track.h) >= SINGLE_SIGHTING_PX:
            return min(self.hold_seconds, SINGLE_HOLD_SECONDS)
        return self.hold_seconds

    def _advance(self, timestamp: float) -> float:
        timestamp = float(timestamp)
        if not math.isfinite(timestamp):
            raise ValueError(f"tracker: frame timestamp must be a finite number of seconds, got {timestamp}")
        if self._now is not None and timestamp < self._now:
            # The clock went backwards (footage looped, a camera restarted its
            # clock): treat it as no time passing, so holds neither freeze nor
            # end early.
            shift = timestamp - self._now
            for track in self._tracks:
                track.seen_at += shift
        self._now = timestamp
        return timestamp

    def _follow(self, motion: CameraMotion | None) -> None:
        if motion is None:
            return
        if not motion.known:
            # Where the view went is unknown: every face may be anywhere near, so each box widens fast.
            for track in self._tracks:
                track.spread = min(MAX_UNKNOWN_GROWTH, track.spread + UNKNOWN_MOTION_GROWTH)
            return
        for track in self._tracks:
            track.follow(motion)

    def _associate(
        self, predicted: list[Box], detections: Sequence[Detection], timestamp: float
    ) -> list[tuple[int, int]]:
        """Greedy one-to-one matching, cheapest pair first, of tracks to detections."""
        pairs = []
        for ti, (track, region) in enumerate(zip(self._tracks, predicted, strict=True)):
            size = max(track.w, track.h, 1.0)
            likely = track.likely_box(timestamp)
            for di, detection in enumerate(detections):
                box = detection.box
                if not _usable(box):
                    continue
                ratio = max(box.w, box.h, 1.0) / size
                if not 0.5 <= ratio <= 2.0:
                    continue
                iou = region.iou(box)
                # A face that comes out from behind something has often walked faster or
                # slower than the damped prediction: while unseen, its track also takes a
                # detection up to one face width beyond the region it hides. Not a weak one for
                # a sure face: that may be a look-alike beside the region (a shoulder, a poster),
                # and taking it would carry the face's hiding away from where the detector lost
                # it. The weak box is hidden as a track of its own, and the face's region stays
                # hidden for the rest of its hold.
                reach = size if track.misses else 0.0
                if detection.score < SURE_SCORE <= track.score:
                    reach = 0.0
                inside = (
                    region.x - reach <= box.cx <= region.x + region.w + reach
                    and region.y - reach <= box.cy <= region.y + region.h + reach
                )
                if iou < self.iou_threshold and not inside:
                    continue
                distance = math.hypot(box.cx - likely.cx, box.cy - likely.cy) / size
                pairs.append((1.0 - iou + distance, ti, di))
        pairs.sort()
        used_t: set[int] = set()
        used_d: set[int] = set()
        matches = []
        for _, ti, di in pairs:
            if ti in used_t or di in used_d:
                continue
            used_t.add(ti)
            used_d.add(di)
            matches.append((ti, di))
        return matches

    def _keep(self, shown: dict[int, Box], timestamp: float, width: int, height: int) -> list[TrackedFace]:
        kept: list[_Track] = []
        faces = []
        for track in self._tracks:
            box = shown[track.track_id]
            expired = timestamp - track.seen_at > self._hold(track)
            # Out of the frame: nothing left to hide, or (unseen) most likely walked out.
            gone = box.clipped(width, height).area <= 0.0 or (
                track.misses > 0 and track.likely_box(timestamp).clipped(width, height).area <= 0.0
            )
            if expired or gone:
                continue
            kept.append(track)
            faces.append(track.view(box))
        self._tracks = kept
        faces.sort(key=lambda f: f.track_id)
        return faces


#: Width over height of a face box (brow to chin, cheek to cheek), for completing a cut one.
FACE_ASPECT = 0.85


def _past_the_edge(box: Box, width: int, height: int) -> Box:
    """A detection cut off by one frame edge, grown past that edge to a face's proportions.

    >>> _past_the_edge(Box(0, 266, 44, 105), 1280, 720)
    Box(x=-45.25, y=266, w=89.25, h=105)
    >>> _past_the_edge(Box(600, 300, 85, 100), 1280, 720)
    Box(x=600, y=300, w=85, h=100)
    """
    return _uncut(box, FACE_ASPECT * box.h, box.w / FACE_ASPECT, width, height)


def _cut(box: Box, width: int, height: int) -> tuple[bool, bool]:
    """Whether ``box`` is cut by the frame's left or right edge, and by its top or bottom edge.

    >>> _cut(Box(0, 266, 44, 105), 1280, 720), _cut(Box(600, 300, 85, 420), 1280, 720)
    ((True, False), (False, True))
    """
    left, right, top, bottom = box.edges(width, height)
    return left or right, top or bottom


def _union(a: Box, b: Box) -> Box:
    x0, y0 = min(a.x, b.x), min(a.y, b.y)
    x1, y1 = max(a.x + a.w, b.x + b.w), max(a.y + a.h, b.y + b.h)
    return Box(x0, y0, x1 - x0, y1 - y0)


def _usable(box: Box) -> bool:
    values = (box.x, box.y, box.w, box.h)
    return all(math.isfinite(v) for v in values) and box.w > 0 and box.h > 0


def _uncut(box: Box, w: float, h: float, width: int, height: int) -> Box:
    """A detection cut off by the frame edge, restored to the track's size along the cut axis.

    Detectors clip boxes to the frame, so a face leaving it seems to shrink and
    slow down; measuring from the edge that is still inside keeps its speed.
    """
    left_cut, right_cut, top_cut, bottom_cut = box.edges(width, height)
    x, bw = box.x, box.w
    across = left_cut != right_cut
    if bw < w and across:
        x, bw = (box.x + box.w - w, w) if left_cut else (box.x, w)
    y, bh = box.y, box.h
    down = top_cut != bottom_cut
    if bh < h and down:
        y, bh = (box.y + box.h - h, h) if top_cut else (box.y, h)
    # The part of a face still in view narrows as it leaves (a chin is narrower than a brow):
    # along the edge it is not let shrink below the track's size either.
    if down and not across and bw < w:
        x, bw = x + (bw - w) / 2, w
    if across and not down and bh < h:
        y, bh = y + (bh - h) / 2, h
    return Box(x, y, bw, bh)
