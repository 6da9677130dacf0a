"""The camera's own motion between two frames: pan, zoom, roll and shake, told apart from people.

A camera that pans moves everything in the picture at once; a person moves
a part of it. :class:`MotionEstimator` finds the one similarity transform
(shift, uniform scale, rotation) that carries most of the previous frame
onto the current one: corners on a small grey copy, followed with pyramidal
Lucas-Kanade flow (kept only where the flow traced back lands where it
started), and fitted with RANSAC so a person walking through counts as an
outlier. Where a caller knows people are (tracked faces and the bodies under
them), corners there are left out altogether.

The transform is in full-frame pixels and maps a point of the previous frame
to the same point of the scene in the current one. When it cannot be known,
it says so instead of guessing a still camera: a dark or flat frame has
nothing to follow (``flat``), and a whip pan smears the picture beyond
matching (``lost``). Callers fail closed on both.

>>> import numpy as np
>>> rng = np.random.default_rng(1)
>>> scene = cv2.GaussianBlur(rng.integers(0, 255, (400, 700), np.uint8), (0, 0), 2)
>>> scene = cv2.cvtColor(scene, cv2.COLOR_GRAY2BGR)
>>> estimator = MotionEstimator()
>>> estimator.estimate(scene[:360, 20:660]).method      # the first frame: nothing to compare with
'start'
>>> motion = estimator.estimate(scene[:360, 28:668])    # the view moved 8 px right: the scene 8 px left
>>> motion.moving, round(motion.shift[0]), round(motion.shift[1])
(True, -8, 0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from installation.geometry import Box

#: A transform that moves no corner of the frame further than this (pixels) is a still camera.
STILL_PIXELS = 0.5
#: Fewer consistent corners than this, and the flow is not trusted.
MIN_INLIERS = 12
#: Nor when fewer than this share of the followed corners agree on one transform.
MIN_INLIER_RATIO = 0.4
#: A still camera is preferred when it explains at least this share as many corners as the best fit.
STILL_SHARE = 0.8
#: Corners followed from frame to frame are found afresh once fewer than this share of the most remain.
REFRESH_SHARE = 0.6
#: A grey copy whose standard deviation is below this has nothing to follow.
FLAT_STD = 3.0
#: A grey copy whose standard deviation is at least this has clear structure: failing to match it is a loss.
TEXTURED_STD = 12.0
#: Phase correlation peaks weaker than this are taken for noise.
MIN_PHASE_RESPONSE = 0.15
#: A textured picture no corners match that keeps less than this share of the previous frame's
#: detail is smeared by a turn that began since: its phase correlation is not trusted.
SMEAR_DETAIL = 0.5

#: A camera head's turn that moves no frame corner further than this (pixels) is no turn.
HINT_PIXELS = 2.0
#: A head's turn that moves a frame corner further than this share of the frame's width between
#: two processed frames is too fast to follow.
FAST_SHARE = 0.25
#: The estimate agrees with the head when the two put every frame corner within this many pixels
#: of each other, or within this share of the head's motion (a lens's field of view is known
#: roughly, and a head's reported pose is a little late).
AGREE_PIXELS = 8.0
AGREE_SHARE = 0.5


@dataclass(frozen=True)
class CameraMotion:
    """How the view moved from the previous frame to this one.

    ``matrix`` is a 2x3 similarity ``(a, -b, tx, b, a, ty)`` in full-frame
    pixels taking a previous-frame point to the current frame. ``method``
    says how it was found: ``start`` (first frame, no motion), ``flow``
    (corners), ``phase`` (translation only, by phase correlation, when too
    few corners), ``covered`` (people fill the view: taken for still),
    ``head`` (from the pose of the head that turns the camera, see
    :func:`with_hint`), or, when it is not known, ``flat`` (nothing to
    follow), ``lost`` (texture enough, but no match: a whip pan, a cut),
    ``smear`` (no match, and most of the picture's detail gone since the
    frame before: the first frame of a fast turn, smeared along it) and
    ``fast`` (the camera's head turned too far between two frames to
    follow). ``confidence`` is the share of corners that agree (1 for
    ``start`` and ``head``, the peak's strength for ``phase``, 0 when
    unknown).

    >>> m = CameraMotion.translation(5, -2)
    >>> m.apply_box(Box(10, 10, 20, 20)), m.inverse().shift
    (Box(x=15.0, y=8.0, w=20.0, h=20.0), (-5.0, 2.0))
    """

    matrix: tuple[float, float, float, float, float, float]
    method: str = "flow"
    confidence: float = 1.0
    inliers: int = 0
    #: Largest distance (pixels) a frame corner moves; set by :meth:`measured`.
    displacement: float = 0.0

    @classmethod
    def still(cls, method: str = "start") -> CameraMotion:
        return cls((1.0, 0.0, 0.0, 0.0, 1.0, 0.0), method, 1.0)

    @classmethod
    def unknown(cls, method: str) -> CameraMotion:
        return cls((1.0, 0.0, 0.0, 0.0, 1.0, 0.0), method, 0.0)

    @classmethod
    def translation(cls, dx: float, dy: float) -> CameraMotion:
        return cls((1.0, 0.0, float(dx), 0.0, 1.0, float(dy)))

    def measured(self, width: int, height: int) -> CameraMotion:
        """The same motion with ``displacement`` worked out for a ``width`` x ``height`` frame."""
        moved = self.distance(CameraMotion.still(), width, height)
        return CameraMotion(self.matrix, self.method, self.confidence, self.inliers, moved)

    def distance(self, other: CameraMotion, width: int, height: int) -> float:
        """The farthest apart (pixels) this motion and ``other`` put a corner of a ``width`` x
        ``height`` frame.

        >>> CameraMotion.translation(3, 4).distance(CameraMotion.still(), 640, 360)
        5.0
        """
        corners = [(0.0, 0.0), (float(width), 0.0), (0.0, float(height)), (float(width), float(height))]
        return max(math.dist(self.apply(x, y), other.apply(x, y)) for x, y in corners)

    @property
    def known(self) -> bool:
        return self.method not in ("flat", "lost", "smear", "fast")

    @property
    def lost(self) -> bool:
        """The picture has texture but could not be matched (smeared by a turn, or not), or the head
        turned too fast to follow: the view jumped (fail closed)."""
        return self.method in ("lost", "smear", "fast")

    @property
    def moving(self) -> bool:
        """Unknown, or a frame corner moved more than :data:`STILL_PIXELS`."""
        return not self.known or self.displacement > STILL_PIXELS

    @property
    def shift(self) -> tuple[float, float]:
        return self.matrix[2], self.matrix[5]

    @property
    def scale(self) -> float:
        return math.hypot(self.matrix[0], self.matrix[3])

    @property
    def angle(self) -> float:
        """Rotation in degrees (positive: clockwise on screen, y pointing down)."""
        return math.degrees(math.atan2(self.matrix[3], self.matrix[0]))

    def array(self) -> np.ndarray:
        """The 2x3 matrix as a float64 array, for ``cv2.warpAffine``."""
        return np.array(self.matrix, np.float64).reshape(2, 3)

    def apply(self, x: float, y: float) -> tuple[float, float]:
        a, b, tx, c, d, ty = self.matrix
        return a * x + b * y + tx, c * x + d * y + ty

    def apply_vector(self, x: float, y: float) -> tuple[float, float]:
        """A velocity or offset carried into the new view (no translation)."""
        a, b, _, c, d, _ = self.matrix
        return a * x + b * y, c * x + d * y

    def apply_box(self, box: Box) -> Box:
        """Where ``box`` is in the new view: the bounds of its turned and scaled corners."""
        points = [self.apply(x, y) for x in (box.x, box.x + box.w) for y in (box.y, box.y + box.h)]
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        return Box(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))

    def then(self, later: CameraMotion) -> CameraMotion:
        """This motion followed by ``later``; unknown if either is."""
        if not self.known:
            return self
        if not later.known:
            return later
        m = later.array() @ np.vstack([self.array(), [0.0, 0.0, 1.0]])
        return CameraMotion(_six(m), "flow", min(self.confidence, later.confidence))

    def inverse(self) -> CameraMotion:
        """The motion from this frame back to the previous one (unknown stays unknown)."""
        if not self.known:
            return self
        return CameraMotion(
            _six(cv2.invertAffineTransform(self.array())),
            self.method,
            self.confidence,
            self.inliers,
            self.displacement,
        )


def _six(m: np.ndarray) -> tuple[float, float, float, float, float, float]:
    a, b, tx, c, d, ty = (float(v) for v in m.reshape(-1)[:6])
    return a, b, tx, c, d, ty


def with_hint(measured: CameraMotion, hint: CameraMotion | None, width: int, height: int) -> CameraMotion:
    """The camera's motion between two frames of a ``width`` x ``height`` picture, from the estimate
    and from ``hint``, what the head that turns the camera says it did (None: no such head).

    - The head turned by no more than :data:`HINT_PIXELS`: the estimate, as for a fixed camera.
    - The head turned further than :data:`FAST_SHARE` of the frame, or it turned and the
      estimate is lost: ``fast``, unknown (the frame is hidden whole: nothing says where the
      faces went). A picture lost to the smear of a turn the head reports is the head's.
    - The estimate is known, moving, and agrees with the head (:data:`AGREE_PIXELS`,
      :data:`AGREE_SHARE`): the estimate, which is what the pictures show.
    - Otherwise (the estimate says still, or has nothing to follow, or disagrees): the head's.

    >>> turn = CameraMotion((1.0, 0.0, -40.0, 0.0, 1.0, 0.0), "head")
    >>> with_hint(CameraMotion.still("covered"), turn, 1280, 720).shift
    (-40.0, 0.0)
    >>> with_hint(CameraMotion.translation(-38, 1).measured(1280, 720), turn, 1280, 720).method
    'flow'
    >>> with_hint(CameraMotion.unknown("lost"), turn, 1280, 720).method
    'fast'
    """
    if hint is None:
        return measured
    hint = hint.measured(width, height)
    if hint.displacement <= HINT_PIXELS:
        return measured
    if hint.displacement > FAST_SHARE * width or (measured.lost and measured.method != "smear"):
        return CameraMotion.unknown("fast")
    if measured.known and measured.moving:
        agree = max(AGREE_PIXELS, AGREE_SHARE * hint.displacement)
        if measured.distance(hint, width, height) <= agree:
            return measured
    return hint


def _detail(grey: np.ndarray) -> float:
    """How much fine detail a grey picture holds for its contrast: its mean Laplacian over its
    standard deviation (a change of light scales both)."""
    return float(np.abs(cv2.Laplacian(grey, cv2.CV_16S)).mean()) / (float(grey.std()) + 1.0)


def _smeared(previous: np.ndarray, grey: np.ndarray) -> bool:
    """True when ``grey``, textured, lost most of the detail ``previous`` had (:data:`SMEAR_DETAIL`)."""
    if min(float(grey.std()), float(previous.std())) < TEXTURED_STD:
        return False
    return _detail(grey) < SMEAR_DETAIL * _detail(previous)


def shrink(image: np.ndarray, scale: int) -> np.ndarray:
    """``image`` made ``scale`` (a power of two) times smaller per side in exact 2:1 area steps.

    Each step is OpenCV's fast path; an odd last row or column is dropped, so
    a small pixel ``(i, j)`` is centred on full pixel ``(s*i + (s-1)/2, ...)``.
    """
    small = image
    for _ in range(max(0, scale.bit_length() - 1)):
        h, w = small.shape[:2]
        small = cv2.resize(
            small[: h - h % 2, : w - w % 2], (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA
        )
    return small


def to_small(motion: CameraMotion, scale: int) -> np.ndarray:
    """A full-frame motion as a 2x3 matrix on the ``scale``-times smaller copy made by :func:`shrink`."""
    m = motion.array()
    c = (scale - 1) / 2
    a = m[:, :2]
    t = (m[:, 2] - c + a @ np.array([c, c])) / scale
    return np.hstack([a, t[:, None]])


def _to_full(m: np.ndarray, scale: int) -> np.ndarray:
    c = (scale - 1) / 2
    a = m[:, :2]
    t = scale * m[:, 2] + c - a @ np.array([c, c])
    return np.hstack([a, t[:, None]])


class MotionEstimator:
    """The camera's motion frame to frame, from a grey copy ``scale`` times smaller per side.

    Feed it every frame in order with :meth:`estimate`; :meth:`reset` when
    the footage jumps. About a millisecond per 720p frame at ``scale=4``.
    """

    def __init__(self, scale: int = 4, max_corners: int = 160) -> None:
        if scale < 1 or scale & (scale - 1):
            raise ValueError(f"motion estimate scale {scale}: must be a power of two")
        self.scale = scale
        self.max_corners = max_corners
        self._previous: np.ndarray | None = None
        self._carried: np.ndarray | None = None

    def reset(self) -> None:
        self._previous = None
        self._carried = None

    def estimate(self, image: np.ndarray, exclude: Sequence[Box] = ()) -> CameraMotion:
        """The motion from the previous frame to ``image`` (BGR); corners inside ``exclude``
        (previous-frame boxes: people) are not used."""
        small = shrink(image, self.scale)
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
        previous, self._previous = self._previous, grey
        height, width = image.shape[:2]
        if previous is None or previous.shape != grey.shape:
            return CameraMotion.still()
        motion = self._flow(previous, grey, exclude, image.shape)
        if motion is None and exclude:
            # Too little of the room around the people to follow (large faces, or look-alikes the
            # size of the frame while the view whips past): the whole picture moving as one is
            # the camera. People moving on their own do not agree on one transform, and fail here too.
            motion = self._flow(previous, grey, (), image.shape)
        if motion is None and _smeared(previous, grey):
            # A turn began: along it, edges running its way match themselves wherever they are, and
            # phase correlation takes a fast tilt for a still camera. Nothing says where the faces went.
            return CameraMotion.unknown("smear")
        if motion is None:
            motion = self._phase(previous, grey, self._mask(previous.shape, exclude, image.shape))
        return motion.measured(width, height)

    def _mask(
        self, small: tuple[int, ...], exclude: Sequence[Box], shape: tuple[int, ...]
    ) -> np.ndarray | None:
        """255 outside the ``exclude`` boxes on the small copy (None: nothing excluded)."""
        if not exclude:
            return None
        s = self.scale
        mask = np.full(small[:2], 255, np.uint8)
        for box in exclude:
            x0, y0, x1, y1 = box.pixel_bounds(shape[1], shape[0])
            mask[y0 // s : (y1 + s - 1) // s, x0 // s : (x1 + s - 1) // s] = 0
        return mask

    def _corners(
        self, previous: np.ndarray, exclude: Sequence[Box], shape: tuple[int, ...]
    ) -> np.ndarray | None:
        """Corners of the previous frame outside ``exclude``: those followed last time while enough
        remain (finding new ones costs as much as following them), else fresh ones."""
        s = self.scale
        bounds = [box.pixel_bounds(shape[1], shape[0]) for box in exclude]
        carried = self._carried
        if carried is not None and bounds:
            xy = carried.reshape(-1, 2) * s
            keep = np.ones(len(xy), bool)
            for x0, y0, x1, y1 in bounds:
                keep &= ~((xy[:, 0] >= x0) & (xy[:, 0] < x1) & (xy[:, 1] >= y0) & (xy[:, 1] < y1))
            carried = carried[keep]
        if carried is not None and len(carried) >= REFRESH_SHARE * self.max_corners:
            return carried
        mask = self._mask(previous.shape, exclude, shape)
        return cv2.goodFeaturesToTrack(previous, self.max_corners, 0.01, 6, mask=mask, blockSize=5)

    def _flow(
        self, previous: np.ndarray, grey: np.ndarray, exclude: Sequence[Box], shape: tuple[int, ...]
    ) -> CameraMotion | None:
        corners = self._corners(previous, exclude, shape)
        self._carried = None
        if corners is None or len(corners) < MIN_INLIERS:
            return None
        window = (11, 11)
        # OpenCV's stubs require nextPts, which the function takes as None (no initial guess).
        ahead, status, _ = cv2.calcOpticalFlowPyrLK(  # type: ignore[call-overload]
            previous, grey, corners, None, winSize=window, maxLevel=3
        )
        back, status_back, _ = cv2.calcOpticalFlowPyrLK(  # type: ignore[call-overload]
            grey, previous, ahead, None, winSize=window, maxLevel=3
        )
        good = (status.ravel() == 1) & (status_back.ravel() == 1)
        good &= np.linalg.norm((back - corners).reshape(-1, 2), axis=1) < 0.5
        if good.sum() < MIN_INLIERS:
            return None
        src, dst = corners.reshape(-1, 2)[good], ahead.reshape(-1, 2)[good]
        m, inliers = cv2.estimateAffinePartial2D(
            src,
            dst,
            method=cv2.RANSAC,
            ransacReprojThreshold=0.75,
            maxIters=200,
            confidence=0.99,
            refineIters=10,
        )
        count = int(inliers.sum()) if inliers is not None else 0
        if m is None or count < MIN_INLIERS or count < MIN_INLIER_RATIO * len(corners):
            return None
        # Most cameras here stand still, and people moving are many corners too: when a still
        # camera explains nearly as much of the picture as the best motion does, it is still.
        resting = int((np.linalg.norm(dst - src, axis=1) < 0.5).sum())
        if resting >= STILL_SHARE * count:
            self._carried = dst.reshape(-1, 1, 2).astype(np.float32)
            return CameraMotion((1.0, 0.0, 0.0, 0.0, 1.0, 0.0), "flow", resting / len(corners), resting)
        # The corners that agree, where they are now: next frame's starting points.
        h, w = grey.shape
        kept = dst[inliers.ravel() == 1]
        inside = (kept[:, 0] >= 2) & (kept[:, 0] < w - 2) & (kept[:, 1] >= 2) & (kept[:, 1] < h - 2)
        self._carried = kept[inside].reshape(-1, 1, 2).astype(np.float32)
        # Judged where the corners are, not at the frame's corners: corners bunched in one part
        # of the picture leave scale and roll loose, and extrapolating them would make a still
        # camera seem to move. Below the threshold it is still, exactly.
        agreed = src[inliers.ravel() == 1]
        moved = np.linalg.norm(agreed @ m[:, :2].T + m[:, 2] - agreed, axis=1) * self.scale
        if float(moved.max()) <= STILL_PIXELS:
            return CameraMotion((1.0, 0.0, 0.0, 0.0, 1.0, 0.0), "flow", count / len(corners), count)
        return CameraMotion(_six(_to_full(m, self.scale)), "flow", count / len(corners), count)

    def _phase(self, previous: np.ndarray, grey: np.ndarray, mask: np.ndarray | None) -> CameraMotion:
        """Too few corners, or corners that do not agree: a translation by phase correlation, or unknown.

        Unknown is ``lost`` only for a picture with clear structure (a whip pan,
        a cut); a dim, noisy or flat one is ``flat``: its noise gives corners
        that match nothing, and that is no reason to hide the whole frame.
        """
        contrast = min(float(grey.std()), float(previous.std()))
        if contrast < FLAT_STD:
            return CameraMotion.unknown("flat")
        window = cv2.createHanningWindow(grey.shape[::-1], cv2.CV_32F)
        if mask is not None:
            # People are left out here too: a close visitor walking by is not a pan.
            window[mask == 0] = 0
            if float(window.sum()) < 0.1 * window.size * 0.25:
                # People fill the view: nothing of the room is left to judge by. Taken for still
                # (the room's cameras are fixed unless the room says otherwise), not a whole
                # frame hidden for every close visitor.
                return CameraMotion.still("covered")
        (dx, dy), response = cv2.phaseCorrelate(previous.astype(np.float32), grey.astype(np.float32), window)
        if not response >= MIN_PHASE_RESPONSE:
            return CameraMotion.unknown("lost" if contrast >= TEXTURED_STD else "flat")
        m = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]])
        return CameraMotion(_six(_to_full(m, self.scale)), "phase", float(response))
