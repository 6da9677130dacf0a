"""A camera on a moving head, simulated over a wide picture: what a servo or network camera delivers.

For ``installation bench --steer``: the wide bundled clip stands for the room
as the head sees it, ``span`` degrees across its width and as many pixels to
a degree down its height. The simulated camera sees ``fov`` degrees across
at zoom 1, fewer as it zooms: where the head points, that part of the wide
picture is cut out and scaled to the camera's own size (1280x720), as the
camera would deliver it, so the pipeline sees only the view and the whole
picture moves when the head turns. The cut is matched to a pinhole camera at
the middle of the view (:class:`~installation.steer.hint.Optics`), so the
head's hint is what the picture shows there.

The head moves as the real ones do: pan and tilt turn at a constant rate up
to ``Speeds.turn`` degrees a second, both arriving together (a servo board
turns each servo at the rate it is given); zoom moves evenly in doublings a
second (a network camera's zoom); a network camera's pan and tilt slow down
as it zooms in (``Speeds.proportional``), as most of them do.

A real head's camera also lags and smears (:class:`Timing`): its shutter
stays open for a moment, so a turn smears the picture over what it sweeps
in that time (:meth:`SimulatedHead.capture` averages the views along it); a
picture reaches the host some time after it was taken; and a network
camera's host knows where it points only from positions it reads back and
extrapolates (:meth:`SimulatedHead.reported`). A servo head's host knows
from the commands it sent, which the board carries out at once at the
rates given.

>>> head = SimulatedHead((1920, 1080))
>>> head.go_to(Pose(pan=1.0))
>>> head.tick(0.0), head.tick(0.25).pan > 0.5, head.tick(2.0).pan
(Pose(pan=0.0, tilt=0.0, zoom=1.0), True, 1.0)
>>> window = head.window()
>>> round(window.x + window.w), round(window.w)
(1920, 1059)
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import cv2
import numpy as np

from installation.frames import Image
from installation.geometry import Box
from installation.steer.head import HOME, HeadLimits, Pose
from installation.steer.hint import DEFAULT_FOV, Optics
from installation.steer.visca import pose_between

#: The size of the pictures the simulated camera delivers.
CAMERA_SIZE = (1280, 720)
#: How many degrees the wide picture spans across its width.
DEFAULT_SPAN = 120.0
#: Seconds of the head's past kept for :meth:`SimulatedHead.pose_then` (pictures taken that long ago).
HISTORY_SECONDS = 3.0
#: At most this many views are averaged for one smeared picture.
MAX_SMEAR_SAMPLES = 16


@dataclass(frozen=True)
class Speeds:
    """How fast a head moves at full speed: pan and tilt in degrees a second, zoom in doublings a
    second; ``proportional``: pan and tilt slow down as the view narrows."""

    turn: float = 60.0
    zoom: float = 1.5
    proportional: bool = False


@dataclass(frozen=True)
class Timing:
    """How a real head's camera and reports fall behind the head: ``exposure``, the seconds the
    shutter is open (a turn smears the picture over what it sweeps meanwhile); ``delay``, the
    seconds from a picture being taken to reaching the host; ``readings``, the seconds between two
    position readings the host takes from a network camera and extrapolates from (0: the host
    knows where the head points, as a servo head's does from the commands it sent). All 0: a sharp
    picture, on time.
    """

    exposure: float = 0.0
    delay: float = 0.0
    readings: float = 0.0


class SimulatedHead:
    """A head turning a simulated camera over a wide picture of ``picture`` (width, height) pixels:
    a :class:`~installation.steer.head.Head`, and a :class:`~installation.steer.hint.Turning` head.

    It moves only in :meth:`tick` (and :meth:`pose_at`, which ticks to a later time): one
    thread drives it.
    """

    kind = "simulated"
    steerable = True
    status = ""

    def __init__(
        self,
        picture: tuple[int, int],
        *,
        fov: float = DEFAULT_FOV,
        span: float = DEFAULT_SPAN,
        size: tuple[int, int] = CAMERA_SIZE,
        zoom: tuple[float, float] = (1.0, 1.0),
        speeds: Speeds | None = None,
        timing: Timing | None = None,
    ) -> None:
        self.picture = picture
        self.size = size
        self.speeds = speeds or Speeds()
        self.timing = timing or Timing()
        self.optics = Optics(self.degrees, fov)
        #: Pixels of the wide picture to a degree.
        self.per_degree = picture[0] / span
        width, height = self._extent(1.0)
        #: How far pan and tilt turn each way from home (degrees): the view at zoom 1 stays inside.
        self.reach = (
            (picture[0] - width) / 2 / self.per_degree,
            (picture[1] - height) / 2 / self.per_degree,
        )
        if min(self.reach) <= 0:
            raise ValueError(f"a {fov:g}-degree camera sees more than the wide picture's {span:g} degrees")
        self.limits = HeadLimits(zoom=zoom)
        #: Pan and tilt (degrees) and log2 of zoom, where the head is and where it is going.
        self._at = [0.0, 0.0, 0.0]
        self._target = [0.0, 0.0, 0.0]
        #: The rates towards the target at zoom 1: degrees a second, doublings a second.
        self._rates = [0.0, 0.0, 0.0]
        self._now: float | None = None
        #: Each tick's time, and where the head was then.
        self._times: list[float] = []
        self._past: list[list[float]] = []

    # -- where it points ---------------------------------------------------------------------
    def degrees(self, pose: Pose) -> tuple[float, float]:
        """Where ``pose`` points: degrees right of home and up from it."""
        return pose.pan * self.reach[0], pose.tilt * self.reach[1]

    @property
    def pose(self) -> Pose:
        return self._pose(self._at)

    def pose_at(self, now: float) -> Pose:
        """The pose at ``now``: moved there first if ``now`` is later than the last tick."""
        if self._now is None or now > self._now:
            return self.tick(now)
        return self.pose

    def pose_then(self, then: float) -> Pose:
        """Where the head pointed at ``then``, a moment it has ticked past (between two ticks, on the
        line joining them; before the first kept, where it was then)."""
        return self._pose(self._at_time(then))

    def reported(self, now: float) -> Pose:
        """Where the host believes the head points at ``now`` (ticked to already): from the last
        two position readings (:attr:`Timing.readings`) as a network camera's host works it out,
        or exactly."""
        every = self.timing.readings
        if every <= 0 or not self._times:
            return self.pose_at(now)
        last = math.floor(now / every) * every
        readings = ((last - every, self.pose_then(last - every)), (last, self.pose_then(last)))
        return pose_between(readings, now, every, self.limits)

    def capture(self, image: Image, taken: float) -> Image:
        """The picture taken at ``taken`` (ticked past already): the view of the wide ``image``,
        smeared by the head's motion while the shutter was open."""
        end = self.pose_then(taken)
        exposure = self.timing.exposure
        if exposure <= 0:
            return self.view(image, end)
        start = self.pose_then(taken - exposure)
        a, b = self.window(start), self.window(end)
        scale = self.size[0] / b.w
        dx, dy = (b.x - a.x) * scale, (b.y - a.y) * scale
        sweep = max(abs(dx), abs(dy), abs(b.w - a.w) * scale)
        samples = min(MAX_SMEAR_SAMPLES, math.ceil(sweep / 2.0))
        if samples < 2:
            return self.view(image, end)
        total = np.zeros((self.size[1], self.size[0], 3), np.float32)
        for n in range(samples):
            total += self.view(image, self.pose_then(taken - exposure * (1 - n / (samples - 1))))
        total /= samples
        # Between two samples the picture moved ``gap`` pixels: a line that long along the turn
        # fills it, so a thin edge smears evenly instead of into separate copies.
        gap = math.hypot(dx, dy) / (samples - 1)
        if gap > 1.0:
            size = 2 * math.ceil(gap / 2) + 1
            kernel = np.zeros((size, size), np.float32)
            half = gap / 2 / math.hypot(dx, dy)
            c = size // 2
            ends = ((c - dx * half, c - dy * half), (c + dx * half, c + dy * half))
            p0 = (round(ends[0][0]), round(ends[0][1]))
            p1 = (round(ends[1][0]), round(ends[1][1]))
            cv2.line(kernel, p0, p1, (1.0,))
            kernel /= kernel.sum()
            total = np.asarray(cv2.filter2D(total, -1, kernel, borderType=cv2.BORDER_REPLICATE))
        smeared: Image = np.clip(total + 0.5, 0, 255).astype(np.uint8)
        return smeared

    def _at_time(self, then: float) -> list[float]:
        times = self._times
        if not times:
            return list(self._at)
        after = bisect.bisect_left(times, then)
        if after == 0:
            return list(self._past[0])
        if after == len(times):
            return list(self._past[-1])
        t0, t1 = times[after - 1], times[after]
        share = (then - t0) / (t1 - t0) if t1 > t0 else 1.0
        a0, a1 = self._past[after - 1], self._past[after]
        return [a + share * (b - a) for a, b in zip(a0, a1, strict=True)]

    def _pose(self, at: list[float]) -> Pose:
        pan, tilt, zoom = at
        return Pose(pan / self.reach[0], tilt / self.reach[1], 2.0**zoom)

    def towards(self, x: float, y: float, zoom: float = 1.0) -> Pose:
        """The pose that puts the point ``(x, y)`` of the wide picture in the middle of the view."""
        pan = (x - self.picture[0] / 2) / self.per_degree / self.reach[0]
        tilt = (self.picture[1] / 2 - y) / self.per_degree / self.reach[1]
        return Pose(pan, tilt, zoom)

    def _extent(self, zoom: float) -> tuple[float, float]:
        """The width and height of the view in the wide picture's pixels, at ``zoom``."""
        per_degree_in_view = self.optics.focal(self.size[0], zoom) * math.pi / 180
        width = self.size[0] * self.per_degree / per_degree_in_view
        return width, width * self.size[1] / self.size[0]

    def window(self, pose: Pose | None = None) -> Box:
        """The part of the wide picture the camera sees at ``pose`` (default: now)."""
        pose = pose or self.pose
        pan, tilt = self.degrees(pose)
        width, height = self._extent(pose.zoom)
        cx = self.picture[0] / 2 + pan * self.per_degree
        cy = self.picture[1] / 2 - tilt * self.per_degree
        return Box(cx - width / 2, cy - height / 2, width, height)

    def view(self, image: Image, pose: Pose | None = None) -> Image:
        """What the camera delivers at ``pose``: its window of the wide ``image``, at its own size."""
        window = self.window(pose)
        sx, sy = window.w / self.size[0], window.h / self.size[1]
        # Each camera pixel's centre, in the wide picture.
        m = np.array([[sx, 0.0, window.x + 0.5 * sx - 0.5], [0.0, sy, window.y + 0.5 * sy - 0.5]])
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        view: Image = cv2.warpAffine(image, m, self.size, flags=flags, borderMode=cv2.BORDER_REPLICATE)
        return view

    def in_view(self, box: Box, pose: Pose | None = None) -> Box:
        """``box`` (the wide picture's pixels) in the camera's pixels at ``pose``, cut to the view."""
        window = self.window(pose)
        sx, sy = self.size[0] / window.w, self.size[1] / window.h
        x0, y0 = max(0.0, (box.x - window.x) * sx), max(0.0, (box.y - window.y) * sy)
        x1 = min(float(self.size[0]), (box.x + box.w - window.x) * sx)
        y1 = min(float(self.size[1]), (box.y + box.h - window.y) * sy)
        return Box(x0, y0, max(0.0, x1 - x0), max(0.0, y1 - y0))

    # -- commands (the Head interface) ----------------------------------------------------------
    def go_to(self, pose: Pose, speed: float = 1.0) -> None:
        """Turn to ``pose`` at ``speed`` of the top speed, pan and tilt arriving together."""
        pose = self.limits.clamp(pose)
        target = [*self.degrees(pose), math.log2(pose.zoom)]
        speed = min(1.0, max(0.0, speed))
        distance = [abs(target[axis] - self._at[axis]) for axis in (0, 1)]
        longest = max(distance)
        turn = speed * self.speeds.turn
        self._target = target
        self._rates = [turn * d / longest if longest > 0 else turn for d in distance]
        self._rates.append(speed * self.speeds.zoom)

    def move(self, pan: float, tilt: float, zoom: float = 0.0) -> None:
        """Keep turning at these speeds (each -1 to 1) until the limits, or until told otherwise."""
        ends = [self.limits.pan, self.limits.tilt, tuple(math.log2(z) for z in self.limits.zoom)]
        speeds = [min(1.0, max(-1.0, s)) if math.isfinite(s) else 0.0 for s in (pan, tilt, zoom)]
        for axis, s in enumerate(speeds):
            low, high = ends[axis]
            if axis < 2:
                low, high = low * self.reach[axis], high * self.reach[axis]
            self._target[axis] = (high if s > 0 else low) if s else self._at[axis]
            top = self.speeds.zoom if axis == 2 else self.speeds.turn
            self._rates[axis] = abs(s) * top

    def home(self) -> None:
        self.go_to(HOME)

    def stop(self) -> None:
        self._target = list(self._at)

    def close(self) -> None:
        pass

    def tick(self, now: float) -> Pose:
        """Move for the time since the last tick; the pose now."""
        last, self._now = self._now, now
        if last is not None and now <= last:
            return self.pose
        if last is not None:
            seconds = now - last
            slower = 2.0 ** self._at[2] if self.speeds.proportional else 1.0
            for axis in range(3):
                step = self._rates[axis] * seconds / (slower if axis < 2 else 1.0)
                at, target = self._at[axis], self._target[axis]
                self._at[axis] = target if abs(target - at) <= step else at + math.copysign(step, target - at)
        self._times.append(now)
        self._past.append(list(self._at))
        while self._times[0] < now - HISTORY_SECONDS:
            del self._times[0], self._past[0]
        return self.pose
