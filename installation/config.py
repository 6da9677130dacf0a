"""The installation's configuration: one TOML file, loaded into typed objects.

Every value is checked on load. An error names the file, the key and what is
expected, for example::

    monitoring.toml: cameras[1].source: no such file 'hall.mp4'

Unknown keys are errors too, so a typo never silently falls back to a default.
Without a file, ``demo_config()`` serves the bundled footage.

>>> cfg = parse_config('[[cameras]]\\nname = "Door"\\nsource = "pattern:bars"\\n', "example.toml")
>>> cfg.cameras[0].name, cfg.cameras[0].detector, cfg.effect.kind.value
('Door', 'yunet', 'blur')
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import math
import os
import re
import stat
import sys
import types
import typing
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from installation.detect import (
    DETECTOR_ALIASES,
    DETECTORS,
    INPUT_SCALE_RANGE,
    KIOSK_DETECTOR,
    ROOM_DETECTOR,
    THRESHOLD_RANGE,
    parse_detector,
)
from installation.effects import Effect, MaskShape
from installation.errors import ConfigError
from installation.explanation import LANGUAGES, load_explanation
from installation.pipeline import DETECT_EVERY_RANGE
from installation.sources.spec import names_by_scheme, parse_spec
from installation.steer.digital import DEFAULT_VIEW, VIEW_RANGE
from installation.steer.hint import DEFAULT_FOV, FOV_RANGE
from installation.track import HOLD_RANGE

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from PyPI
    import tomli as tomllib

log = logging.getLogger(__name__)

#: The name of the installation's folders (config, logs, runtime files) on every platform.
APP_NAME = "monitoring-room"
#: The config file's name inside the user's config folder.
CONFIG_NAME = "monitoring.toml"
#: A config is a few kilobytes; anything this large is not one (or never ends).
MAX_CONFIG_BYTES = 1 << 20
#: The longest camera name: it is drawn on the monitor's label bar.
MAX_NAME_CHARS = 60
#: The longest any other string value may be (a URL, a path).
MAX_TEXT_CHARS = 4096


def default_config_path() -> Path:
    """Where the installation looks for its config when no ``--config`` is given.

    ``~/.config/monitoring-room/monitoring.toml`` on Linux (``$XDG_CONFIG_HOME`` is honoured).

    >>> default_config_path().name
    'monitoring.toml'
    """
    import platformdirs

    return platformdirs.user_config_path(APP_NAME) / CONFIG_NAME


def _meta(doc: str, **checks: Any) -> dict[str, Any]:
    return {"doc": doc, **checks}


#: The highest zoom a technician may allow (a digital head's window is then an eighth of its view).
MAX_ZOOM = 8.0
#: The longest name of a preset.
MAX_PRESET_CHARS = 30
#: The most privacy zones one camera may have.
MAX_ZONES = 16


@dataclass
class ServoConfig:
    """A servo head's servos (a [cameras.steer.servo] table; only head = "servo" reads it): their
    angles in degrees, as the servos count them, and how fast they may turn."""

    pan_degrees: list[float] = field(
        default_factory=lambda: [30.0, 150.0],
        metadata=_meta(
            "the pan servo's angles at pan -1 (left) and 1 (right); write them the other way round "
            "for a servo that turns the other way",
            min=0.0,
            max=180.0,
        ),
    )
    tilt_degrees: list[float] = field(
        default_factory=lambda: [60.0, 120.0],
        metadata=_meta("the tilt servo's angles at tilt -1 (down) and 1 (up)", min=0.0, max=180.0),
    )
    home_degrees: list[float] = field(
        default_factory=list,
        metadata=_meta(
            "[pan, tilt] servo angles at home (pan 0, tilt 0), each strictly inside its range; "
            "empty: the middle of each range",
            min=0.0,
            max=180.0,
        ),
    )
    top_speed: float = field(
        default=60.0,
        metadata=_meta(
            "degrees a second at full speed (the board turns a servo at most 180 degrees a second)",
            min=1.0,
            max=180.0,
        ),
    )


@dataclass
class ViscaConfig:
    """A network camera's own numbers, from its technical manual (a [cameras.steer.visca] table;
    only a visca:// head reads it). The defaults are Sony's EVI-D70's, which many cameras follow."""

    pan_units: list[int] = field(
        default_factory=lambda: [-2267, 2267],
        metadata=_meta(
            "the camera's pan positions at pan -1 (left, below 0) and 1 (right, above 0)",
            min=-32768,
            max=32767,
        ),
    )
    tilt_units: list[int] = field(
        default_factory=lambda: [-400, 1200],
        metadata=_meta(
            "the camera's tilt positions at tilt -1 (down, below 0) and 1 (up, above 0)",
            min=-32768,
            max=32767,
        ),
    )
    pan_degrees: list[float] = field(
        default_factory=lambda: [-170.0, 170.0],
        metadata=_meta("the pan angles at those positions, in degrees", min=-180.0, max=180.0),
    )
    tilt_degrees: list[float] = field(
        default_factory=lambda: [-30.0, 90.0],
        metadata=_meta("the tilt angles at those positions, in degrees", min=-180.0, max=180.0),
    )
    zoom_units: int = field(
        default=0x4000,
        metadata=_meta("the camera's zoom position at its longest optical zoom", min=1, max=65535),
    )
    zoom_max: float = field(
        default=18.0,
        metadata=_meta("the magnification of its longest optical zoom", min=1.1, max=100.0),
    )


