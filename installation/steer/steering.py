"""Visitors steering the room's cameras: one object between the controls and the heads.

:class:`Steering` holds every camera's head (a :class:`~installation.steer.head.NoHead`
for a fixed one) and turns what visitors do into head commands: a drag on the
large monitor, a pinch or the mouse wheel, a double tap, a key, the panel's
joystick (:class:`Joystick`, whose readings arrive as panel events). Once a
frame, on the room's loop, :meth:`Steering.tick` drives the joystick's camera,
sends idle cameras home and moves every head.

Steering can be locked, for one or more reasons at once (the facilitator, the
kiosk's steering hours): while locked, commands are ignored and every head goes
home.

>>> from installation.steer.digital import DigitalHead
>>> steering = Steering([DigitalHead(clock=lambda: 0.0)], clock=lambda: 0.0)
>>> steering.nudge(0, pan=1.0)
>>> round(steering.aim(0).pan, 3)
0.2
>>> steering.lock("facilitator")
>>> steering.locked, steering.aim(0)
(True, Pose(pan=0.0, tilt=0.0, zoom=1.0))
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence

from installation.steer.head import HOME, Head, Pose

log = logging.getLogger(__name__)

#: Joystick readings closer to the centre than this count as the stick let go.
DEAD_ZONE = 0.08
#: One key press moves the view by this share of the picture, or zooms by this factor.
KEY_STEP = 0.1
KEY_ZOOM = 1.25


class Joystick:
    """The panel's two-axis joystick and zoom control, as speeds from -1 to 1.

    The board's readings reach it as panel events on the room's loop
    (:meth:`set`); the on-screen twin of the panel sets it by touch too, and
    draws where it stands. Thread-safe, so a reader on another thread may set
    it directly.

    >>> stick = Joystick()
    >>> stick.set(pan=0.5, zoom=0.05)
    >>> stick.speeds, stick.centred
    ((0.5, 0.0, 0.0), False)
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._speeds = (0.0, 0.0, 0.0)

    def set(self, pan: float | None = None, tilt: float | None = None, zoom: float | None = None) -> None:
        """Set the axes given (each -1 to 1, inside :data:`DEAD_ZONE` is 0); the others stay."""
        with self._lock:
            old = self._speeds
            self._speeds = (
                _reading(pan) if pan is not None else old[0],
                _reading(tilt) if tilt is not None else old[1],
                _reading(zoom) if zoom is not None else old[2],
            )

    def release(self) -> None:
        """The stick let go: back to the centre."""
        with self._lock:
            self._speeds = (0.0, 0.0, 0.0)

    @property
    def speeds(self) -> tuple[float, float, float]:
        """``(pan, tilt, zoom)``: pan right, tilt up and zoom in are positive."""
        with self._lock:
            return self._speeds

    @property
    def centred(self) -> bool:
        return self.speeds == (0.0, 0.0, 0.0)


def _reading(value: float) -> float:
    if not math.isfinite(value) or abs(value) < DEAD_ZONE:
        return 0.0
    return min(1.0, max(-1.0, float(value)))


