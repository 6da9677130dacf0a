"""A camera turned by two hobby servos on the panel's Arduino Mega: ``head = "servo"``.

The servos hang off the panel board (hardware/WIRING.md), so the head speaks
through the same :class:`~installation.hardware.PanelLink` as the lights. It
turns the normalised poses of :mod:`installation.steer.head` into servo angles
within the technician's range, and leaves the motion to the board, which turns
each servo no faster than the rate it is given (and never faster than 180
degrees per second), reports where the servos point, and parks them when the
host falls silent. There is no optical zoom: the pose's zoom stays 1.

>>> from installation.hardware import PanelLink
>>> with PanelLink("mock") as link:
...     head = ServoHead(link, ServoGeometry(pan_degrees=(30, 150), tilt_degrees=(60, 120)))
...     link.wait_connected(2.0) and head.steerable
...     head.go_to(Pose(pan=0.5, tilt=-1.0))
...     link.wait_until(lambda lk: lk.head is not None and not lk.head.moving and lk.head.pan == 120, 3.0)
...     print(head.pose)
True
True
pan +0.50 tilt -1.00 zoom 1.0x

Without a board that can steer, the head says why and ignores commands:

>>> head = ServoHead(PanelLink("none"))
>>> head.steerable, head.status
(False, 'servo head: no panel (panel: disabled)')
"""

from __future__ import annotations

import queue
import time
from dataclasses import dataclass, field

from installation.errors import ConfigError
from installation.hardware.link import PanelLink, SteerInput
from installation.hardware.protocol import PROTOCOL_VERSION
from installation.steer.head import HOME, Head, HeadLimits, Pose

#: The board's own ceiling on a servo's rate, and the rate it parks at (degrees per second).
BOARD_RATE_MAX = 180.0
PARK_RATE = 30.0
#: Commands remembered for working out where a moving head is (the board names the newest it took).
_REMEMBERED = 8
#: The same move() again is sent no more often than this (seconds): the room repeats the stick's
#: speeds every frame, and a board that restarted or reconnected meanwhile needs to hear them again.
MOVE_REPEAT = 0.5


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


@dataclass(frozen=True)
class ServoGeometry:
    """How one camera's servos map onto the normalised pose: the technician's settings.

    ``pan_degrees`` are the pan servo's angles at pan -1 (left) and pan 1
    (right), ``tilt_degrees`` the tilt servo's at tilt -1 (down) and 1 (up);
    write them the other way round for a servo that turns the other way.
    ``home_degrees`` is where pan 0 and tilt 0 point (the middle of each range
    unless given); each half of the range is spread over its half of -1 to 1.
    ``park`` is the pose the head turns to when the host falls silent or the
    head is closed: aim it at nothing private. ``top_speed`` is the rate at
    speed 1, in degrees per second (the board caps it at 180).

    >>> g = ServoGeometry(pan_degrees=(150, 30), tilt_degrees=(70, 110), home_degrees=(100, 90))
    >>> g.angles(Pose(pan=-1, tilt=0.5)), g.angles(Pose(pan=0.5))
    ((150.0, 100.0), (65.0, 90.0))
    >>> g.pose(65.0, 100.0)
    Pose(pan=0.5, tilt=0.5, zoom=1.0)
    """

    pan_degrees: tuple[float, float] = (30.0, 150.0)
    tilt_degrees: tuple[float, float] = (60.0, 120.0)
    home_degrees: tuple[float, float] | None = None
    park: Pose = field(default_factory=Pose)
    top_speed: float = 60.0

    def __post_init__(self) -> None:
        for name, ends, home in (
            ("pan", self.pan_degrees, self._home(0)),
            ("tilt", self.tilt_degrees, self._home(1)),
        ):
            if not all(0 <= a <= 180 for a in ends):
                raise ConfigError(f"servo head: {name} angles {ends} must lie within 0 to 180 degrees")
            low, high = sorted(ends)
            if not low < home < high:
                raise ConfigError(
                    f"servo head: the {name} home {home:g} must lie strictly between {ends[0]:g} and "
                    f"{ends[1]:g} degrees"
                )
        if not 0 < self.top_speed <= BOARD_RATE_MAX:
            raise ConfigError(
                f"servo head: top speed {self.top_speed:g} must be above 0 and at most "
                f"{BOARD_RATE_MAX:g} degrees per second"
            )

    def _home(self, axis: int) -> float:
        if self.home_degrees is not None:
            return float(self.home_degrees[axis])
        ends = self.pan_degrees if axis == 0 else self.tilt_degrees
        return (ends[0] + ends[1]) / 2

    def _angle(self, axis: int, value: float) -> float:
        ends = self.pan_degrees if axis == 0 else self.tilt_degrees
        home = self._home(axis)
        value = _clamp(value, -1.0, 1.0)
        return home + value * ((ends[1] - home) if value >= 0 else (home - ends[0]))

    def _normal(self, axis: int, angle: float) -> float:
        ends = self.pan_degrees if axis == 0 else self.tilt_degrees
        home = self._home(axis)
        off = angle - home
        if off == 0:
            return 0.0
        towards_plus = (off > 0) == (ends[1] > home)
        return _clamp(off / (ends[1] - home) if towards_plus else off / (home - ends[0]), -1.0, 1.0)

    def angles(self, pose: Pose) -> tuple[float, float]:
        """The pan and tilt servo angles (degrees) for a pose."""
        return self._angle(0, pose.pan), self._angle(1, pose.tilt)

    def pose(self, pan: float, tilt: float) -> Pose:
        """The pose the servos point at, from their angles (degrees)."""
        return Pose(self._normal(0, pan), self._normal(1, tilt))

    def degrees(self, pose: Pose) -> tuple[float, float]:
        """Where ``pose`` points: degrees right of home and up from it, whichever way each servo
        turns.

        >>> ServoGeometry(pan_degrees=(150, 30), tilt_degrees=(70, 110)).degrees(Pose(pan=0.5, tilt=-1))
        (30.0, -20.0)
        """
        pan, tilt = self.angles(pose)
        return (
            (pan - self._home(0)) * _sign(self.pan_degrees[1] - self.pan_degrees[0]),
            (tilt - self._home(1)) * _sign(self.tilt_degrees[1] - self.tilt_degrees[0]),
        )