@dataclass
class SteerConfig:
    """How visitors may steer a camera whose head moves (a [cameras.steer] table after the camera's
    keys). Its privacy zones are hidden whatever the head, a fixed camera's too."""

    pan: list[float] = field(
        default_factory=lambda: [-1.0, 1.0],
        metadata=_meta(
            "[lowest, highest] pan: -1 is the far left, 1 the far right, 0 home", min=-1.0, max=1.0
        ),
    )
    tilt: list[float] = field(
        default_factory=lambda: [-1.0, 1.0],
        metadata=_meta("[lowest, highest] tilt: -1 is the lowest, 1 the highest, 0 home", min=-1.0, max=1.0),
    )
    zoom: list[float] = field(
        default_factory=lambda: [1.0, 4.0],
        metadata=_meta("[lowest, highest] zoom: 1 is not zoomed (home)", min=1.0, max=MAX_ZOOM),
    )
    view: float = field(
        default=DEFAULT_VIEW,
        metadata=_meta(
            "digital head: the share of the camera picture's width and height shown at zoom 1 (what is "
            "around it is where the view can turn)",
            min=VIEW_RANGE[0],
            max=VIEW_RANGE[1],
        ),
    )
    speed: float = field(
        default=1.0,
        metadata=_meta(
            "top speed and acceleration (1: from one side to the other in about two seconds)",
            min=0.1,
            max=4.0,
        ),
    )
    idle_home: float = field(
        default=60.0,
        metadata=_meta(
            "seconds without steering before the camera turns back home (0: never)", min=0.0, max=3600.0
        ),
    )
    presets: dict[str, list[float]] = field(
        default_factory=dict,
        metadata=_meta(
            "named views visitors and workshops can call up, name = [pan, tilt, zoom], "
            "e.g. { door = [0.6, -0.2, 2.0] }"
        ),
    )
    privacy_zones: list[list[float]] = field(
        default_factory=list,
        metadata=_meta(
            "areas never shown, whatever the view: [x, y, width, height] as shares (0 to 1) of the whole "
            "camera picture from its top left, e.g. [[0.0, 0.0, 0.15, 0.6]] for a door at the left; on a "
            "servo or network head, of the picture at home, and they turn with the room",
            min=0.0,
            max=1.0,
        ),
    )
    fov: float = field(
        default=DEFAULT_FOV,
        metadata=_meta(
            "servo and network heads: the camera's horizontal field of view at zoom 1, in degrees (its "
            "data sheet's), which says how far the picture moves when the head turns",
            min=FOV_RANGE[0],
            max=FOV_RANGE[1],
        ),
    )
    delay: float = field(
        default=0.1,
        metadata=_meta(
            "servo and network heads: seconds from the camera taking a picture to the picture reaching "
            "this machine (a USB camera about 0.05-0.1, a network camera 0.1-0.3), so that the head's "
            "turn is matched to the picture it shows",
            min=0.0,
            max=1.0,
        ),
    )
    servo: ServoConfig = field(default_factory=ServoConfig)
    visca: ViscaConfig = field(default_factory=ViscaConfig)


@dataclass
class CameraConfig:
    """One camera (or recorded clip, or playlist folder) on the wall."""

    source: str = field(
        metadata=_meta(
            "camera:0, camera:0?size=1280x720&fps=30, /dev/v4l/by-id/..., rtsp://..., a video file, "
            "a folder of clips, pattern:bars"
        )
    )
    name: str = field(
        default="", metadata=_meta("label on the monitor; defaults to Camera N", max_chars=MAX_NAME_CHARS)
    )
    detector: str = field(
        default="",
        metadata=_meta(
            f"face detector: {', '.join(DETECTORS)} (yunet runs the full and the half size), or several "
            f"joined by + (e.g. yunet+blazeface-full); empty: {ROOM_DETECTOR}"
        ),
    )
    range: str = field(
        default="",
        metadata=_meta(
            "older name for the detector: "
            + ", ".join(f"{old} is {name}" for old, name in DETECTOR_ALIASES.items())
            + " (use detector)",
            choices=tuple(DETECTOR_ALIASES),
            older=True,
        ),
    )
    threshold: float = field(
        default=0.2,
        metadata=_meta(
            "detection confidence threshold on YuNet's scores (clear faces score 0.8-0.95, dim, small or "
            "turned faces 0.2-0.5); BlazeFace compares its own scores with this plus 0.3; a combined "
            "detector applies it to each",
            min=THRESHOLD_RANGE[0],
            max=THRESHOLD_RANGE[1],
        ),
    )
    input_scale: float = field(
        default=1.0,
        metadata=_meta(
            "scale frames by this before detection (smaller is faster)",
            min=INPUT_SCALE_RANGE[0],
            max=INPUT_SCALE_RANGE[1],
        ),
    )
    small_faces: bool = field(
        default=False,
        metadata=_meta("BlazeFace: also search tiles for small distant faces (about 24 px high); costs time"),
    )
    detect_every: int = field(
        default=1,
        metadata=_meta(
            "run detection every Nth frame; frames between are tracked and moving regions hidden",
            min=DETECT_EVERY_RANGE[0],
            max=DETECT_EVERY_RANGE[1],
        ),
    )
    mirror: bool = field(default=False, metadata=_meta("mirror the camera image left-right"))
    flip: bool = field(default=False, metadata=_meta("flip the camera image upside down"))
    rotate: int = field(
        default=0, metadata=_meta("rotate the camera image (degrees)", choices=(0, 90, 180, 270))
    )
    head: str = field(
        default="none",
        metadata=_meta(
            "what points the camera: none (fixed), digital (visitors steer a window inside the camera's "
            "wider picture), servo (two servos on the panel's board turn it) or visca://ADDRESS[:PORT] "
            "(a network pan-tilt-zoom camera); see [cameras.steer]"
        ),
    )
    steer: SteerConfig = field(default_factory=SteerConfig)

    def detector_spec(self) -> str:
        """The detector this camera runs: ``detector``, else the BlazeFace its older ``range`` names,
        else the room's default.

        >>> CameraConfig("pattern:bars", range="full").detector_spec()
        'blazeface-full'
        """
        if self.detector:
            return self.detector
        if self.range:
            return DETECTOR_ALIASES[self.range]
        return ROOM_DETECTOR


