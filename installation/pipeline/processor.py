"""One camera's processing: detector -> tracker -> effect.

``Processor.process`` turns a source frame into what may be shown: the effect
is applied to every face the tracker holds, including faces the detector
missed in this frame. Anything that makes the faces uncertain (detection
failing, no detection yet) hides the whole frame instead: the pipeline fails
closed.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

import cv2
import numpy as np
import numpy.typing as npt

from installation.detect import FaceDetector
from installation.effects import Effect, MaskShape, apply_effect, hide_everything
from installation.frames import Detection, Found, Frame, Image, Processed
from installation.geometry import Box
from installation.track import CameraMotion, MotionEstimator, TrackedFace, Tracker
from installation.track.motion import HINT_PIXELS, shrink, to_small, with_hint

if TYPE_CHECKING:
    from installation.config import CameraConfig, Config

log = logging.getLogger(__name__)

#: The motion guard's small grey copy of a frame, and its masks (0 or 255): ``uint8``, left open
#: as :data:`~installation.frames.Image` is.
Grey: TypeAlias = npt.NDArray[Any]

#: How often detection may run, as "every Nth frame", for a config or ``anonymize
#: --detect-every``: beyond 4 a face walking in is covered only by the motion guard's boxes
#: for too many frames, and recorded footage bridges too long a gap between detections.
DETECT_EVERY_RANGE = (1, 4)

#: While a head turns the camera, what the turn brought into view over this many processed frames is
#: hidden along the picture's edges (narrowing to nothing within as many frames of the head
#: stopping), with this margin (pixels): at 40 px a frame, a strip as wide as a near face.
REVEAL_FRAMES = 3
REVEAL_MARGIN = 16.0
#: A turn moving the picture further than this a frame (pixels) smears it past what the detector
#: finds faces in (20 px of smear with the shutter open half the frame): everything it brings into
#: view stays hidden until :data:`REVEAL_FRAMES` frames after the head slows below it, however long
#: it lasted (up to :data:`SWEEP_FRAMES`), so a face that came in smeared is found sharp before it
#: shows.
SWEEP_PIXELS = 40.0
SWEEP_FRAMES = 90


class MotionGuard:
    """Hides what moves where the detector cannot vouch for it yet.

    Three places need it. At the frame's left and right edges, a person walking
    in shows part of a face that no detector recognises until most of it is
    inside: anything in the foreground (against a slowly adapting background
    model) that touches an edge band and is not a tracked face is hidden there
    until it is. (Top and bottom are left alone: a visitor's shoulders rest on
    the bottom edge of a kiosk camera all day.) Away from the edges, the top
    of anything moving that no tracked face is part of is hidden, as a head
    no detector recognises yet (:meth:`_heads`). And
    when detection runs only every Nth frame, anything that changed since the
    last detected frame and is not a tracked face is hidden until the next
    detection has looked at it.

    A camera that pans, zooms or shakes changes every pixel without anyone
    moving. Given the camera's motion (``observe(..., motion=...)``), the
    guard compares like with like: the earlier small frame is warped into
    the current view before differencing, and a difference counts only where
    it exceeds what the neighbouring pixels of the warped frame allow (the
    small copy is 8 px to a pixel; the estimate and a warp are not exact to
    that). The background model cannot be warped, so while the camera moves
    it is re-learnt from each frame, and the edge bands are watched instead
    against the frame :attr:`HISTORY` frames back, warped: a person walking
    in moves against the room, the room does not. What the view newly
    reveals has no past: since the last detection, that strip is hidden
    (the detector has not looked at it); at the edges it is not (a pan
    would hide its leading edge all along). Where the motion is unknown, no
    warp is possible and every change counts, as on a still camera: the
    guard fails closed.

    Works on a small grey copy of the frame (an eighth of each side), so it
    costs a fraction of a millisecond.
    """

    #: Width of the edge bands as a fraction of the frame's width.
    EDGE = 0.1
    #: While the camera moves, the edges are compared with the frame this many frames back.
    HISTORY = 5
    #: A camera motion since the last detection that moves no frame corner further than
    #: this (full-frame pixels) is compared without a warp, exactly as on a still camera.
    STILL_PIXELS = 2.0

    def __init__(self, scale: int = 8, threshold: int = 18, min_area: int = 3) -> None:
        if scale < 1 or scale & (scale - 1):
            raise ValueError(f"motion guard scale {scale}: must be a power of two")
        self.scale = scale
        self.threshold = threshold
        self.min_area = min_area
        self._reference: Grey | None = None
        # About ten seconds of history at 30 fps: someone who stops at the edge
        # stays hidden that long before becoming background.
        self._background = cv2.createBackgroundSubtractorMOG2(
            history=300, varThreshold=24, detectShadows=False
        )
        self._small: Grey | None = None
        self._foreground: Grey | None = None
        #: The camera's motion from the reference frame to now (None: never told of any).
        self._since_reference: CameraMotion | None = None
        #: Recent small frames, each with the camera's motion from it to now.
        self._past: deque[tuple[Grey, CameraMotion]] = deque(maxlen=self.HISTORY)
        #: Frames left during which the edges are watched against the warped past.
        self._compensating = 0
        self._size = (0, 0)

    def observe(self, image: Image, *, detected: bool, motion: CameraMotion | None = None) -> None:
        """Feed every frame, saying whether the detector looked at it and how the camera moved
        since the previous one (None: a still camera)."""
        # Halvings, each an exact 2x2 average (OpenCV's fast path): three of them take a
        # third less time than one 8:1 step on a 720p frame.
        previous = self._small
        self._small = cv2.cvtColor(shrink(image, self.scale), cv2.COLOR_BGR2GRAY)
        self._size = (image.shape[1], image.shape[0])
        moving = motion is not None and motion.moving
        if motion is not None:
            if self._since_reference is not None:
                self._since_reference = self._since_reference.then(motion)
            if previous is not None and previous.shape == self._small.shape:
                self._past.append((previous, CameraMotion.still()))
            self._past = deque(
                ((old, since.then(motion)) for old, since in self._past if motion.known), maxlen=self.HISTORY
            )
        self._compensating = self.HISTORY if moving else max(0, self._compensating - 1)
        first = self._foreground is None
        # While the view moves, the background is the current frame: re-learnt at once.
        # The background model sees the room at the light it had: a projector's flicker or a quick
        # dimming changes every pixel by its share, the people only the pixels they cover. The
        # change is the median of the pixels' ratios to the room the model knows, measured afresh
        # on each frame: lights dimmed slowly change each frame by too little to tell from noise,
        # and far faster than the model learns. The frames it learns from are brought back to its
        # light, so it keeps that light however long the change lasts.
        # (Not on a frame of a new size: the model has the old size.)
        steady = self._small
        known = None
        if not moving and previous is not None and previous.shape == self._small.shape:
            known = self._background.getBackgroundImage()
        # What brings the frame back to the light the model knows.
        gain = 1.0 if known is None else 1.0 / _light_ratio(known, self._small)
        if known is not None and abs(gain - 1.0) > LIGHT_TOLERANCE:
            # The room at the light the model knows, except where the picture as it is matches the
            # model better: what no light touches (a caption, a clock, a black border).
            relit = cv2.convertScaleAbs(self._small, alpha=gain)
            steady = _closer(known, self._small, relit)
        self._foreground = self._background.apply(steady, learningRate=1.0 if moving else -1.0)
        if first or moving:
            # Nothing to compare the first frame with: it is the background.
            self._foreground[:] = 0
        elif cv2.countNonZero(self._foreground) > 0.4 * self._foreground.size:
            # The light changed, not the people: learn the new light at once
            # rather than hiding the whole room until it fades in.
            self._foreground = self._background.apply(steady, learningRate=1.0)
        if self._compensating and motion is not None:
            self._foreground = self._edges_against_past()
        if detected:
            self._reference = self._small
            self._since_reference = None if motion is None else CameraMotion.still()

    def _edges_against_past(self) -> Grey:
        """What moved against the room since the oldest recent frame (nothing where unknown)."""
        assert self._small is not None
        if not self._past:
            return np.zeros_like(self._small)
        old, since = self._past[0]
        changed, _ = self._compare(old, since)
        if len(self._past) > 2:
            # What the view revealed since the oldest frame has no past there; a nearer frame
            # covers most of it (someone walking in at the leading edge of a pan).
            near, _ = self._compare(*self._past[-2])
            changed = cv2.bitwise_or(changed, near)
        return changed

    def _compare(self, old: Grey, since: CameraMotion) -> tuple[Grey, Grey]:
        """``(changed, unseen)`` masks: what differs from ``old`` warped by ``since`` into the
        current view, and where the current view shows what ``old`` did not."""
        current = self._small
        assert current is not None
        h, w = current.shape
        m = to_small(since, self.scale)
        warped = cv2.warpAffine(old, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        seen = cv2.warpAffine(np.full(old.shape, 255, np.uint8), m, (w, h), flags=cv2.INTER_NEAREST)
        seen = cv2.erode(seen, _KERNEL)
        warped = _same_light(warped, current, seen)
        # Differences beyond what the neighbours allow: a pixel's worth of misalignment is no motion.
        diff = cv2.max(
            cv2.subtract(current, cv2.dilate(warped, _KERNEL)),
            cv2.subtract(cv2.erode(warped, _KERNEL), current),
        )
        _, changed = cv2.threshold(diff, self.threshold, 255, cv2.THRESH_BINARY)
        changed = cv2.bitwise_and(changed, seen)
        # A lone pixel is a warp's rounding at a sharp edge; anything that moves covers more.
        company = cv2.boxFilter(changed, cv2.CV_16U, (3, 3), normalize=False)
        changed[company < 2 * 255] = 0
        return changed, cv2.bitwise_not(seen)

    def _components(
        self, mask: Grey, covered: list[Box], shape: tuple[int, ...]
    ) -> tuple[Grey, npt.NDArray[np.int64]]:
        """``(labels, stats)`` of what ``mask`` shows outside the ``covered`` faces (small-copy
        pixels): OpenCV's connected components, the background (label 0) and pieces smaller than
        :attr:`min_area` left out of ``stats`` (each row ``label, x, y, w, h``)."""
        s = self.scale
        mask = cv2.dilate(mask, np.ones((3, 3), np.uint8), iterations=2)
        for box in covered:
            x0, y0, x1, y1 = box.pixel_bounds(shape[1], shape[0])
            mask[y0 // s : (y1 + s - 1) // s, x0 // s : (x1 + s - 1) // s] = 0
        n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        kept = [(i, *stats[i][:4]) for i in range(1, n) if stats[i][4] >= self.min_area]
        return labels, np.array(kept, np.int64).reshape(-1, 5)

    def _since_detection(self) -> tuple[Grey, list[Box]]:
        """What changed since the detected frame, and the strips (frame pixels) it did not show."""
        assert self._small is not None and self._reference is not None
        since = self._since_reference
        if since is not None and since.known:
            since = since.measured(*self._size)
            if since.displacement > self.STILL_PIXELS:
                changed, _ = self._compare(self._reference, since)
                return changed, _border_strips(since, *self._size, margin=self.scale)
        # A still camera, or one whose motion is unknown: every change counts.
        diff = cv2.absdiff(self._small, _same_light(self._reference, self._small))
        _, changed = cv2.threshold(diff, self.threshold, 255, cv2.THRESH_BINARY)
        return changed, []

    def regions(self, image: Image, covered: list[Box], *, since_detection: bool) -> list[Box]:
        """Boxes (frame pixels) to hide on the frame last observed."""
        assert self._small is not None, "observe() the frame first"
        h, w = image.shape[:2]
        s = self.scale
        boxes: list[Box] = []
        if since_detection:
            if self._reference is None or self._reference.shape != self._small.shape:
                return [Box(0, 0, w, h)]
            changed, boxes = self._since_detection()
            _, pieces = self._components(changed, covered, image.shape)
            for _, x, y, bw, bh in pieces:
                boxes.append(Box(float(x * s), float(y * s), float(bw * s), float(bh * s)))
        sh, sw = self._small.shape
        band = max(1, round(sw * self.EDGE))
        assert self._foreground is not None
        # _components dilates into a new array before clearing covered faces, so no copy is needed.
        labels, pieces = self._components(self._foreground, covered, image.shape)
        for label, x, y, bw, bh in pieces:
            if self._compensating and x <= band and x + bw >= sw - band:
                # The camera moves and something moved against the room from one side to the
                # other: more likely the warp failed than people came in at both sides. Fail closed.
                boxes.append(Box(float(x * s), float(y * s), float(bw * s), float(bh * s)))
                continue
            # Only the part near each edge it touches: a whole body that has walked in is not
            # hidden, its face is the detector's (and tracker's) job. People coming in at both
            # sides, joined by a crowd between them, are two strips, not the whole picture.
            left = (x <= band, x, min(x + bw, 2 * band))
            right = (x + bw >= sw - band, max(x, sw - 2 * band), x + bw)
            for touches, x0, x1 in (left, right):
                if not touches or x1 <= x0:
                    continue
                rows = np.flatnonzero((labels[y : y + bh, x0:x1] == label).any(axis=1))
                top, rise = y + int(rows[0]), int(rows[-1] - rows[0]) + 1
                boxes.append(Box(float(x0 * s), float(top * s), float((x1 - x0) * s), float(rise * s)))
        return boxes + self._heads(labels, pieces, covered, image.shape)

    def _heads(
        self, labels: Grey, pieces: npt.NDArray[np.int64], covered: list[Box], shape: tuple[int, ...]
    ) -> list[Box]:
        """Where the head would be (frame pixels) of each moving figure that no tracked face is part of.

        Somebody stepping out from behind a pillar or through a door shows a sliver of a face that no
        detector finds, far from any edge; a visitor who turns away shows none. What moves and is
        nobody's face is somebody until a face is found on it: the top of it is hidden, as wide as it
        is and as deep as it is wide or a quarter of its height (a visitor seen whole is seven or
        eight faces high), reaching half its width above its top (hair the room's colour). A figure
        reaching from one edge band to the other is left to the edges (people coming in at both
        sides, joined by a crowd between them). What lies around a tracked face or below it, as deep
        as :data:`BODY_FACES` of it, is its own hair and body.
        """
        assert self._foreground is not None
        s = self.scale
        sw = self._foreground.shape[1]
        band = max(1, round(sw * self.EDGE))
        theirs = []
        for box in covered:
            x0, y0, x1, y1 = (v // s for v in box.pixel_bounds(shape[1], shape[0]))
            side = max(1, y1 - y0)
            theirs.append((x0 - side, y0 - side, x1 + 1 + side, y1 + 1 + BODY_FACES * side))
        heads = []
        for label, x, y, bw, bh in pieces:
            if x <= band and x + bw >= sw - band:
                continue
            if any(x < x1 and x0 < x + bw and y < y1 and y0 < y + bh for x0, y0, x1, y1 in theirs):
                continue
            # The pieces are dilated: its own pixels say where it begins and whether it is more than
            # a speck of noise.
            own = (labels[y : y + bh, x : x + bw] == label) & (self._foreground[y : y + bh, x : x + bw] > 0)
            if int(own.sum()) < FIGURE_PIXELS:
                continue
            first = y + int(np.flatnonzero(own.any(axis=1))[0])
            above = (bw + 2) // 2
            top = 0 if first - above <= above else first - above  # near the top: from the top
            depth = first - top + min(y + bh - first, max(bw + 2, bh // 4))
            heads.append(Box(float(x * s), float(top * s), float(bw * s), float(depth * s)))
        return heads


_KERNEL = np.ones((3, 3), np.uint8)

#: A moving figure with fewer pixels than this on the guard's small copy (8 px to a pixel) is noise.
FIGURE_PIXELS = 4
#: Below a tracked face, this many of its heights are its own body.
BODY_FACES = 5

#: A change of overall brightness between two small frames smaller than this share is left alone.
LIGHT_TOLERANCE = 0.03
#: Pixels whose ratio of light lies this close to the median ratio agree with it.
LIGHT_AGREE = 0.05


def _light_ratio(previous: Grey, current: Grey) -> float:
    """How much brighter ``current`` is than ``previous`` overall: the median of the ratios of their
    pixels (those not nearly black, where noise is most of the value); 1 within
    :data:`LIGHT_TOLERANCE` (noise, or light changing slowly enough for the background model).

    >>> old = np.full((4, 4), 100, np.uint8)
    >>> new = (old * 0.75).astype(np.uint8)
    >>> new[0] = 255  # someone in a white coat across a quarter of the view
    >>> round(_light_ratio(old, new), 2)
    0.75
    >>> new[:2] = 255  # across half of it: no share most of the picture agrees on
    >>> _light_ratio(old, new)
    1.0
    """
    lit = previous > 8
    if not lit.any():
        return 1.0
    ratios = (current[lit].astype(np.float32) + 1.0) / (previous[lit].astype(np.float32) + 1.0)
    ratio = float(np.median(ratios))
    # A change of light moves most of the picture by the same share; people moving do not.
    if abs(ratio - 1.0) <= LIGHT_TOLERANCE:
        return 1.0
    if np.count_nonzero(np.abs(ratios - ratio) <= LIGHT_AGREE * ratio) < 0.6 * ratios.size:
        return 1.0
    return ratio


def _same_light(old: Grey, current: Grey, where: Grey | None = None) -> Grey:
    """``old`` brought to ``current``'s light (by :func:`_light_ratio`, over ``where`` if given),
    the two showing the same view: a projector's flicker or lights dimming changes every pixel by
    its share, and would be taken for everything moving. Each pixel is whichever of the two, ``old``
    relit or as it was, lies closer to ``current``: a caption, a clock or a black border burnt into
    the picture keeps its value whatever the light.

    >>> old = np.full((4, 4), 100, np.uint8)
    >>> old[0, 0] = 255  # the caption
    >>> current = old // 2
    >>> current[0, 0] = 255  # which the light leaves as it was
    >>> relit = _same_light(old, current)
    >>> int(relit[1, 1]), int(relit[0, 0]), _same_light(old, old + 2) is old
    (50, 255, True)
    """
    if where is None:
        ratio = _light_ratio(old, current)
    else:
        ratio = _light_ratio(old[where > 0], current[where > 0])
    if ratio == 1.0:
        return old
    return _closer(current, old, cv2.convertScaleAbs(old, alpha=ratio))


def _closer(target: Grey, first: Grey, second: Grey) -> Grey:
    """Per pixel, whichever of ``first`` and ``second`` is closer to ``target``."""
    return np.where(cv2.absdiff(target, first) <= cv2.absdiff(target, second), first, second)


def _stretched(faces: Sequence[TrackedFace], motion: CameraMotion | None) -> list[Box]:
    """While the picture moves fast enough to smear (:data:`SWEEP_PIXELS`), the boxes of the faces
    no detection saw on this frame, each stretched to where one frame's motion before and after
    would put it: on a smeared picture the estimate misses a step now and then (the first frame
    of a turn, a picture that matches nothing), and a face carried by it is then one step behind.

    >>> face = TrackedFace(1, Box(100, 100, 40, 40), 0.9, misses=1, age=9, confirmed=True)
    >>> fast, slow = (CameraMotion.translation(dx, 0).measured(640, 360) for dx in (60, 30))
    >>> [tuple(b.__dict__.values()) for b in _stretched([face], fast)]
    [(40.0, 100.0, 160.0, 40.0)]
    >>> _stretched([face], slow)  # slower: the estimate keeps up
    []
    """
    if motion is None or not motion.known or motion.displacement <= SWEEP_PIXELS:
        return []
    back = motion.inverse()
    stretched = []
    for face in faces:
        if face.misses:
            boxes = [face.box, motion.apply_box(face.box), back.apply_box(face.box)]
            x0, y0 = min(b.x for b in boxes), min(b.y for b in boxes)
            x1, y1 = max(b.x + b.w for b in boxes), max(b.y + b.h for b in boxes)
            stretched.append(Box(float(x0), float(y0), float(x1 - x0), float(y1 - y0)))
    return stretched


def _border_strips(since: CameraMotion, width: int, height: int, margin: float) -> list[Box]:
    """Strips along the frame's sides that the view shows now but did not before ``since``.

    The old view's edges, carried by the motion, run inside the new frame;
    each side's strip reaches the deeper of its two corners (plus ``margin``),
    so a roll's wedges are covered too. Strips, not boxes around the new
    area: a shake reveals two sides at once, and one box around both would
    be the whole frame.

    >>> [tuple(b.__dict__.values()) for b in _border_strips(CameraMotion.translation(-20, 5), 640, 360, 0)]
    [(620.0, 0.0, 20.0, 360.0), (0.0, 0.0, 640.0, 5.0)]
    """
    (x0, y0), (x1, y1) = since.apply(0, 0), since.apply(width, 0)
    (x2, y2), (x3, y3) = since.apply(0, height), since.apply(width, height)
    left, right = max(x0, x2), width - min(x1, x3)
    top, bottom = max(y0, y1), height - min(y2, y3)
    strips = []
    if left > 0:
        strips.append(Box(0.0, 0.0, min(width, left + margin), float(height)))
    if right > 0:
        depth = min(width, right + margin)
        strips.append(Box(width - depth, 0.0, depth, float(height)))
    if top > 0:
        strips.append(Box(0.0, 0.0, float(width), min(height, top + margin)))
    if bottom > 0:
        depth = min(height, bottom + margin)
        strips.append(Box(0.0, height - depth, float(width), depth))
    return strips


class Processor:
    """Detector -> tracker -> effect for one camera, one frame at a time.

    >>> from installation.detect import create_detector       # doctest: +SKIP
    >>> p = Processor(create_detector("short"), Tracker())     # doctest: +SKIP
    >>> out = p.process(frame, Effect.BLUR, 0.5)               # doctest: +SKIP
    >>> out.image  # the frame with every tracked face blurred  # doctest: +SKIP
    """

    def __init__(
        self,
        detector: FaceDetector,
        tracker: Tracker,
        *,
        detect_every: int = 1,
        mask_shape: MaskShape = MaskShape.ELLIPSE,
        mask_scale: float = 1.3,
        name: str = "",
        zones: Sequence[Sequence[float]] = (),
    ) -> None:
        self.detector = detector
        self.tracker = tracker
        self.detect_every = max(1, int(detect_every))
        self.mask_shape = mask_shape
        self.mask_scale = mask_scale
        self.name = name
        #: Privacy zones: ``(x, y, width, height)`` as shares of the frame, hidden on every frame.
        self.zones = [tuple(float(v) for v in zone) for zone in zones]
        self._since_detection = self.detect_every  # detect on the first frame
        self._failing = ""
        self._guard = MotionGuard()
        self._motion = MotionEstimator()
        self._people: list[Box] = []
        self._focus_turn = 0
        self._swept = False
        self._detected_at = 0.0
        #: The camera's recent motions while its head turned it (see _revealed).
        self._turn: deque[CameraMotion] = deque(maxlen=SWEEP_FRAMES)
        self._stopped_for = 0

    #: Faces smaller than this (pixels high) are only found by tiles; the
    #: tiled detector is told where they were so their tile runs every frame.
    FOCUS_BELOW_PX = 100.0
    #: At most this many focus tiles per frame, taken in turn (each costs one model
    #: run); between its turns a small face is carried by the tracker.
    MAX_FOCUS = 1

    #: However seldom a camera is processed (a thumbnail at 10 fps, an overloaded machine),
    #: the tile rotation looks at every part of the frame at least this often (seconds of
    #: source time): the gap a 9-step sweep leaves at 30 fps.
    MAX_UNSEEN_SECONDS = 0.3

    def _detect(self, image: Image, timestamp: float) -> list[Detection]:
        step = getattr(self.detector, "detect_step", None)
        previous, self._detected_at = self._detected_at, timestamp
        if step is None or not self._swept:
            # The first frame of a source gets every tile: no face starts out unseen.
            self._swept = True
            return self.detector.detect(image)
        small = [b for b in self.tracker.likely_boxes(timestamp) if b.h < self.FOCUS_BELOW_PX]
        if len(small) > self.MAX_FOCUS:
            start = self._focus_turn % len(small)
            small = (small[start:] + small[:start])[: self.MAX_FOCUS]
            self._focus_turn += self.MAX_FOCUS
        found: list[Detection] = step(
            image, self._tiles_now(image, timestamp - previous), focus=small, remember=False
        )
        return found

    def _tiles_now(self, image: Image, gap: float) -> int | None:
        """How many tiles of the rotation to run on a frame ``gap`` seconds after the last detected one.

        The rotation runs a few tiles a frame and counts on the next frames for
        the rest, so a face only a tile can see goes unseen for a whole sweep:
        at 10 fps that is nearly a second. The count grows with the gap so a
        sweep never takes longer than :attr:`MAX_UNSEEN_SECONDS`; a gap that is
        not positive (the clip looped, the clock jumped) gets every tile.

        None keeps the detector's own count.
        """
        tiles = getattr(self.detector, "tiles", None)
        per_step = int(getattr(self.detector, "tiles_per_step", 1))
        if tiles is None:
            return None
        total = len(tiles(image.shape[1], image.shape[0]))
        if gap <= 0:
            return total
        return min(total, max(per_step, math.ceil(total * gap / self.MAX_UNSEEN_SECONDS - 1e-9)))

    def reset(self) -> None:
        """Forget all tracks (a new clip or a source that came back)."""
        self.tracker.reset()
        self._swept = False
        self._since_detection = self.detect_every
        self._guard = MotionGuard()
        self._motion.reset()
        self._people = []
        self._turn.clear()

    def find(self, frame: Frame, *, detect: bool, hint: CameraMotion | None = None) -> Found:
        """Camera motion, detection (when ``detect``) and tracking for one frame, without the effect.

        ``hint`` is how the head that turns the camera says the picture moved since the previous
        frame (None: the camera has no such head); the estimate is weighed against it
        (:func:`~installation.track.motion.with_hint`), and a turn too fast to follow makes the
        motion ``fast``, unknown. A detection error is reported in ``failure`` (logged once per
        run of failures); the tracker then only predicts.
        """
        size = (frame.width, frame.height)
        tm = time.perf_counter()
        # People are not the camera: corners on the faces of the previous frame and the
        # bodies below them are left out of the estimate.
        motion = self._motion.estimate(frame.image, exclude=self._people)
        motion = with_hint(motion, hint, *size)
        t0 = time.perf_counter()
        detections: list[Detection] | None = None
        failure = ""
        if detect:
            try:
                detections = self._detect(frame.image, frame.timestamp)
            except Exception as exc:  # any failure inside native detection code: fail closed
                if not self._failing:
                    log.error("%s: detection failed, hiding the whole frame: %s", self.name, exc)
                self._failing = failure = f"detection failed: {exc}"
            else:
                if self._failing:
                    log.info("%s: detection works again", self.name)
                    self._failing = ""
        t1 = time.perf_counter()
        if detections is not None:
            faces = self.tracker.update(detections, frame.timestamp, size, motion)
        else:
            faces = self.tracker.predict(frame.timestamp, size, motion)
        # Where the faces most likely are, not the regions held for them: a face unseen for a
        # while is hidden over a widened region, and a body below that would soon leave nothing of
        # the room to judge the camera's motion by (it would be taken for still).
        self._people = _left_out(self.tracker.likely_boxes(frame.timestamp), size)
        t2 = time.perf_counter()
        timings = {
            "detect": (t1 - t0) * 1000,
            "track": (t2 - t1 + t0 - tm) * 1000,
            "motion": (t0 - tm) * 1000,
        }
        return Found(detections, faces, failure, timings, motion)

    def process(
        self,
        frame: Frame,
        effect: Effect,
        strength: float,
        *,
        hint: CameraMotion | None = None,
        zones: Sequence[Sequence[float]] | None = None,
    ) -> Processed:
        """``frame`` detected, tracked and hidden; ``hint`` is its head's motion (see :meth:`find`),
        ``zones`` its privacy zones where its head's turn has put them in this frame (None: the
        processor's own, which stay where they are in the picture)."""
        detect = self._since_detection >= self.detect_every
        found = self.find(frame, detect=detect, hint=hint)
        revealed = self._revealed(found.camera_motion, hint, frame.width, frame.height)
        revealed += _stretched(found.faces, found.camera_motion)
        if found.failure:
            return hidden_whole(
                frame,
                effect,
                found.failure,
                faces=found.faces,
                timings={"detect": found.timings["detect"]},
                camera_motion=found.camera_motion,
            )
        self._since_detection = 1 if detect else self._since_detection + 1
        return self.guard_and_hide(
            frame,
            self._guard,
            effect,
            strength,
            detections=found.detections,
            faces=found.faces,
            checked=detect,
            motion=found.camera_motion,
            timings=dict(found.timings),
            revealed=revealed,
            zones=zones,
        )

    def _revealed(
        self, motion: CameraMotion | None, hint: CameraMotion | None, width: int, height: int
    ) -> list[Box]:
        """The strips along the picture's edges that a head's turn brought into view over the last
        :data:`REVEAL_FRAMES` processed frames (narrowing to nothing as many frames after it
        stops), to be hidden: a face coming in there is only part of a face, which no detector
        finds. While the turn is fast enough to smear the picture (:data:`SWEEP_PIXELS`), all it
        brought into view since it became that fast, until :data:`REVEAL_FRAMES` frames after it
        slowed: a face smeared as it came in is found only once the picture is sharp again.
        A camera no head turns (or whose head says nothing) gets the second only: its picture's
        own estimate of a smearing pan. Nothing while the motion is unknown (the frame is hidden
        whole)."""
        turning = hint is not None and hint.measured(width, height).displacement > HINT_PIXELS
        # A picture smeared by the camera's own motion is a turn whether or not a head says so (a
        # camera whipped by hand, a head that cannot tell where it points).
        turning = turning or (motion is not None and motion.known and motion.displacement > SWEEP_PIXELS)
        if motion is None or not motion.known or not (turning or self._turn):
            self._turn.clear()
            return []
        # The head's word on when it stopped is as good as the delay its config gives; for as
        # many frames as the strips are kept, a picture still moving is still the turn.
        self._stopped_for = 0 if turning else self._stopped_for + 1
        still = not turning and (self._stopped_for > REVEAL_FRAMES or not motion.moving)
        self._turn.append(CameraMotion.still() if still else motion)
        recent = list(self._turn)[-REVEAL_FRAMES:]
        if not any(m.displacement > SWEEP_PIXELS for m in recent):
            while len(self._turn) > REVEAL_FRAMES:
                self._turn.popleft()
        since = CameraMotion.still()
        for step in self._turn:
            since = since.then(step)
        if not any(m.displacement > HINT_PIXELS for m in self._turn):
            self._turn.clear()  # the head has stood still for as long as the strips are kept
        return _border_strips(since, width, height, margin=REVEAL_MARGIN)

    def guard_and_hide(
        self,
        frame: Frame,
        guard: MotionGuard,
        effect: Effect,
        strength: float,
        *,
        detections: list[Detection] | None,
        faces: list[TrackedFace],
        ahead: list[TrackedFace] | None = None,
        checked: bool,
        motion: CameraMotion | None,
        timings: dict[str, float],
        in_place: bool = False,
        revealed: Sequence[Box] = (),
        zones: Sequence[Sequence[float]] | None = None,
    ) -> Processed:
        """``frame`` with the effect on its faces and on what ``guard`` sees moving that nothing
        vouches for: the last step of :meth:`process`, and of the look-ahead on recorded footage.

        ``checked`` says detection has looked at the whole frame (live, a frame the detector
        ran on; recorded footage, every frame, seen from before and after): the guard then
        watches only the edges. ``detections`` is None where the detector did not run;
        ``ahead`` are faces hidden before their first sighting. A view that jumped
        (``motion.lost``: a whip pan, a cut, a turn smearing the picture, a head turning too fast)
        is hidden whole. The guard's time is added to ``timings["track"]``, the effect's is
        ``timings["effect"]``.
        ``revealed`` are strips a head's turn brought into view, hidden as the guard's regions are;
        ``zones`` the privacy zones where a turning head has put them (None: :attr:`zones`).
        """
        ahead = ahead or []
        t1 = time.perf_counter()
        guard.observe(frame.image, detected=checked, motion=motion)
        if motion is not None and motion.lost and effect.hides:
            # The view jumped (a whip pan, a cut): nothing says where the faces went.
            return hidden_whole(
                frame,
                effect,
                {"fast": FAST_STATUS, "smear": SMEAR_STATUS}.get(motion.method, LOST_STATUS),
                detections=detections or [],
                faces=faces,
                detected=detections is not None,
                timings=timings,
                ahead=ahead,
                camera_motion=motion,
            )
        boxes = [f.box for f in faces] + [f.box for f in ahead]
        guarded: list[Box] = []
        if effect.hides:
            guarded = guard.regions(
                frame.image, [b.scaled(self.mask_scale) for b in boxes], since_detection=not checked
            )
            guarded += revealed
        t2 = time.perf_counter()
        image = self.hide(frame.image, boxes, guarded, effect, strength, in_place=in_place, zones=zones)
        t3 = time.perf_counter()
        timings["track"] = timings.get("track", 0.0) + (t2 - t1) * 1000
        timings["effect"] = (t3 - t2) * 1000
        return Processed(
            frame,
            image,
            effect,
            detections or [],
            faces,
            guarded=guarded,
            timings=timings,
            detected=detections is not None,
            ahead=ahead,
            camera_motion=motion,
        )

    def hide(
        self,
        image: Image,
        boxes: list[Box],
        guarded: list[Box],
        effect: Effect,
        strength: float,
        *,
        in_place: bool = False,
        zones: Sequence[Sequence[float]] | None = None,
    ) -> Image:
        """``image`` with the effect on every face box and on the guarded regions (a new array, or
        ``image`` itself changed if ``in_place``): :func:`hide_regions` with this processor's mask,
        then the privacy zones (:func:`hide_zones`: ``zones``, or the processor's own), whatever
        the effect."""
        out = hide_regions(
            image,
            boxes,
            guarded,
            effect,
            strength,
            shape=self.mask_shape,
            mask_scale=self.mask_scale,
            in_place=in_place,
        )
        zones = self.zones if zones is None else zones
        if zones:
            hide_zones(out, zones)
        return out


def zone_bounds(zone: Sequence[float], width: int, height: int) -> tuple[int, int, int, int]:
    """A privacy zone (shares of the frame) as pixel bounds ``(x0, y0, x1, y1)``, rounded outwards.

    >>> zone_bounds((0.0, 0.5, 0.25, 0.5), 640, 360)
    (0, 180, 160, 360)
    """
    x, y, w, h = zone
    return Box(x * width, y * height, w * width, h * height).pixel_bounds(width, height)


def hide_zones(image: Image, zones: Sequence[Sequence[float]]) -> Image:
    """``image`` with its privacy zones (``(x, y, width, height)`` shares of it) hidden, in place.

    A zone is hidden as a frame nothing vouches for is (:func:`hide_everything` on it alone): a
    couple of dozen blurred cells across, so neither a face nor a person in it can be told, with
    the effect visitors chose or none, on every frame.

    >>> img = np.random.default_rng(1).integers(0, 255, (90, 160, 3), dtype=np.uint8)
    >>> out = hide_zones(img.copy(), [(0.5, 0.0, 0.5, 1.0)])
    >>> bool((out[:, :80] == img[:, :80]).all()), float(out[:, 80:].std()) < 5
    (True, True)
    """
    height, width = image.shape[:2]
    for zone in zones:
        x0, y0, x1, y1 = zone_bounds(zone, width, height)
        if x1 > x0 and y1 > y0:
            image[y0:y1, x0:x1] = hide_everything(image[y0:y1, x0:x1])
    return image


def hide_regions(
    image: Image,
    boxes: list[Box],
    guarded: list[Box],
    effect: Effect,
    strength: float,
    *,
    shape: MaskShape,
    mask_scale: float,
    in_place: bool = False,
) -> Image:
    """``image`` with ``effect`` on every face box (in the order given, grown by ``mask_scale``, in
    ``shape``) and then on the guarded regions (whole, at full strength); a new array, or ``image``
    itself changed if ``in_place``.

    What a processor hides on a frame it can vouch for, and what ``anonymize --from-boxes``
    hides from a boxes file: the same boxes give the same pixels.
    """
    if effect.hides:
        out = apply_effect(
            image, boxes, effect, strength, shape=shape, mask_scale=mask_scale, in_place=in_place
        )
    else:
        out = image if in_place else image.copy()
    if guarded:
        # Unverified motion is hidden with the box mask: its shape is unknown.
        out = apply_effect(
            out, guarded, effect, 1.0, shape=MaskShape.BOX, mask_scale=1.0, in_place=True, faces=False
        )
    return out


#: The status of a frame hidden whole because the camera's motion could not be followed.
LOST_STATUS = "camera motion lost: the view jumped"
#: The status of a frame hidden whole because the camera's head turned too fast to follow.
FAST_STATUS = "camera head turning too fast to follow"
#: The status of a frame hidden whole because a turn that began since the frame before smeared it.
SMEAR_STATUS = "camera turning too fast: the picture is smeared"


def hidden_whole(
    frame: Frame,
    effect: Effect,
    status: str,
    *,
    detections: Sequence[Detection] = (),
    faces: Sequence[TrackedFace] = (),
    detected: bool = False,
    timings: dict[str, float] | None = None,
    guarded: Sequence[Box] = (),
    ahead: Sequence[TrackedFace] = (),
    camera_motion: CameraMotion | None = None,
) -> Processed:
    """The result for a frame nothing vouches for: the whole picture hidden, ``status`` saying why.

    What was known of the frame (the detections, the faces held, the timings) is still
    reported; it is only not shown.
    """
    return Processed(
        frame,
        hide_everything(frame.image),
        effect,
        list(detections),
        list(faces),
        hidden_all=True,
        status=status,
        guarded=list(guarded),
        timings=dict(timings or {}),
        detected=detected,
        ahead=list(ahead),
        camera_motion=camera_motion,
    )


def _person(face: Box) -> Box:
    """Where the person with this face may be: shoulders and body below it, for leaving out of the
    camera-motion estimate (a person walking is not the camera moving)."""
    return Box(face.cx - 1.5 * face.w, face.y - 0.5 * face.h, 3.0 * face.w, 6.0 * face.h)


#: The camera-motion estimate leaves people out only while at least this share of the view remains.
ROOM_SHARE = 0.25


def _left_out(faces: list[Box], size: tuple[int, int]) -> list[Box]:
    """The regions the camera-motion estimate leaves out: the people with these faces, or only the
    faces where the people would leave less than :data:`ROOM_SHARE` of the view.

    Large faces (someone close, or a look-alike the size of the frame while the view whips past)
    have bodies that cover the whole view; with nothing of the room left the camera would be
    taken for still while it pans.

    >>> _left_out([Box(600, 300, 60, 70)], (1280, 720))
    [Box(x=540.0, y=265.0, w=180.0, h=420.0)]
    >>> _left_out([Box(400, 100, 450, 500)], (1280, 720))
    [Box(x=400, y=100, w=450, h=500)]
    """
    people = [_person(face) for face in faces]
    if _covered(people, size) <= 1.0 - ROOM_SHARE:
        return people
    return faces


def _covered(boxes: list[Box], size: tuple[int, int]) -> float:
    """The share of a ``size`` (width, height) view that ``boxes`` cover."""
    width, height = size
    if not boxes:
        return 0.0
    mask = np.zeros((height // 8 + 1, width // 8 + 1), np.uint8)
    for box in boxes:
        x0, y0, x1, y1 = box.pixel_bounds(width, height)
        mask[y0 // 8 : (y1 + 7) // 8, x0 // 8 : (x1 + 7) // 8] = 1
    return float(mask.mean())


def build_processor(camera: CameraConfig, config: Config) -> Processor:
    """The detector, tracker and effect settings one camera's config asks for."""
    from installation.detect import create_detector

    models = config.detection
    detector = create_detector(
        camera.detector_spec(),
        threshold=camera.threshold,
        input_scale=camera.input_scale,
        small_faces=camera.small_faces,
        model_paths={
            "blazeface-short": models.short_range_model,
            "blazeface-full": models.full_range_model,
            "yunet": models.yunet_model,
        },
    )
    return Processor(
        detector,
        Tracker(hold_seconds=config.tracking.hold_seconds),
        detect_every=camera.detect_every,
        mask_shape=config.effect.mask,
        mask_scale=config.effect.mask_scale,
        name=camera.name,
        zones=camera.steer.privacy_zones,
    )


def camera_transform(camera: CameraConfig) -> Callable[[Image], Image] | None:
    """How a camera's pictures are turned before detection (None: they are not), so that faces are
    found upright: the one place a camera's ``mirror``, ``flip`` and ``rotate`` become a transform,
    for the room's workers and for ``record``."""
    from installation.sources import transform_image

    if not (camera.mirror or camera.flip or camera.rotate):
        return None

    def transform(image: Image) -> Image:
        return transform_image(image, camera.mirror, camera.flip, camera.rotate)

    return transform
