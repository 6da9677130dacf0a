"""Source strings: what kind of source a string names, and its options.

Parsing is pure (apart from one existence check for strings that look like an
unknown scheme but name a real file), so a bad string is reported before any
device is touched.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from installation.errors import ConfigError, SourceError

#: What a source string may be, for error messages.
EXPECTED = (
    "camera:N, /dev/videoN, rtsp://…, http(s)://…, a video file, a folder of clips, "
    "or pattern:bars / pattern:noise"
)

STREAM_SCHEMES = ("rtsp", "rtsps", "rtmp", "http", "https")
#: Every scheme a source string may start with (``camera:0``, ``pattern:bars``, ``rtsp://…``).
SCHEMES = ("camera", "pattern", *STREAM_SCHEMES)
#: Where a camera's device path starts (``/dev/video0``, ``/dev/v4l/by-id/…``).
DEVICE_PREFIX = "/dev/"
PATTERNS = ("bars", "noise")

_OPTIONS = {
    "camera": ("size", "fps", "fourcc"),
    "device": ("size", "fps", "fourcc"),
    "pattern": ("size", "fps", "frames"),
}

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# ASCII digits only: \d and str.isdigit() also take characters such as "²" or "３",
# which int() then refuses or reads as another number.
_NUMBER = re.compile(r"[0-9]{1,6}")
_SIZE = re.compile(r"([0-9]{1,5})[xX]([0-9]{1,5})")
_FPS = re.compile(r"[0-9]{1,4}(\.[0-9]{1,3})?")

#: The smallest and largest width or height a camera or pattern may be asked for: below it
#: there is nothing to detect a face in, above it a frame costs hundreds of megabytes.
SIDE_RANGE = (16, 7680)
#: Camera numbers ``camera:N`` may name (V4L2 and DirectShow count far fewer devices).
MAX_CAMERA = 255


class SourceSpecError(ConfigError, SourceError):
    """A source string that cannot name any source (caught as either parent).

    >>> raise SourceSpecError("camera:x: expected a camera number like camera:0")
    Traceback (most recent call last):
    ...
    installation.sources.spec.SourceSpecError: camera:x: expected a camera number like camera:0
    """


@dataclass(frozen=True)
class SourceSpec:
    """A parsed source string.

    ``kind`` is ``camera`` (``target`` the index), ``device`` (a ``/dev`` path),
    ``stream`` (a URL), ``path`` (a file or a folder, told apart when opened) or
    ``pattern`` (``target`` the pattern name).

    >>> spec = parse_spec("camera:0?size=1280x720&fps=30")
    >>> spec.kind, spec.target, spec.size, spec.fps
    ('camera', '0', (1280, 720), 30.0)
    >>> parse_spec("rtsp://user:secret@10.0.0.7/live").name
    'rtsp://user:***@10.0.0.7/live'
    """

    text: str
    kind: str
    target: str
    size: tuple[int, int] | None = None
    fps: float | None = None
    frames: int | None = None
    fourcc: str | None = None

    @property
    def name(self) -> str:
        """The string as shown in logs and on screen: URL passwords hidden."""
        return redact(self.text) if self.kind == "stream" else self.text


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for logs and the screen).

    >>> redact("rtsp://admin:hunter2@cam.local:554/stream1")
    'rtsp://admin:***@cam.local:554/stream1'
    >>> redact("http://cam.local/video.mjpg")
    'http://cam.local/video.mjpg'
    """
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        host = parts.netloc.rpartition("@")[2]
        return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))
    except ValueError:
        return re.sub(r"//([^:/@]*):[^@/]*@", r"//\1:***@", url)