@dataclass
class EffectConfig:
    """What visitors start with, and what they may choose."""

    kind: Effect = field(default=Effect.BLUR, metadata=_meta("blur, pixelate, solid or exposed"))
    strength: float = field(default=0.5, metadata=_meta("0 just hides, 1 is heavy", min=0.0, max=1.0))
    mask: MaskShape = field(default=MaskShape.ELLIPSE, metadata=_meta("ellipse or box"))
    mask_scale: float = field(
        default=1.3, metadata=_meta("grow each face box by this to cover hair and ears", min=1.0, max=3.0)
    )
    allow_exposed: bool = field(
        default=False,
        metadata=_meta(
            "let visitors choose 'exposed' (faces shown unhidden); false, the default for live cameras, "
            "where bystanders' faces must never be shown"
        ),
    )


@dataclass
class DetectionConfig:
    """Model files; empty means the ones shipped (BlazeFace in mediapipe, YuNet in this package)."""

    short_range_model: str = field(
        default="",
        metadata=_meta(
            "path to a short-range BlazeFace .tflite (used wherever a detector includes blazeface-short)"
        ),
    )
    full_range_model: str = field(
        default="",
        metadata=_meta(
            "path to a full-range BlazeFace .tflite (used wherever a detector includes blazeface-full)"
        ),
    )
    yunet_model: str = field(
        default="",
        metadata=_meta(
            "path to a YuNet .onnx (the shipped one is checked against its sha256; your own copy is only "
            "checked to load)"
        ),
    )


@dataclass
class TrackingConfig:
    """How long a face stays hidden after the detector loses it."""

    hold_seconds: float = field(
        default=1.0,
        metadata=_meta(
            "keep hiding a face this long after the detector last saw it",
            min=HOLD_RANGE[0],
            max=HOLD_RANGE[1],
        ),
    )


@dataclass
class DisplayConfig:
    """The screen or projector the room is shown on."""

    index: int = field(default=0, metadata=_meta("which display (0 is the first)", min=0, max=16))
    fullscreen: bool = field(default=True, metadata=_meta("fullscreen (false: a window)"))
    size: str = field(default="", metadata=_meta("window size WxH, empty for the display's size"))
    layout: str = field(
        default="focus",
        metadata=_meta(
            "single, grid, or focus (one large, others as thumbnails)", choices=("single", "grid", "focus")
        ),
    )
    mirror: bool = field(default=False, metadata=_meta("mirror the whole screen (rear projection)"))
    flip: bool = field(default=False, metadata=_meta("flip the whole screen (ceiling projector)"))
    rotate: int = field(
        default=0, metadata=_meta("rotate the whole screen (degrees)", choices=(0, 90, 180, 270))
    )
    fps: int = field(
        default=60, metadata=_meta("frames per second the screen is drawn at, at most", min=5, max=240)
    )

    @property
    def window_size(self) -> tuple[int, int] | None:
        if not self.size:
            return None
        w, h = self.size.lower().split("x")
        return int(w), int(h)


