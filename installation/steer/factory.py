"""One string chooses a camera's head, as one string chooses its source.

``none`` (a fixed camera, the default), ``digital`` (a window inside a wider
sensor frame), ``servo`` (two servos on the panel's Arduino turn a USB camera)
and ``visca://HOST[:PORT]`` (a network pan-tilt-zoom camera). Each backend is
one entry of :data:`BACKENDS`, named by the word before ``://`` (or the
whole string), loaded only when a camera asks for it; :func:`check_head`
checks a string without opening anything (``config check``), and
:func:`create_head` makes the head.

>>> check_head(" Digital ")
'digital'
>>> create_head("none", HeadSettings()).kind
'none'
>>> check_head("ptz")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
installation.errors.ConfigError: 'ptz': unknown head (expected none, digital, servo or visca://ADDRESS[:PORT])
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from installation.errors import ConfigError
from installation.steer.digital import DEFAULT_VIEW, Motion
from installation.steer.head import Head, HeadLimits, NoHead, Pose
from installation.steer.steering import Joystick, Steering

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from installation.config import CameraConfig, SteerConfig
    from installation.hardware import PanelLink
    from installation.steer.servo import ServoGeometry
    from installation.steer.visca import ViscaUnits


@dataclass(frozen=True)
class HeadSettings:
    """What every backend is given besides its string: the camera's name (for status lines), the
    technician's limits, the share of the sensor frame a digital head shows at zoom 1, how fast
    a head may move, the link to the panel's board (a servo head's servos are on it), and a servo
    head's angles and a network camera's own numbers (None: the defaults)."""

    name: str = ""
    limits: HeadLimits = field(default_factory=HeadLimits)
    view: float = DEFAULT_VIEW
    motion: Motion = field(default_factory=Motion)
    panel: PanelLink | None = None
    servo: ServoGeometry | None = None
    visca: ViscaUnits | None = None


#: Makes a head from its config string and settings.
HeadFactory = Callable[[str, HeadSettings], Head]


@dataclass(frozen=True)
class Backend:
    """A head backend: ``create`` (``"module:function"``, a :data:`HeadFactory`) and ``check``
    (``"module:function"`` taking the string and raising :class:`ConfigError`, or empty: the
    word alone is enough). ``form`` is how the string is written, for messages."""

    create: str
    check: str = ""
    form: str = ""


def _none(spec: str, settings: HeadSettings) -> Head:
    return NoHead()


def _digital(spec: str, settings: HeadSettings) -> Head:
    from installation.steer.digital import DigitalHead

    return DigitalHead(settings.limits, view=settings.view, motion=settings.motion)


def _servo(spec: str, settings: HeadSettings) -> Head:
    from installation.steer.servo import ServoHead

    if settings.panel is None:
        # No board to turn it: the camera shows what it points at, fixed, and the room runs on.
        log.warning(
            "camera %r: head 'servo' needs the panel's board ([hardware] port); the camera stays fixed",
            settings.name,
        )
        return NoHead()
    return ServoHead(settings.panel, settings.servo, limits=settings.limits)


def _visca(spec: str, settings: HeadSettings) -> Head:
    from installation.steer.visca import open_head

    return open_head(spec, limits=settings.limits, units=settings.visca)


#: The head backends this build has, by the word that names them.
BACKENDS: dict[str, Backend] = {
    "none": Backend("installation.steer.factory:_none"),
    "digital": Backend("installation.steer.factory:_digital"),
    "servo": Backend("installation.steer.factory:_servo"),
    "visca": Backend(
        "installation.steer.factory:_visca",
        check="installation.steer.visca:parse_head",
        form="visca://ADDRESS[:PORT]",
    ),
}

#: Backends the config may name that this build does not have yet, and how each is written.
PLANNED: dict[str, str] = {}


def head_kind(spec: str) -> str:
    """The backend a head string names: the word before ``://``, or the whole string, in lower case.

    >>> head_kind("visca://192.168.1.20:52381"), head_kind("Digital")
    ('visca', 'digital')
    """
    spec = spec.strip()
    word, sep, _ = spec.partition("://")
    return (word if sep else spec).lower()


def _load(target: str) -> Any:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def _expected() -> str:
    forms = [backend.form or kind for kind, backend in BACKENDS.items()]
    return ", ".join(forms[:-1]) + f" or {forms[-1]}" if len(forms) > 1 else forms[0]


def check_head(spec: str) -> str:
    """``spec`` checked and written the one way it is kept (a bare word in lower case); a
    :class:`ConfigError` naming what is expected otherwise. Nothing is opened or contacted."""
    kind = head_kind(spec)
    backend = BACKENDS.get(kind)
    if backend is None:
        if kind in PLANNED:
            raise ConfigError(
                f"{spec!r}: {kind} heads are not available in this build (expected {_expected()})"
            )
        raise ConfigError(f"{spec!r}: unknown head (expected {_expected()})")
    if backend.check:
        _load(backend.check)(spec.strip())
        return spec.strip()
    if "://" in spec:
        raise ConfigError(f"{spec!r}: a {kind} head takes no address (write {kind!r})")
    return kind


def create_head(spec: str, settings: HeadSettings) -> Head:
    """The head ``spec`` names, made with ``settings``; a :class:`ConfigError` for a string
    :func:`check_head` refuses."""
    spec = check_head(spec)
    factory: HeadFactory = _load(BACKENDS[head_kind(spec)].create)
    return factory(spec, settings)


def head_settings(camera: CameraConfig, panel: PanelLink | None = None) -> HeadSettings:
    """What a camera's ``[cameras.steer]`` table gives its head (and the panel's link, if any)."""
    steer = camera.steer
    kind = head_kind(camera.head)
    return HeadSettings(
        name=camera.name,
        panel=panel,
        limits=HeadLimits(
            pan=(steer.pan[0], steer.pan[1]),
            tilt=(steer.tilt[0], steer.tilt[1]),
            zoom=(steer.zoom[0], steer.zoom[1]),
        ),
        view=steer.view,
        motion=Motion().scaled(steer.speed),
        servo=servo_geometry(steer) if kind == "servo" else None,
        visca=visca_units(steer) if kind == "visca" else None,
    )


def servo_geometry(steer: SteerConfig) -> ServoGeometry:
    """A servo head's angles and top speed from a ``[cameras.steer.servo]`` table; a
    :class:`ConfigError` for angles the head cannot take.

    >>> from installation.config import SteerConfig
    >>> servo_geometry(SteerConfig()).pan_degrees
    (30.0, 150.0)
    """
    from installation.steer.servo import ServoGeometry

    servo = steer.servo
    home = servo.home_degrees
    return ServoGeometry(
        pan_degrees=(servo.pan_degrees[0], servo.pan_degrees[-1]),
        tilt_degrees=(servo.tilt_degrees[0], servo.tilt_degrees[-1]),
        home_degrees=(home[0], home[-1]) if home else None,
        top_speed=servo.top_speed,
    )


def visca_units(steer: SteerConfig) -> ViscaUnits:
    """A network camera's own numbers from a ``[cameras.steer.visca]`` table (its speeds stay
    the defaults); a :class:`ConfigError` for numbers no camera has.

    >>> from installation.config import SteerConfig
    >>> visca_units(SteerConfig()).pan_degrees
    (-170.0, 170.0)
    """
    from installation.steer.visca import ViscaUnits

    visca = steer.visca
    return ViscaUnits(
        pan=(visca.pan_units[0], visca.pan_units[-1]),
        tilt=(visca.tilt_units[0], visca.tilt_units[-1]),
        zoom=visca.zoom_units,
        zoom_max=visca.zoom_max,
        pan_degrees=(visca.pan_degrees[0], visca.pan_degrees[-1]),
        tilt_degrees=(visca.tilt_degrees[0], visca.tilt_degrees[-1]),
    )


def build_steering(
    cameras: Sequence[CameraConfig], joystick: Joystick | None = None, panel: PanelLink | None = None
) -> Steering:
    """Every camera's head as its config names it, with its idle time and presets, as one
    :class:`Steering` (the room's); ``panel`` is the link to the panel's board, for servo heads."""
    return Steering(
        [create_head(camera.head, head_settings(camera, panel)) for camera in cameras],
        idle_home=[camera.steer.idle_home for camera in cameras],
        presets=[{name: Pose(*pose) for name, pose in camera.steer.presets.items()} for camera in cameras],
        joystick=joystick,
    )