def parse_spec(text: str) -> SourceSpec:
    """Parse a source string; raise :class:`SourceSpecError` naming it if it is malformed.

    >>> parse_spec("pattern:bars?size=640x360").size
    (640, 360)
    >>> parse_spec("footage/hall.mp4").kind
    'path'
    >>> parse_spec("camera:0?zoom=2")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    installation.sources.spec.SourceSpecError: camera:0?zoom=2: unknown option 'zoom' (expected size, ...)
    """
    text = str(text)
    if not text.strip():
        raise SourceSpecError(f"empty source string (expected {EXPECTED})")
    scheme = _scheme(text)
    if text.startswith(DEVICE_PREFIX):
        path, _, query = text.partition("?")
        return _with_options(text, "device", path, query)
    if scheme in STREAM_SCHEMES:
        # The query string belongs to the camera's URL, so streams take no options of ours.
        try:
            parts = urlsplit(text)
            parts.port  # noqa: B018 - raises for a port that is not a number from 0 to 65535
        except ValueError as exc:
            raise SourceSpecError(f"{redact(text)}: not a URL FFmpeg can open ({exc})") from None
        if not parts.hostname:
            raise SourceSpecError(f"{redact(text)}: expected {scheme}://host/path")
        return SourceSpec(text, "stream", text)
    if scheme == "camera":
        target, _, query = text[len("camera:") :].partition("?")
        if not _NUMBER.fullmatch(target) or int(target) > MAX_CAMERA:
            raise SourceSpecError(f"{text}: expected a camera number like camera:0 (0 to {MAX_CAMERA})")
        return _with_options(text, "camera", str(int(target)), query)
    if scheme == "pattern":
        target, _, query = text[len("pattern:") :].partition("?")
        if target not in PATTERNS:
            raise SourceSpecError(f"{text}: unknown pattern {target!r} (expected {' or '.join(PATTERNS)})")
        return _with_options(text, "pattern", target, query)
    if scheme and len(scheme) > 1 and not os.path.exists(os.path.expanduser(text)):
        raise SourceSpecError(f"{text}: unknown source kind {scheme + ':'!r} (expected {EXPECTED})")
    return SourceSpec(text, "path", text)


def names_by_scheme(text: str) -> bool:
    """True for a source string that names its source by a scheme or a device path (a camera, a
    pattern, a stream, ``/dev/…``, or any ``scheme://``), False for one that is a file or folder's
    path (which a config reads relative to its own folder).

    >>> [names_by_scheme(t) for t in ("camera:0", "RTSP://cam/live", "/dev/video0", "ftp://x/y")]
    [True, True, True, True]
    >>> [names_by_scheme(t) for t in ("hall.mp4", "footage/", "C:\\clips\\hall.mp4")]
    [False, False, False]
    """
    return text.startswith(DEVICE_PREFIX) or _scheme(text) in SCHEMES or _URL.match(text) is not None


def _scheme(text: str) -> str:
    match = _SCHEME.match(text)
    return match.group(1).lower() if match else ""


def _with_options(text: str, kind: str, target: str, query: str) -> SourceSpec:
    allowed = _OPTIONS[kind]
    values: dict[str, object] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key not in allowed:
            raise SourceSpecError(f"{text}: unknown option {key!r} (expected {', '.join(allowed)})")
        if key in values:
            raise SourceSpecError(f"{text}: option {key!r} given twice")
        values[key] = _convert(text, key, value)
    if query and not values:
        raise SourceSpecError(f"{text}: cannot read options {query!r} (expected name=value&name=value)")
    return SourceSpec(text, kind, target, **values)  # type: ignore[arg-type]


def _convert(text: str, key: str, value: str) -> object:
    if key == "size":
        low, high = SIDE_RANGE
        m = _SIZE.fullmatch(value)
        if not m:
            raise SourceSpecError(f"{text}: size must be WIDTHxHEIGHT like 1280x720, not {value!r}")
        size = (int(m.group(1)), int(m.group(2)))
        if not all(low <= side <= high for side in size):
            raise SourceSpecError(f"{text}: size {value!r} is outside {low}x{low} .. {high}x{high}")
        return size
    if key == "fps":
        fps = float(value) if _FPS.fullmatch(value) else math.nan
        if not (0 < fps <= 1000):
            raise SourceSpecError(f"{text}: fps must be a number of frames per second like 30, not {value!r}")
        return fps
    if key == "frames":
        if not _NUMBER.fullmatch(value) or int(value) < 1:
            raise SourceSpecError(f"{text}: frames must be a whole number of frames like 300, not {value!r}")
        return int(value)
    if not re.fullmatch(r"[A-Za-z0-9 ]{4}", value):
        raise SourceSpecError(f"{text}: fourcc must be four characters like MJPG or YUYV, not {value!r}")
    return value.upper()