@dataclass
class RoomConfig:
    """Captions, languages and the invitation shown when nobody is there."""

    idle_seconds: float = field(
        default=45.0,
        metadata=_meta("seconds with no face and no touch before the invitation shows", min=5.0, max=3600.0),
    )
    language: str = field(default=LANGUAGES[0], metadata=_meta("language at start", choices=LANGUAGES))
    languages: list[str] = field(
        default_factory=lambda: list(LANGUAGES),
        metadata=_meta("languages visitors can switch between", choices=LANGUAGES),
    )
    caption_seconds: float = field(
        default=12.0, metadata=_meta("seconds each caption stays", min=3.0, max=600.0)
    )
    show_boxes: bool = field(default=False, metadata=_meta("start with 'what the machine sees' on"))
    captions_file: str = field(
        default="",
        metadata=_meta(
            "a caption file of your own (TOML, like the shipped captions.toml); empty: the shipped captions"
        ),
    )
    explain_file: str = field(
        default="",
        metadata=_meta(
            "the workshop's explanation panel and labels from a file of your own (TOML, like the shipped "
            "explain.toml); empty: the shipped texts"
        ),
    )


@dataclass
class HardwareConfig:
    """The Arduino indicator and control panel."""

    port: str = field(
        default="auto",
        metadata=_meta(
            "auto (find an Arduino by USB id; with none found the on-screen panel stands in), none, "
            "a device path, serial:NUMBER, or a pyserial URL"
        ),
    )


_HOURS_DOC = (
    'open hours, e.g. "10:00-18:00" or "10:00-13:00, 14:00-18:00"; "always" (day and night) or "closed"'
)


@dataclass
class HoursConfig:
    """Opening hours (local time): outside them the screen is dark, the panel's lights are off
    and the cameras are released."""

    monday: str = field(default="always", metadata=_meta(_HOURS_DOC))
    tuesday: str = field(default="always", metadata=_meta(_HOURS_DOC))
    wednesday: str = field(default="always", metadata=_meta(_HOURS_DOC))
    thursday: str = field(default="always", metadata=_meta(_HOURS_DOC))
    friday: str = field(default="always", metadata=_meta(_HOURS_DOC))
    saturday: str = field(default="always", metadata=_meta(_HOURS_DOC))
    sunday: str = field(default="always", metadata=_meta(_HOURS_DOC))
    closed_dates: list[str] = field(
        default_factory=list,
        metadata=_meta('dates closed all day: "2025-12-25", or a span "2025-12-24..2025-12-26"', date=True),
    )


@dataclass
class KioskConfig:
    """The unattended gallery kiosk (`installation kiosk`)."""

    pin: str = field(
        default="0000",
        metadata=_meta(
            "facilitator PIN (4 to 8 digits, in quotes), asked before the facilitator panel opens "
            "(hold the top-left corner for 3 s, or press Ctrl+Alt+F); change it from 0000",
            pattern=r"[0-9]{4,8}",
            expected='4 to 8 digits in quotes, without spaces, such as "2580"',
        ),
    )
    aim_seconds: float = field(
        default=20.0,
        metadata=_meta(
            "aiming mode at start: seconds the cameras' views show with detection boxes (0: none)",
            min=0.0,
            max=600.0,
        ),
    )
    steering_hours: str = field(
        default="always",
        metadata=_meta(
            'when visitors may steer the cameras, every day: spans such as "10:00-17:00" (written as a '
            'day\'s [hours]), "always" or "never"; outside them steering is locked and the cameras turn home'
        ),
    )
    watchdog_seconds: float = field(
        default=10.0,
        metadata=_meta(
            "exit for a restart when no frame has reached the screen for this long", min=3.0, max=300.0
        ),
    )


@dataclass
class StatsConfig:
    """Anonymous statistics (`installation stats`): counts only, never a picture or a position."""

    enabled: bool = field(
        default=True,
        metadata=_meta(
            "count faces seen, exposed and hidden time and controls used, per camera and minute, "
            "into stats.csv"
        ),
    )


@dataclass
class Config:
    cameras: list[CameraConfig] = field(default_factory=list, metadata=_meta("the feeds, up to 9"))
    effect: EffectConfig = field(default_factory=EffectConfig)
    detection: DetectionConfig = field(default_factory=DetectionConfig)
    tracking: TrackingConfig = field(default_factory=TrackingConfig)
    display: DisplayConfig = field(default_factory=DisplayConfig)
    room: RoomConfig = field(default_factory=RoomConfig)
    hardware: HardwareConfig = field(default_factory=HardwareConfig)
    hours: HoursConfig = field(default_factory=HoursConfig)
    kiosk: KioskConfig = field(default_factory=KioskConfig)
    stats: StatsConfig = field(default_factory=StatsConfig)
    #: The file it came from, or None for built-in defaults.
    path: Path | None = field(default=None, metadata=_meta("", internal=True))


# -- validation ------------------------------------------------------------------


def _describe(tp: Any) -> str:
    if tp is bool:
        return "true or false"
    if tp is int:
        return "a whole number"
    if tp is float:
        return "a number"
    if tp is str:
        return "a string (in quotes)"
    if isinstance(tp, type) and issubclass(tp, Enum):
        return "one of " + ", ".join(repr(m.value) for m in tp)
    return str(tp)


