"""What a head's turn does to the picture: the image motion of a camera a servo or network head turns.

A camera on such a head sees only where it points: while the head turns,
the whole picture moves, and faces come in at its edges. The head knows it
turned even where the picture cannot tell (a fast turn smears the picture
beyond matching; visitors who fill the view leave nothing of the room to
follow), so the camera's pipeline is told. :class:`Optics` turns two poses
into the motion of the picture between them, a
:class:`~installation.track.motion.CameraMotion` like the one the pipeline
estimates, and :class:`HeadHint` gives a camera's worker the motion between
the frames it processes; the processor weighs it against its own estimate
(:func:`~installation.track.motion.with_hint`). A digital head needs none:
its pipeline sees the whole, still, sensor frame.

The camera is taken for a pinhole camera ``fov`` degrees across at zoom 1;
zoom multiplies its focal length. Turning by an angle moves the middle of
the picture by the focal length times the angle's tangent, and zooming
scales the picture about its middle. Points away from the middle move a
little further than it does (a third further at the edges of a 60-degree
view); the motion is a shift and a scale, as the estimate is, and the
tracker's boxes are wider than that.

>>> optics = Optics(lambda pose: (30.0 * pose.pan, 20.0 * pose.tilt), fov=60.0)
>>> turn = optics.motion(Pose(), Pose(pan=0.1), 1280, 720)  # 3 degrees to the right
>>> round(turn.shift[0], 1), round(turn.shift[1], 1), turn.method
(-58.1, 0.0, 'head')
>>> zoom = optics.motion(Pose(), Pose(zoom=2.0), 1280, 720)
>>> zoom.scale, zoom.apply(640, 360)
(2.0, (640.0, 360.0))
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from installation.errors import ConfigError
from installation.steer.head import Pose
from installation.track.motion import CameraMotion

if TYPE_CHECKING:
    from installation.config import CameraConfig

#: A camera's horizontal field of view at zoom 1 (degrees) unless its config says otherwise,
#: and the range a config may give.
DEFAULT_FOV = 60.0
FOV_RANGE = (10.0, 150.0)
#: A turn between two frames is taken as at most this many degrees (the tangent runs away at 90;
#: far less is already too fast to follow).
MAX_TURN = 80.0

#: Where a pose points: degrees right of home and degrees up from it.
Degrees = Callable[[Pose], tuple[float, float]]
#: A privacy zone turned into a view away from home is grown by this share of the picture on each
#: side: the head's pose is known to a degree or so, and a pan-tilt head is only nearly the
#: separate turns about two axes the projection takes it for.
ZONE_MARGIN = 0.02

#: A privacy zone: ``(x, y, width, height)`` as shares of the picture.
Zone = tuple[float, float, float, float]


@dataclass(frozen=True)
class Optics:
    """How a camera on a head sees: ``degrees`` says where a pose points (degrees right of and up
    from home), ``fov`` is the lens's horizontal field of view at zoom 1 (degrees), and
    ``mirror``, ``flip`` and ``rotate`` turn the camera's pictures before they are processed
    (its config's keys).

    >>> Optics(lambda pose: (0.0, 0.0), fov=200.0)
    Traceback (most recent call last):
    ...
    installation.errors.ConfigError: field of view 200 degrees: expected 10 to 150
    """

    degrees: Degrees
    fov: float = DEFAULT_FOV
    mirror: bool = False
    flip: bool = False
    rotate: int = 0

    def __post_init__(self) -> None:
        low, high = FOV_RANGE
        if not (math.isfinite(self.fov) and low <= self.fov <= high):
            raise ConfigError(f"field of view {self.fov:g} degrees: expected {low:g} to {high:g}")

    def focal(self, width: float, zoom: float = 1.0) -> float:
        """The focal length (pixels) of a picture ``width`` pixels across, at ``zoom``.

        >>> round(Optics(lambda pose: (0.0, 0.0), fov=90.0).focal(1280, 2.0))
        1280
        """
        return max(1.0, zoom) * (width / 2) / math.tan(math.radians(self.fov) / 2)

    def motion(self, before: Pose, after: Pose, width: int, height: int) -> CameraMotion:
        """The motion of a processed ``width`` x ``height`` picture between a frame taken at pose
        ``before`` and one taken at ``after`` (method ``head``)."""
        across = height if self.rotate in (90, 270) else width  # the lens's width, before turning
        pan0, tilt0 = self.degrees(before)
        pan1, tilt1 = self.degrees(after)
        focal = self.focal(across, after.zoom)
        # Turning right moves the room left in the picture; turning up moves it down.
        dx, dy = _oriented(-focal * _tan(pan1 - pan0), focal * _tan(tilt1 - tilt0), self)
        ratio = max(1.0, after.zoom) / max(1.0, before.zoom)
        cx, cy = width / 2, height / 2
        matrix = (ratio, 0.0, cx * (1.0 - ratio) + dx, 0.0, ratio, cy * (1.0 - ratio) + dy)
        return CameraMotion(matrix, "head", 1.0).measured(width, height)

    def zone(self, zone: Sequence[float], pose: Pose, width: int, height: int) -> Zone | None:
        """A privacy zone given as shares of the ``width`` x ``height`` picture the camera takes
        at home (pan 0, tilt 0, zoom 1) as shares of the picture it takes at ``pose``: where the
        same part of the room is now, cut to the picture (None: out of view). Away from home it
        is grown by :data:`ZONE_MARGIN` on each side.

        >>> optics = Optics(lambda pose: (30.0 * pose.pan, 20.0 * pose.tilt), fov=60.0)
        >>> optics.zone((0.4, 0.4, 0.2, 0.2), Pose(), 1280, 720)
        (0.4, 0.4, 0.2, 0.2)
        >>> [round(v, 2) for v in optics.zone((0.4, 0.4, 0.2, 0.2), Pose(zoom=2.0), 1280, 720)]
        [0.28, 0.28, 0.44, 0.44]
        >>> optics.zone((0.0, 0.0, 0.1, 0.1), Pose(pan=1.0), 1280, 720) is None  # left behind
        True
        """
        x, y, w, h = (float(v) for v in zone)
        if pose == Pose():
            return (x, y, w, h)
        turned = self.rotate % 360 in (90, 270)
        across, down = (height, width) if turned else (width, height)  # the lens's own picture
        home = self.focal(across, 1.0)
        now = self.focal(across, pose.zoom)
        pan0, tilt0 = self.degrees(Pose())
        pan1, tilt1 = self.degrees(pose)
        pan, tilt = math.radians(pan1 - pan0), math.radians(tilt1 - tilt0)

        def moved(lx: float, ly: float) -> tuple[float, float]:
            # A point of the lens's picture at home (shares), in the picture at the pose.
            ax = math.atan((lx - 0.5) * across / home) - pan
            ay = math.atan((ly - 0.5) * down / home) + tilt
            return 0.5 + now * _tan_rad(ax) / across, 0.5 + now * _tan_rad(ay) / down

        corners = [
            _oriented_point(*moved(*_lens_point(cx, cy, self)), self) for cx, cy in ((x, y), (x + w, y + h))
        ]
        (x0, y0), (x1, y1) = corners
        left, right = sorted((x0, x1))
        top, bottom = sorted((y0, y1))
        left, top = max(0.0, left - ZONE_MARGIN), max(0.0, top - ZONE_MARGIN)
        right, bottom = min(1.0, right + ZONE_MARGIN), min(1.0, bottom + ZONE_MARGIN)
        if right <= left or bottom <= top:
            return None
        return (left, top, right - left, bottom - top)


def _tan_rad(angle: float) -> float:
    """The tangent of ``angle`` (radians), as large as a picture point gets beyond a right angle."""
    limit = math.radians(89.0)
    return math.tan(max(-limit, min(limit, angle)))


def _lens_point(x: float, y: float, optics: Optics) -> tuple[float, float]:
    """A point of the processed picture (shares) on the lens's picture: the inverse of
    :func:`_oriented_point`.

    >>> optics = Optics(lambda pose: (0.0, 0.0), mirror=True, rotate=90)
    >>> _oriented_point(*_lens_point(0.25, 0.75, optics), optics)
    (0.25, 0.75)
    """
    rotate = optics.rotate % 360
    if rotate == 90:
        x, y = y, 1.0 - x
    elif rotate == 180:
        x, y = 1.0 - x, 1.0 - y
    elif rotate == 270:
        x, y = 1.0 - y, x
    if optics.mirror:
        x = 1.0 - x
    if optics.flip:
        y = 1.0 - y
    return x, y


def _oriented_point(x: float, y: float, optics: Optics) -> tuple[float, float]:
    """A point of the lens's picture (shares) on the processed picture: mirrored, flipped, then
    turned clockwise by ``rotate``, as the camera's pictures are turned before processing."""
    if optics.mirror:
        x = 1.0 - x
    if optics.flip:
        y = 1.0 - y
    rotate = optics.rotate % 360
    if rotate == 90:
        return 1.0 - y, x
    if rotate == 180:
        return 1.0 - x, 1.0 - y
    if rotate == 270:
        return y, 1.0 - x
    return x, y


def _tan(degrees: float) -> float:
    return math.tan(math.radians(max(-MAX_TURN, min(MAX_TURN, degrees))))


def _oriented(dx: float, dy: float, optics: Optics) -> tuple[float, float]:
    """A shift on the lens's picture as it is on the processed one (as
    :func:`~installation.sources.orientation.transform_image` turns the picture): how
    :func:`_oriented_point` moves two points apart.

    >>> _oriented(10.0, 2.0, Optics(lambda pose: (0.0, 0.0), mirror=True, rotate=90))
    (-2.0, -10.0)
    """
    x, y = _oriented_point(dx, dy, optics)
    x0, y0 = _oriented_point(0.0, 0.0, optics)
    return x - x0, y - y0


class HeadHint:
    """The motion of one camera's picture between the frames its worker processes, from its head.

    ``pose_at`` gives where the head points at a monotonic time, and must be safe to call
    from the camera's worker thread. :meth:`motion` is asked once for each processed frame,
    with the time the frame reached the host; a picture was taken ``delay`` seconds before
    that, so the head's pose is asked for then (without it, the hint says the head turns
    while the picture still stands, and stands while it still turns). The first frame, and
    the first after :meth:`reset`, have nothing before them.

    >>> poses = {0.0: Pose(), 0.1: Pose(pan=0.1)}
    >>> hint = HeadHint(poses.__getitem__, Optics(lambda pose: (30.0 * pose.pan, 20.0 * pose.tilt)))
    >>> hint.motion(0.0, 1280, 720) is None
    True
    >>> round(hint.motion(0.1, 1280, 720).shift[0], 1)
    -58.1
    """

    def __init__(self, pose_at: Callable[[float], Pose], optics: Optics, delay: float = 0.0) -> None:
        self.pose_at = pose_at
        self.optics = optics
        self.delay = delay
        self._last: Pose | None = None

    def motion(self, at: float, width: int, height: int) -> CameraMotion | None:
        """The picture's motion from the previous frame's pose to the pose at ``at`` (None: no
        previous frame)."""
        pose = self.pose_at(at - self.delay)
        before, self._last = self._last, pose
        if before is None:
            return None
        return self.optics.motion(before, pose, width, height)

    def zones(self, at: float, zones: Sequence[Sequence[float]], width: int, height: int) -> list[Zone]:
        """A camera's privacy ``zones`` (shares of its picture at home) where they are in the frame
        that reached the host at ``at`` (see :meth:`Optics.zone`): a zone keeps to the part of the
        room it covers, wherever the head turns."""
        pose = self.pose_at(at - self.delay)
        moved = (self.optics.zone(zone, pose, width, height) for zone in zones)
        return [zone for zone in moved if zone is not None]

    def reset(self) -> None:
        """Forget the previous frame (the camera's processing starts again)."""
        self._last = None


@runtime_checkable
class Turning(Protocol):
    """A head that turns the camera itself (a servo or network head): where it points at any
    moment, and in degrees."""

    def pose_at(self, now: float) -> Pose:
        """Where the head points at the monotonic time ``now`` (safe from any thread)."""
        ...

    def degrees(self, pose: Pose) -> tuple[float, float]:
        """Where ``pose`` points: degrees right of home, degrees up from it."""
        ...


def head_hint(head: object, camera: CameraConfig) -> HeadHint | None:
    """The hint for ``camera``'s worker when ``head`` turns the camera itself; None for a fixed
    camera or a digital head (its pipeline sees the whole sensor frame, which never moves)."""
    if not isinstance(head, Turning):
        return None
    optics = Optics(
        head.degrees, fov=camera.steer.fov, mirror=camera.mirror, flip=camera.flip, rotate=camera.rotate
    )
    return HeadHint(head.pose_at, optics, delay=camera.steer.delay)