class Steering:
    """Every camera's head, the visitors' commands to them, the lock, idle home and presets.

    ``idle_home[i]`` is camera ``i``'s seconds without a steering command
    before it goes home (0: never); ``presets[i]`` its named poses. Only the
    room's loop calls it (the joystick excepted), so it takes no lock of its own.
    """

    def __init__(
        self,
        heads: Sequence[Head],
        *,
        idle_home: Sequence[float] = (),
        presets: Sequence[Mapping[str, Pose]] = (),
        joystick: Joystick | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.heads = list(heads)
        self.clock = clock
        n = len(self.heads)
        self.idle_home = [float(idle_home[i]) if i < len(idle_home) else 0.0 for i in range(n)]
        self.presets = [dict(presets[i]) if i < len(presets) else {} for i in range(n)]
        self.joystick = joystick or Joystick()
        now = clock()
        self._last_input = [now] * n
        self._home_sent = [True] * n
        self._reasons: set[str] = set()
        #: The camera the joystick moved last frame (it is stopped when the stick is let go).
        self._stick_camera: int | None = None
        self._preset_turn = [0] * n

    # -- what can be steered ----------------------------------------------------------------
    def head(self, index: int) -> Head | None:
        return self.heads[index] if 0 <= index < len(self.heads) else None

    def steerable(self, index: int) -> bool:
        """Whether camera ``index`` can be steered now: its head moves and steering is not locked."""
        head = self.head(index)
        return head is not None and head.steerable and not self._reasons

    def has_heads(self) -> bool:
        """Whether any camera has a head that moves (locked or not)."""
        return any(head.kind != "none" for head in self.heads)

    def aim(self, index: int) -> Pose:
        """Where camera ``index`` is going (its target), or where it points."""
        head = self.heads[index]
        aim = getattr(head, "aim", None)
        return aim if isinstance(aim, Pose) else head.pose

    # -- the lock --------------------------------------------------------------------------
    @property
    def locked(self) -> bool:
        return bool(self._reasons)

    @property
    def reasons(self) -> frozenset[str]:
        """Why steering is locked (empty: it is not): ``facilitator``, ``hours``."""
        return frozenset(self._reasons)

    def lock(self, reason: str, on: bool = True) -> None:
        """Lock steering for ``reason`` (or, ``on=False``, take that reason away). Locking sends
        every head home; steering comes back once no reason is left."""
        was = self.locked
        if on:
            self._reasons.add(reason)
        else:
            self._reasons.discard(reason)
        if self.locked and not was:
            log.info("steering locked (%s): every camera goes home", ", ".join(sorted(self._reasons)))
            self.joystick.release()
            for head in self.heads:
                head.home()
        elif was and not self.locked:
            log.info("steering unlocked")

    # -- commands -----------------------------------------------------------------------------
    def _command(self, index: int) -> Head | None:
        """The head to command for camera ``index`` (None: it cannot be steered now); notes the input."""
        if not self.steerable(index):
            return None
        self._last_input[index] = self.clock()
        self._home_sent[index] = False
        return self.heads[index]

    def go_to(self, index: int, pose: Pose, speed: float = 1.0) -> None:
        head = self._command(index)
        if head is not None:
            head.go_to(pose, speed)

    def drag(self, index: int, start: Pose, dx: float, dy: float) -> None:
        """The picture dragged by ``(dx, dy)`` shares of its width and height since ``start`` (the
        camera's aim when the finger went down): what was under the finger stays under it."""
        head = self.head(index)
        if head is not None:
            self.go_to(index, _shifted(head, start, dx, dy))

    def zoom_by(self, index: int, factor: float, at: tuple[float, float] = (0.0, 0.0)) -> None:
        """Zoom by ``factor`` about the point ``at`` of the picture (shares of it from its centre)."""
        head = self.head(index)
        if head is not None and math.isfinite(factor) and factor > 0:
            self.go_to(index, _zoomed(head, self.aim(index), factor, at))

    def nudge(self, index: int, pan: float = 0.0, tilt: float = 0.0, zoom: int = 0) -> None:
        """One key press: turn by ``pan`` and ``tilt`` steps of :data:`KEY_STEP` of the picture (right
        and up are positive), zoom ``zoom`` steps of :data:`KEY_ZOOM` in (negative: out)."""
        head = self.head(index)
        if head is None:
            return
        pose = self.aim(index)
        if pan or tilt:
            # The picture moves the other way round to a drag: turning right brings the right in.
            pose = _shifted(head, pose, -pan * KEY_STEP, tilt * KEY_STEP)
        if zoom:
            pose = _zoomed(head, pose, KEY_ZOOM**zoom, (0.0, 0.0))
        self.go_to(index, pose)

    def home(self, index: int) -> None:
        head = self._command(index)
        if head is not None:
            head.home()
            self._home_sent[index] = True

    def preset(self, index: int, name: str) -> bool:
        """Go to camera ``index``'s preset ``name``; False when it has none by that name."""
        pose = self.presets[index].get(name) if 0 <= index < len(self.presets) else None
        if pose is None:
            return False
        self.go_to(index, pose)
        return True

    def next_preset(self, index: int) -> str | None:
        """Go to camera ``index``'s next preset, in the order the config lists them (then home)."""
        if not 0 <= index < len(self.presets) or not self.steerable(index):
            return None
        names = [*self.presets[index], ""]
        name = names[self._preset_turn[index] % len(names)]
        self._preset_turn[index] += 1
        if name:
            self.preset(index, name)
        else:
            self.home(index)
        return name or "home"

    def place(self, index: int, pose: Pose) -> None:
        """Put camera ``index`` at ``pose`` at once where its head can (the starting view), else
        send it there."""
        head = self.heads[index]
        place = getattr(head, "place", None)
        if callable(place):
            place(pose)
        else:
            head.go_to(pose)
        self._last_input[index] = self.clock()
        self._home_sent[index] = False

    # -- once a frame -----------------------------------------------------------------------------
    def tick(self, now: float, selected: int) -> list[Pose]:
        """The joystick drives camera ``selected``; cameras idle for their ``idle_home`` go home;
        every head moves to ``now``. The poses, one per camera."""
        self._stick(selected)
        for i, seconds in enumerate(self.idle_home):
            if seconds > 0 and not self._home_sent[i] and now - self._last_input[i] >= seconds:
                self._home_sent[i] = True
                if self.aim(i) != HOME:
                    self.heads[i].home()
        poses = []
        for head in self.heads:
            try:
                poses.append(head.tick(now))
            except Exception:  # noqa: BLE001 - a head's fault must not stop the room
                log.exception("%s head failed to move", head.kind)
                poses.append(head.pose)
        return poses

    def _stick(self, selected: int) -> None:
        speeds = self.joystick.speeds
        moving = speeds != (0.0, 0.0, 0.0)
        previous = self._stick_camera
        if previous is not None and (not moving or previous != selected):
            self.heads[previous].stop()
            self._stick_camera = None
        if moving:
            head = self._command(selected)
            if head is not None:
                head.move(*speeds)
                self._stick_camera = selected

    def close(self) -> None:
        """Let go of every head's device."""
        for head in self.heads:
            try:
                head.close()
            except Exception:  # noqa: BLE001 - keep closing the rest
                log.exception("closing a %s head failed", head.kind)


def _shifted(head: Head, pose: Pose, dx: float, dy: float) -> Pose:
    """The head's own answer where it has one (a digital head knows its window); otherwise one
    picture width is taken as a quarter of the pan range at zoom 1."""
    shifted = getattr(head, "shifted", None)
    if callable(shifted):
        result = shifted(pose, dx, dy)
        assert isinstance(result, Pose)
        return result
    per = 0.5 / max(1.0, pose.zoom)
    return Pose(pose.pan - dx * per, pose.tilt + dy * per, pose.zoom)


def _zoomed(head: Head, pose: Pose, factor: float, at: tuple[float, float]) -> Pose:
    zoomed = getattr(head, "zoomed", None)
    if callable(zoomed):
        result = zoomed(pose, factor, at)
        assert isinstance(result, Pose)
        return result
    return Pose(pose.pan, pose.tilt, max(1.0, pose.zoom * factor))