def _convert(value: Any, tp: Any, where: str, meta: dict[str, Any]) -> Any:
    origin = typing.get_origin(tp)
    if origin is list:
        (item_tp,) = typing.get_args(tp)
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        return [_convert(v, item_tp, f"{where}[{i}]", meta) for i, v in enumerate(value)]
    if origin is dict:
        _, item_tp = typing.get_args(tp)
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table (name = value, ...), got {_shown(value)}")
        table = {}
        for key, item in value.items():
            _check_text(key, f"{where}.{key}", MAX_PRESET_CHARS)
            table[key] = _convert(item, item_tp, f"{where}.{key}", meta)
        return table
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _convert(value, args[0], where, meta)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table, got {value!r}")
        return _build(tp, value, where)
    if isinstance(tp, type) and issubclass(tp, Enum):
        try:
            return tp(value)
        except ValueError:
            raise ConfigError(f"{where}: expected {_describe(tp)}, got {value!r}") from None
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected {_describe(tp)}, got {value!r}")
        try:
            number = float(value)
        except OverflowError:  # a whole number with hundreds of digits
            number = math.inf
        if not math.isfinite(number):  # TOML has nan and inf; no setting means either
            raise ConfigError(f"{where}: expected {_describe(tp)}, got {_shown(value)}")
        value = number
    elif tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected {_describe(tp)}, got {value!r}")
    elif tp is bool or tp is str:
        if tp is str and meta.get("date") and type(value) is datetime.date:
            value = value.isoformat()  # a TOML date written without quotes
        if not isinstance(value, tp):
            raise ConfigError(f"{where}: expected {_describe(tp)}, got {value!r}")
    if tp is str:
        _check_text(value, where, meta.get("max_chars", MAX_TEXT_CHARS))
    choices = meta.get("choices")
    if choices is not None and value not in choices:
        raise ConfigError(f"{where}: expected one of {', '.join(map(repr, choices))}, got {_shown(value)}")
    if "min" in meta and value < meta["min"] or "max" in meta and value > meta["max"]:
        low, high = meta["min"], meta["max"]
        raise ConfigError(f"{where}: expected a value from {low} to {high}, got {_shown(value)}")
    if "pattern" in meta and not re.fullmatch(meta["pattern"], value):
        raise ConfigError(f"{where}: expected {meta.get('expected') or meta['doc']}, got {_shown(value)}")
    return value


def _shown(value: Any, limit: int = 60) -> str:
    """A value as an error message quotes it: its repr, cut short (one line, however long the value)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + "...'"


#: Characters no setting may hold: control characters (NUL, line breaks, tabs, escapes) and
#: the Unicode line and paragraph separators. A name holding one broke the screen (NUL), the
#: log's one line per event, or the statistics file's rows.
_UNWANTED = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _check_text(value: str, where: str, max_chars: int) -> None:
    bad = _UNWANTED.search(value)
    if bad:
        raise ConfigError(
            f"{where}: control character {bad.group()!r} at position {bad.start() + 1} "
            f"in {_shown(value)} (write it on one line, without control characters)"
        )
    if len(value) > max_chars:
        raise ConfigError(f"{where}: {len(value)} characters, expected at most {max_chars}")


def _build(cls: Any, data: dict[str, Any], where: str) -> Any:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}
    prefix = f"{where}." if where else ""
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"{prefix}{unknown[0]}: unknown key (expected one of {', '.join(fields)})")
    kwargs = {}
    for name, f in fields.items():
        if name in data:
            kwargs[name] = _convert(data[name], hints[name], f"{prefix}{name}", dict(f.metadata))
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ConfigError(
                f"{prefix}{name}: missing (expected {f.metadata.get('doc') or _describe(hints[name])})"
            )
    return cls(**kwargs)


def _check_settings(config: Config, base: Path, check_files: bool = True) -> None:
    """What the values mean together, and what each stage would refuse at start, asked of that
    stage (source strings, detectors and their model files, the screen, the panel port), so
    ``config check`` refuses every config the room would."""
    if len(config.cameras) > 9:
        raise ConfigError(f"cameras: expected at most 9 cameras, got {len(config.cameras)}")
    seen: set[str] = set()
    for i, cam in enumerate(config.cameras):
        if not cam.name:
            cam.name = f"Camera {i + 1}"
        if cam.name in seen:
            raise ConfigError(f"cameras[{i}].name: duplicate camera name {cam.name!r}")
        seen.add(cam.name)
        _check_detector(cam, i)
        _check_steer(cam, i)
        source = cam.source.strip()
        if not source:
            raise ConfigError(f"cameras[{i}].source: expected a source string, got an empty one")
        if names_by_scheme(source):
            try:
                parse_spec(source)
            except ConfigError as exc:
                raise ConfigError(f"cameras[{i}].source: {exc}") from None
            cam.source = source
            continue
        path = Path(source).expanduser()
        if not path.is_absolute():
            path = base / path
        if check_files and not path.exists():
            raise ConfigError(f"cameras[{i}].source: no such file {source!r}")
        cam.source = str(path)
    for key, family in MODEL_KEYS.items():
        value = getattr(config.detection, key)
        if value:
            path = _beside(value, base, f"detection.{key}", check_files)
            if check_files:
                from installation.detect import check_model
                from installation.errors import ModelError

                try:
                    check_model(family, path)
                except ModelError as exc:  # the same check the detector makes at start, named by its key
                    raise ConfigError(f"detection.{key}: {exc}") from None
            setattr(config.detection, key, str(path))
    for key, load in TEXT_KEYS.items():
        value = getattr(config.room, key)
        if value:
            path = _beside(value, base, f"room.{key}", check_files)
            if check_files:
                try:  # read now, so `config check` finds a mistake in a gallery's own texts
                    load(path)
                except ConfigError as exc:
                    raise ConfigError(f"room.{key}: {exc}") from None
            setattr(config.room, key, str(path))
    if config.display.size:
        from installation.display.screen import screen_size

        try:
            screen_size(config.display.size)
        except ValueError as exc:
            raise ConfigError(f"display.size: {exc}") from None
    try:
        from installation.hardware.backend import check_port
    except ImportError:  # without pyserial the room runs without the board, and says so at start
        pass
    else:
        try:
            check_port(config.hardware.port)
        except ConfigError as exc:
            raise ConfigError(f"hardware.port: {exc}") from None
    if config.room.language not in config.room.languages:
        raise ConfigError(f"room.language: {config.room.language!r} is not in room.languages")
    if not config.effect.allow_exposed and config.effect.kind is Effect.EXPOSED:
        raise ConfigError("effect.kind: 'exposed' is not allowed while effect.allow_exposed is false")
    from installation.schedule import check_hours, parse_daily

    check_hours(config.hours)
    try:
        parse_daily(config.kiosk.steering_hours)
    except ValueError as exc:
        raise ConfigError(f"kiosk.steering_hours: {exc}") from None


#: The model keys of ``[detection]`` and the detector family each one is for.
MODEL_KEYS = {
    "short_range_model": "blazeface-short",
    "full_range_model": "blazeface-full",
    "yunet_model": "yunet",
}


def _beside(value: str, base: Path, key: str, check_files: bool) -> Path:
    """A file a setting names: relative to the config's folder, and (``check_files``) there."""
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = base / path
    if check_files and not path.is_file():
        raise ConfigError(f"{key}: no such file {value!r}")
    return path