@dataclass(frozen=True)
class _Command:
    """An aim sent to the board: target angles and rates (degrees, degrees per second), and when
    it was handed to the link (``time.monotonic()``)."""

    target: tuple[float, float]
    rate: tuple[float, float]
    sent: float = 0.0


class ServoHead:
    """Two servos on the panel board turn the camera (``head = "servo"``), within ``limits``.

    Commands return at once: the link delivers the newest to the board, which
    moves the servos at the rate asked. :attr:`pose` is worked out from what the
    board last reported and the command it acknowledged. While the link is
    down, the board is too old (protocol 1) or has no head (an Uno), the head
    is not steerable, ignores commands and says why in :attr:`status`.
    """

    kind = "servo"

    def __init__(
        self,
        link: PanelLink,
        geometry: ServoGeometry | None = None,
        limits: HeadLimits | None = None,
    ) -> None:
        self.link = link
        self.geometry = geometry if geometry is not None else ServoGeometry()
        limits = limits if limits is not None else HeadLimits()
        self.limits = HeadLimits(pan=limits.pan, tilt=limits.tilt, zoom=(1.0, 1.0))  # no optical zoom
        self._closed = False
        self._commands: dict[int, _Command] = {}
        self._speeds: tuple[float, float] | None = None  # the last move() and when it was sent
        self._speeds_at = 0.0
        self._pose = self.geometry.park
        link.park_at(*self.geometry.angles(self.geometry.park))

    # -- what the room reads ------------------------------------------------------
    @property
    def steerable(self) -> bool:
        return self._why_not() == ""

    @property
    def status(self) -> str:
        why = self._why_not()
        return f"servo head: {why}" if why else ""

    def _why_not(self) -> str:
        if self._closed:
            return "closed"
        link = self.link.status
        if not link.connected:
            return f"no panel ({link.text})"
        if link.protocol is not None and link.protocol < PROTOCOL_VERSION:
            return (
                f"the panel's firmware {link.firmware} (protocol {link.protocol}) is too old to steer "
                "(lights only); flash this release's firmware onto an Arduino Mega: make -C hardware upload"
            )
        if not link.head:
            return (
                f"the panel (firmware {link.firmware}) has no camera head: it is built for an Arduino Uno; "
                "steering needs an Arduino Mega wired as in hardware/WIRING.md"
            )
        return ""

    @property
    def pose(self) -> Pose:
        return self.tick(time.monotonic())

    def tick(self, now: float) -> Pose:
        """Where the head points at ``now`` (see :meth:`pose_at`), kept as :attr:`pose`."""
        self._pose = self.pose_at(now)
        return self._pose

    def pose_at(self, now: float) -> Pose:
        """Where the head points at ``now``: the board's last report, carried on along the command
        it was carrying out when it reported, then along each command sent since from the moment
        it was sent (the board turns at once on a new aim; its report says so only up to a tenth
        of a second later, and a picture taken meanwhile has already moved). It changes nothing,
        so a camera's worker thread may ask it too."""
        report = self.link.head
        if report is None:
            return self._pose
        pan, tilt = report.pan, report.tilt
        commands = self._commands.copy()  # the room's thread may aim meanwhile
        command = commands.get(report.acknowledged) if report.moving else None
        since = report.at
        for number in sorted(n for n in commands if n > report.acknowledged):
            newer = commands[number]
            until = max(since, min(now, newer.sent))
            if command is not None:
                pan, tilt = _carried(pan, tilt, command, until - since)
            command, since = newer, until
        if command is not None:
            pan, tilt = _carried(pan, tilt, command, now - since)
        return self.geometry.pose(pan, tilt)

    def degrees(self, pose: Pose) -> tuple[float, float]:
        """Where ``pose`` points, in degrees right of home and up from it (:meth:`ServoGeometry.degrees`)."""
        return self.geometry.degrees(pose)

    # -- commands ----------------------------------------------------------------------
    def move(self, pan: float, tilt: float, zoom: float = 0.0) -> None:
        """Keep turning at these speeds (zoom is ignored: a servo head has none)."""
        speeds = (_clamp(pan, -1.0, 1.0), _clamp(tilt, -1.0, 1.0))
        now = time.monotonic()
        if not self.steerable or (speeds == self._speeds and now - self._speeds_at < MOVE_REPEAT):
            return
        self._speeds, self._speeds_at = speeds, now
        here = self.geometry.angles(self.pose)
        ends = (self.limits.pan, self.limits.tilt)
        targets = []
        for axis, speed in enumerate(speeds):
            if speed == 0:
                targets.append(here[axis])
            else:
                end = Pose(pan=ends[0][speed > 0]) if axis == 0 else Pose(tilt=ends[1][speed > 0])
                targets.append(self.geometry.angles(end)[axis])
        rates = (abs(speeds[0]) * self.geometry.top_speed, abs(speeds[1]) * self.geometry.top_speed)
        self._aim((targets[0], targets[1]), rates)

    def go_to(self, pose: Pose, speed: float = 1.0) -> None:
        """Turn to ``pose`` (within the limits), both servos arriving together."""
        if not self.steerable:
            return
        self._speeds = None
        target = self.geometry.angles(self.limits.clamp(pose))
        here = self.geometry.angles(self.pose)
        distance = (abs(target[0] - here[0]), abs(target[1] - here[1]))
        top = _clamp(speed, 0.0, 1.0) * self.geometry.top_speed
        longest = max(distance)
        # The shorter move goes slower so the view travels in a straight line; never 0, which
        # the board reads as "stop".
        rates = tuple(max(1.0, top * d / longest if longest > 0 else top) for d in distance)
        self._aim(target, (rates[0], rates[1]))

    def home(self) -> None:
        self.go_to(HOME)

    def stop(self) -> None:
        if not self.steerable:
            return
        self._speeds, self._speeds_at = (0.0, 0.0), time.monotonic()
        here = self.geometry.angles(self.pose)
        self._aim(here, (0.0, 0.0))

    def close(self) -> None:
        """Turn to the park position at the board's parking rate and take no more commands.
        The panel link stays up: it drives the lights too."""
        if self._closed:
            return
        if self.steerable:
            self._aim(self.geometry.angles(self.geometry.park), (PARK_RATE, PARK_RATE))
        self._closed = True

    def _aim(self, target: tuple[float, float], rate: tuple[float, float]) -> None:
        number = self.link.aim(target[0], target[1], rate[0], rate[1])
        self._commands[number] = _Command(target, rate, time.monotonic())
        for old in [n for n in self._commands if n <= number - _REMEMBERED]:
            del self._commands[old]


