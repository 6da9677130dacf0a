"""The digital head: a movable, zoomable window inside a wider sensor frame (``head = "digital"``).

The camera never moves. Its whole picture (the sensor frame) goes through
detection, tracking and hiding as any camera's does; the head only chooses
which part of the hidden picture a monitor shows. A face that walks into the
window has been tracked, and hidden, since it entered the sensor frame.

Where the window is follows a real pan-tilt-zoom camera: pan and tilt say
where its centre points, zoom how much it magnifies about that centre. At
zoom 1 the window is ``view`` of the sensor frame's width and height; pan -1
puts it against the left edge, pan 1 against the right (tilt 1 at the top,
-1 at the bottom). Zoom divides its size, about the same centre.

The window moves like a camera on a head, not like a crop: it accelerates and
slows down within :class:`Motion`'s limits, and pan and tilt slow down as it
zooms in (as a camera operator's head does), so the picture on the monitor
moves at the same pace at every zoom.

>>> head = DigitalHead(view=0.5)
>>> head.place(Pose(pan=1.0, tilt=0.0, zoom=2.0))
>>> head.window(1920, 1080)
Box(x=1200.0, y=405.0, w=480.0, h=270.0)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from installation.geometry import Box
from installation.steer.head import HOME, HeadLimits, Pose

#: The share of the sensor frame the window covers at zoom 1: its range, and the default.
VIEW_RANGE = (0.2, 0.9)
DEFAULT_VIEW = 0.5

#: A tick longer than this (a stalled screen, a machine woken from sleep) moves only this far.
MAX_STEP_SECONDS = 0.1
#: Closer than this (pose units, or doublings of zoom) to its target, and this slow, the head stops there.
SETTLE = 1e-4


@dataclass(frozen=True)
class Motion:
    """How fast a head may move, at zoom 1: pan and tilt in pose units (a full sweep from -1 to 1
    is 2) per second and per second squared, zoom in doublings per second and per second squared.

    >>> Motion().scaled(2.0).speed
    2.0
    """

    speed: float = 1.0
    acceleration: float = 8.0
    zoom_speed: float = 1.5
    zoom_acceleration: float = 10.0

    def scaled(self, factor: float) -> Motion:
        """Every speed and acceleration times ``factor`` (the config's ``speed``)."""
        return Motion(
            self.speed * factor,
            self.acceleration * factor,
            self.zoom_speed * factor,
            self.zoom_acceleration * factor,
        )


class DigitalHead:
    """A window inside the sensor frame, moved with eased, bounded motion (a :class:`Head`).

    Commands return at once; :meth:`tick`, once a frame on the room's loop,
    moves the window towards what was asked. ``clock`` gives the time
    commands are stamped with (tests pass their own).

    >>> head = DigitalHead(clock=lambda: 0.0)
    >>> head.go_to(Pose(pan=0.5))
    >>> pans = [head.tick(frame / 60).pan for frame in range(90)]  # a second and a half at 60 fps
    >>> [round(pans[frame], 3) for frame in (1, 2, 15, 30, 60, 89)]
    [0.002, 0.007, 0.196, 0.446, 0.5, 0.5]
    """

    kind = "digital"
    steerable = True
    status = ""

    def __init__(
        self,
        limits: HeadLimits | None = None,
        *,
        view: float = DEFAULT_VIEW,
        motion: Motion | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        low, high = VIEW_RANGE
        if not low <= view <= high:
            raise ValueError(f"view {view}: expected a share of the sensor frame from {low} to {high}")
        self.limits = limits or HeadLimits()
        self.view = view
        self.motion = motion or Motion()
        self.clock = clock
        home = self.limits.clamp(HOME)
        #: pan, tilt and log2(zoom): the axes the head moves along.
        self._position = [home.pan, home.tilt, math.log2(home.zoom)]
        self._velocity = [0.0, 0.0, 0.0]
        #: Where :meth:`go_to` asked it to go (None: it moves at :attr:`_speeds` instead).
        self._target: list[float] | None = None
        self._target_speed = 1.0
        self._speeds = (0.0, 0.0, 0.0)
        self._last: float | None = None

    # -- where it points ---------------------------------------------------------------
    @property
    def pose(self) -> Pose:
        pan, tilt, zoom = self._position
        return Pose(pan, tilt, 2.0**zoom)

    @property
    def aim(self) -> Pose:
        """Where the head is going: its target, or where it is when it moves at a speed or stands."""
        if self._target is None:
            return self.pose
        pan, tilt, zoom = self._target
        return Pose(pan, tilt, 2.0**zoom)

    @property
    def moving(self) -> bool:
        return any(abs(v) > SETTLE for v in self._velocity) or self._target is not None

    def window(self, width: int, height: int, pose: Pose | None = None) -> Box:
        """The part of a ``width`` x ``height`` sensor frame shown at ``pose`` (default: now), in its pixels.

        >>> DigitalHead(view=0.5).window(1000, 500, Pose(pan=-1.0, tilt=-1.0))
        Box(x=0.0, y=250.0, w=500.0, h=250.0)
        """
        pose = pose or self.pose
        share = self.view / max(1.0, pose.zoom)
        w, h = width * share, height * share
        cx = width * (0.5 + pose.pan * (1.0 - self.view) / 2)
        cy = height * (0.5 - pose.tilt * (1.0 - self.view) / 2)
        return Box(cx - w / 2, cy - h / 2, w, h)

    # -- poses the controls ask for --------------------------------------------------------
    def shifted(self, pose: Pose, dx: float, dy: float) -> Pose:
        """``pose`` with the picture dragged by ``(dx, dy)`` shares of its width and height: what
        was under the finger stays under it (dragging right turns the view left).

        >>> DigitalHead(view=0.5).shifted(Pose(), 0.25, 0.0)
        Pose(pan=-0.5, tilt=0.0, zoom=1.0)
        """
        per = (self.view / max(1.0, pose.zoom)) / ((1.0 - self.view) / 2)
        return self.limits.clamp(Pose(pose.pan - dx * per, pose.tilt + dy * per, pose.zoom))

    def zoomed(self, pose: Pose, factor: float, at: tuple[float, float] = (0.0, 0.0)) -> Pose:
        """``pose`` zoomed by ``factor`` keeping the point ``at`` where it is on the picture (shares of
        its width and height from the centre, -0.5 to 0.5; the default is the centre).

        >>> DigitalHead(view=0.5).zoomed(Pose(), 2.0, at=(0.5, 0.0))
        Pose(pan=0.5, tilt=0.0, zoom=2.0)
        """
        zoom = min(self.limits.zoom[1], max(self.limits.zoom[0], pose.zoom * factor))
        # The point at ``at`` lies at centre + at * share before and after; move the centre so it does.
        change = self.view * (1.0 / max(1.0, pose.zoom) - 1.0 / max(1.0, zoom))
        per = (1.0 - self.view) / 2
        return self.limits.clamp(
            Pose(pose.pan + at[0] * change / per, pose.tilt - at[1] * change / per, zoom)
        )

    # -- commands (the Head protocol) ----------------------------------------------------
    def move(self, pan: float, tilt: float, zoom: float = 0.0) -> None:
        self._target = None
        self._speeds = (_unit(pan), _unit(tilt), _unit(zoom))

    def go_to(self, pose: Pose, speed: float = 1.0) -> None:
        pose = self.limits.clamp(pose)
        self._target = [pose.pan, pose.tilt, math.log2(pose.zoom)]
        self._target_speed = min(1.0, max(0.05, speed))
        self._speeds = (0.0, 0.0, 0.0)

    def home(self) -> None:
        self.go_to(HOME)

    def stop(self) -> None:
        """Stop where it is, slowing down as a camera would (within the acceleration)."""
        self._target = None
        self._speeds = (0.0, 0.0, 0.0)

    def place(self, pose: Pose) -> None:
        """Be at ``pose`` (clamped to the limits) at once, standing: the starting view."""
        pose = self.limits.clamp(pose)
        self._position = [pose.pan, pose.tilt, math.log2(pose.zoom)]
        self._velocity = [0.0, 0.0, 0.0]
        self._target = None
        self._speeds = (0.0, 0.0, 0.0)

    def close(self) -> None:
        pass

    # -- the motion ------------------------------------------------------------------------
    def tick(self, now: float) -> Pose:
        """Move for the time since the last tick (at most :data:`MAX_STEP_SECONDS`); the pose now."""
        last, self._last = self._last, now
        if last is None:
            return self.pose
        dt = min(MAX_STEP_SECONDS, max(0.0, now - last))
        if dt <= 0.0:
            return self.pose
        # Pan and tilt slow down as the view narrows: the picture moves at one pace at every zoom.
        narrowing = 1.0 / 2.0 ** self._position[2]
        m = self.motion
        limits = [
            self.limits.pan,
            self.limits.tilt,
            (math.log2(self.limits.zoom[0]), math.log2(self.limits.zoom[1])),
        ]
        arrived = self._target is not None
        for axis in range(3):
            top = m.zoom_speed if axis == 2 else m.speed * narrowing
            accel = m.zoom_acceleration if axis == 2 else m.acceleration * narrowing
            position, velocity = self._position[axis], self._velocity[axis]
            if self._target is not None:
                distance = self._target[axis] - position
                wanted = math.copysign(
                    min(top * self._target_speed, _braking(abs(distance), accel, dt)), distance
                )
            else:
                wanted = self._speeds[axis] * top
            step = accel * dt
            velocity += max(-step, min(step, wanted - velocity))
            position += velocity * dt
            if self._target is not None:
                goal = self._target[axis]
                passed = (goal - position) * distance <= 0.0
                if passed or (abs(goal - position) < SETTLE and abs(velocity) < step):
                    position, velocity = goal, 0.0
                else:
                    arrived = False
            low, high = limits[axis]
            if not low <= position <= high:
                position, velocity = min(high, max(low, position)), 0.0
            self._position[axis], self._velocity[axis] = position, velocity
        if arrived:
            self._target = None
        return self.pose


def _braking(distance: float, accel: float, dt: float) -> float:
    """The fastest speed from which steps of ``dt`` seconds, each slower by ``accel * dt``, stop
    within ``distance``, and never one that passes it in the next step.

    The continuous answer, the square root of ``2 * accel * distance``, asks at the last frames
    for a faster fall in speed than the acceleration allows: the view would stop with a jolt.

    >>> round(_braking(1.0, 4.0, 1 / 60), 3), _braking(0.0, 4.0, 1 / 60)
    (2.795, 0.0)
    """
    step = accel * dt * dt
    if step <= 0.0:
        return distance / dt if dt > 0 else 0.0
    return min(step * (math.sqrt(0.25 + 2.0 * distance / step) - 0.5), distance) / dt


def _unit(speed: float) -> float:
    if not math.isfinite(speed):
        return 0.0
    return min(1.0, max(-1.0, speed))