def _load_captions(path: Path) -> None:
    from installation.display.captions import load_captions

    load_captions(path)


#: The keys of ``[room]`` naming a gallery's own texts, and what reads each one.
TEXT_KEYS: dict[str, typing.Callable[[Path], object]] = {
    "captions_file": _load_captions,
    "explain_file": load_explanation,
}


def _check_detector(cam: CameraConfig, index: int) -> None:
    """Resolve the camera's detector string (the older ``range`` key included) and check its names."""
    where = f"cameras[{index}]"
    if cam.range:
        if cam.detector:
            log.warning(
                "%s (%s): range = %r is ignored: detector = %r is set (range is the older key)",
                where,
                cam.name,
                cam.range,
                cam.detector,
            )
        else:
            log.warning(
                "%s (%s): range = %r is the older key; write detector = %r instead",
                where,
                cam.name,
                cam.range,
                DETECTOR_ALIASES[cam.range],
            )
    try:
        names = parse_detector(cam.detector_spec())
    except ConfigError as exc:
        raise ConfigError(f"{where}.detector: {exc}") from None
    cam.detector = "+".join(names)


def _check_steer(cam: CameraConfig, index: int) -> None:
    """The camera's head string, and what its ``[cameras.steer]`` table means together."""
    from installation.steer import check_head

    where = f"cameras[{index}]"
    try:
        cam.head = check_head(cam.head)
    except ConfigError as exc:
        raise ConfigError(f"{where}.head: {exc}") from None
    steer = cam.steer
    for axis in ("pan", "tilt", "zoom"):
        span = getattr(steer, axis)
        if len(span) != 2 or span[0] > span[1]:
            raise ConfigError(
                f"{where}.steer.{axis}: expected [lowest, highest], lowest not above highest, "
                f"got {_shown(span)}"
            )
    for name, pose in steer.presets.items():
        key = f"{where}.steer.presets.{name}"
        if not name.strip():
            raise ConfigError(f"{where}.steer.presets: a preset needs a name")
        if len(pose) != 3:
            raise ConfigError(f"{key}: expected [pan, tilt, zoom], got {_shown(pose)}")
        for axis, value in zip(("pan", "tilt", "zoom"), pose, strict=True):
            low, high = getattr(steer, axis)
            if not low <= value <= high:
                raise ConfigError(
                    f"{key}: {axis} {value:g} is outside the camera's steer.{axis} [{low:g}, {high:g}]"
                )
    if len(steer.privacy_zones) > MAX_ZONES:
        raise ConfigError(f"{where}.steer.privacy_zones: expected at most {MAX_ZONES} zones")
    for z, zone in enumerate(steer.privacy_zones):
        key = f"{where}.steer.privacy_zones[{z}]"
        if len(zone) != 4:
            raise ConfigError(f"{key}: expected [x, y, width, height], got {_shown(zone)}")
        x, y, w, h = zone
        if w <= 0 or h <= 0:
            raise ConfigError(f"{key}: width and height must be above 0, got {_shown(zone)}")
        if x + w > 1.0 + 1e-9 or y + h > 1.0 + 1e-9:
            raise ConfigError(f"{key}: reaches past the picture's edge (x + width and y + height at most 1)")
    _check_servo(steer.servo, f"{where}.steer.servo")
    _check_visca(steer.visca, f"{where}.steer.visca")
    from installation.steer.factory import servo_geometry, visca_units

    for name, make in (("servo", servo_geometry), ("visca", visca_units)):
        try:
            make(steer)  # what the head itself refuses, should a check above have missed it
        except ConfigError as exc:
            raise ConfigError(f"{where}.steer.{name}: {exc}") from None