def _carried(pan: float, tilt: float, command: _Command, seconds: float) -> tuple[float, float]:
    """Servo angles ``pan`` and ``tilt`` after ``seconds`` of turning as ``command`` says (a rate of
    0 holds that servo where it is, as the board does)."""
    seconds = max(0.0, seconds)
    turned = []
    for at, target, rate in zip((pan, tilt), command.target, command.rate, strict=True):
        turned.append(_towards(at, target, min(rate, BOARD_RATE_MAX) * seconds) if rate > 0 else at)
    return turned[0], turned[1]


def _sign(value: float) -> float:
    return 1.0 if value >= 0 else -1.0


def _towards(at: float, target: float, step: float) -> float:
    if abs(target - at) <= step:
        return target
    return at + step if target > at else at - step


def drain_steering(steering: queue.SimpleQueue[SteerInput], head: Head) -> SteerInput | None:
    """Hands the panel's joystick readings to a head, on the render thread; the last one, if any.

    A ``move`` reading becomes :meth:`Head.move` at its speeds (zoom included,
    for a head that has one), ``home`` :meth:`Head.home`. Works for any head.

    >>> import queue
    >>> from installation.steer.head import NoHead
    >>> steering = queue.SimpleQueue()
    >>> steering.put(SteerInput("move", 0.5, 0.0, 0.0))
    >>> drain_steering(steering, NoHead())
    SteerInput(kind='move', pan=0.5, tilt=0.0, zoom=0.0)
    """
    last = None
    while True:
        try:
            reading = steering.get_nowait()
        except queue.Empty:
            return last
        if reading.kind == "home":
            head.home()
        else:
            head.move(reading.pan, reading.tilt, reading.zoom)
        last = reading