def _check_servo(servo: ServoConfig, where: str) -> None:
    """A servo head's angles: two different ends for pan and tilt, a home strictly between them."""
    for axis in ("pan", "tilt"):
        ends = getattr(servo, f"{axis}_degrees")
        if len(ends) != 2 or ends[0] == ends[1]:
            raise ConfigError(
                f"{where}.{axis}_degrees: expected [angle at {axis} -1, angle at {axis} 1], two different "
                f"angles, got {_shown(ends)}"
            )
    home = servo.home_degrees
    if not home:
        return
    if len(home) != 2:
        raise ConfigError(
            f"{where}.home_degrees: expected [pan, tilt] or [] (the middle), got {_shown(home)}"
        )
    for axis, angle in zip(("pan", "tilt"), home, strict=True):
        low, high = sorted(getattr(servo, f"{axis}_degrees"))
        if not low < angle < high:
            raise ConfigError(
                f"{where}.home_degrees: the {axis} home {angle:g} must lie strictly between {low:g} and "
                f"{high:g} degrees (its {axis}_degrees)"
            )


def _check_visca(visca: ViscaConfig, where: str) -> None:
    """A network camera's ranges: each from below 0 (-1) to above 0 (1), home being 0."""
    for key in ("pan_units", "tilt_units", "pan_degrees", "tilt_degrees"):
        ends = getattr(visca, key)
        if len(ends) != 2 or not ends[0] < 0 < ends[1]:
            raise ConfigError(
                f"{where}.{key}: expected [below 0, above 0] (the camera's home is 0), got {_shown(ends)}"
            )


_KEY_PATH = re.compile(r"^[A-Za-z_][\w-]*(\[\d+\])?(\.[A-Za-z_][\w-]*(\[\d+\])?)*$")
_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_.\-\"' ]+?)\s*=")


def _path_parts(key: str) -> list[tuple[str, int | None]]:
    parts = []
    for part in key.split("."):
        name, _, index = part.partition("[")
        parts.append((name, int(index.rstrip("]")) if index else None))
    return parts


def line_of(text: str, key: str) -> int | None:
    """The line (from 1) of ``text`` where the key path ``key`` is set, or its table begins.

    Best effort: it follows ``[table]`` and ``[[array]]`` headers and
    ``key = value`` lines, which is how config files are written.

    >>> line_of('[[cameras]]\\nsource = "a"\\n\\n[[cameras]]\\nsource = "b"\\n', "cameras[1].source")
    5
    >>> line_of('[display]\\nfps = 30\\n', "display.size")  # not set: where its table starts
    1
    """
    if not _KEY_PATH.match(key):
        return None
    target = _path_parts(key)
    if target[-1][1] is not None and len(target) > 1:
        target[-1] = (target[-1][0], None)  # an item of a list value is on the list's line
    header: list[tuple[str, int | None]] = []
    counts: dict[str, int] = {}
    best: tuple[int, int] | None = None  # (how much of the path matched, line)
    for number, line in enumerate(text.splitlines(), start=1):
        head = _HEADER.match(line)
        if head:
            names = [n.strip().strip("\"'") for n in head.group(2).split(".")]
            header = [(n, None) for n in names]
            # A table under an array's item ([cameras.steer] after a [[cameras]]) belongs to that item.
            for k in range(len(names) - 1):
                dotted = ".".join(names[: k + 1])
                if dotted in counts:
                    header[k] = (names[k], counts[dotted])
            if head.group(1) == "[[":
                dotted = ".".join(names)
                counts[dotted] = counts.get(dotted, -1) + 1
                header[-1] = (names[-1], counts[dotted])
            candidates = [header]
        else:
            assign = _ASSIGN.match(line)
            if not assign:
                continue
            names = [n.strip().strip("\"'") for n in assign.group(1).split(".")]
            candidates = [header + [(n, None) for n in names]]
        for path in candidates:
            if len(path) <= len(target) and path == target[: len(path)] and path:
                if best is None or len(path) > best[0]:
                    best = (len(path), number)
    if best is None:
        return None
    return best[1]


def _located(exc: ConfigError, text: str) -> str:
    """The error's message with the line of the key it names added, where that can be found."""
    message = str(exc)
    key = message.split(": ", 1)[0]
    line = line_of(text, key) if ": " in message else None
    return f"{message} (line {line})" if line is not None else message


def parse_config(
    text: str,
    filename: str = "<config>",
    base: Path | None = None,
    *,
    check_files: bool = True,
    defaults: dict[str, Any] | None = None,
) -> Config:
    """Parse TOML ``text``; every error message starts with ``filename`` and ends with the line.

    ``check_files=False`` skips checking that camera and model files exist
    (``installation doctor`` reports those itself). ``defaults`` maps dotted
    keys of tables (``"effect.allow_exposed"``) to the value a command uses
    where the file does not set them (the workshop's own defaults).

    >>> parse_config('[[cameras]]\\nsource = "pattern:bars"\\n[display]\\nfps = 1\\n', "a.toml")
    Traceback (most recent call last):
    ...
    installation.errors.ConfigError: a.toml: display.fps: expected a value from 5 to 240, got 1 (line 4)
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{filename}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{filename}: arrays or tables nested too deeply to be a config") from None
    for key, value in (defaults or {}).items():
        table, _, name = key.partition(".")
        section = data.get(table, {})
        if isinstance(section, dict) and name not in section:
            data[table] = {**section, name: value}
    try:
        config: Config = _build(Config, data, "")
        _check_settings(config, base or Path.cwd(), check_files)
    except ConfigError as exc:
        raise ConfigError(f"{filename}: {_located(exc, text)}") from None
    if not config.cameras:
        raise ConfigError(f"{filename}: cameras: expected at least one [[cameras]] table")
    return config


def read_config_text(path: Path) -> str:
    """The text of the config file at ``path``; a :class:`ConfigError` naming it for anything else.

    Only a regular file is read. A pipe, a device or a folder is refused
    without waiting on it: the file is opened without blocking (a pipe with no
    writer would otherwise hang ``config check``, ``run`` and the kiosk) and
    looked at before anything is read. More than :data:`MAX_CONFIG_BYTES` is
    refused too, so an endless file cannot fill the memory.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = (
                "a folder"
                if stat.S_ISDIR(mode)
                else "a pipe"
                if stat.S_ISFIFO(mode)
                else "a device or socket"
            )
            raise ConfigError(f"{path}: not a config file but {kind}; give the path of the .toml file")
        with os.fdopen(fd, "rb", closefd=False) as file:
            data = file.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES // 1024} KiB; a config is a few kilobytes")
    try:
        return data.decode("utf-8-sig")  # an editor's byte-order mark is not part of the text
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}: not UTF-8 text (line {line})") from None


def load_config(
    path: str | Path | None, *, check_files: bool = True, defaults: dict[str, Any] | None = None
) -> Config:
    """Load and check a config file; ``None`` gives the demo configuration.

    ``defaults``: see :func:`parse_config`.
    """
    if path is None:
        return demo_config()
    path = Path(path).expanduser()
    text = read_config_text(path)
    config = parse_config(text, str(path), path.parent, check_files=check_files, defaults=defaults)
    config.path = path.resolve()
    return config


#: The bundled wide camera's privacy zone: the staff door on the gallery's right wall.
GALLERY_DOOR_ZONE = [0.9, 0.35, 0.1, 0.4]


def wide_camera(clip: Path) -> CameraConfig:
    """A bundled wide clip as a camera visitors can steer: a digital head over its picture, the
    half-size YuNet pass (its faces are 30 px and more), and for the gallery, its staff door as a
    privacy zone.

    >>> from installation.groundtruth import wide_clips
    >>> camera = wide_camera(wide_clips()[0])
    >>> camera.name, camera.head, camera.detector, camera.steer.privacy_zones
    ('Gallery', 'digital', 'yunet-half', [[0.9, 0.35, 0.1, 0.4]])
    """
    camera = CameraConfig(
        source=str(clip), name=clip.stem.capitalize(), detector="yunet-half", head="digital"
    )
    camera.steer.idle_home = 30.0
    if clip.stem == "gallery":
        camera.steer.privacy_zones = [list(GALLERY_DOOR_ZONE)]
        camera.steer.presets = {"door": [1.0, 0.1, 2.0], "bench": [0.0, -0.3, 2.0]}
    return camera


def demo_config() -> Config:
    """The bundled recorded footage as cameras: no camera or Arduino needed. The wide clips come
    last, as cameras visitors can steer (:func:`wide_camera`).

    Visitors may choose "exposed" here (the faces are the project's own); live
    cameras default to ``allow_exposed = false``.
    """
    from installation.groundtruth import bundled_clips, load_ground_truth, wide_clips

    cameras = []
    for clip in bundled_clips():
        truth = load_ground_truth(clip)
        # The clip made for a kiosk (faces near the camera) gets the kiosk's detector.
        detector = ROOM_DETECTOR if truth.range == "full" else KIOSK_DETECTOR
        cameras.append(
            CameraConfig(
                source=str(clip),
                name=clip.stem.capitalize(),
                detector=detector,
                small_faces="blazeface" in detector and truth.range == "full",
            )
        )
    for clip in wide_clips():
        cameras.append(wide_camera(clip))
    if not cameras:
        from installation.resources import footage_dir

        raise ConfigError(f"{footage_dir()}: no bundled clips found (in a checkout: make footage)")
    # Footage of the project's own portraits: the room shows what exposing a face means.
    return Config(cameras=cameras, effect=EffectConfig(allow_exposed=True))
