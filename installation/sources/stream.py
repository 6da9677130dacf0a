"""IP cameras and network streams (``rtsp://``, ``http(s)://``), read through PyAV.

Not through OpenCV: its FFmpeg backend holds one lock across the whole
process while any capture opens, so one camera that accepts the connection
and never answers held up every other camera's start and every reconnect
(a clip of footage included, since files open through the same backend)
for its whole open timeout, one after another. PyAV opens and reads each
stream on its own thread without that lock and without holding Python's,
so a stuck camera only ever delays itself.

``read()`` blocks until the camera sends, so these sources are ``realtime``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import av
import numpy as np

from installation.errors import SourceError
from installation.frames import Frame
from installation.sources.base import SourceBase, as_bgr, usable_fps
from installation.sources.spec import redact

#: Seconds an IP camera may take to answer and start sending. Not less than 5: a slow
#: RTSP camera (or one on a busy network) must still connect.
STREAM_OPEN_TIMEOUT = 10.0
#: Seconds the camera may go without sending before it counts as lost and is reconnected.
STREAM_READ_TIMEOUT = 5.0
#: FFmpeg options from the environment, ``key;value|key;value`` (the variable OpenCV
#: reads, still honoured so existing set-ups keep working): ``rtsp_transport;tcp``
#: for cameras whose RTSP over UDP loses packets.
OPTIONS_VARIABLE = "OPENCV_FFMPEG_CAPTURE_OPTIONS"


def stream_options(environ: dict[str, str] | None = None) -> dict[str, str]:
    """FFmpeg options for opening streams, from :data:`OPTIONS_VARIABLE`.

    >>> stream_options({"OPENCV_FFMPEG_CAPTURE_OPTIONS": "rtsp_transport;tcp|stimeout;5000000"})
    {'rtsp_transport': 'tcp', 'stimeout': '5000000'}
    >>> stream_options({})
    {}
    """
    text = (os.environ if environ is None else environ).get(OPTIONS_VARIABLE, "")
    options = {}
    for item in text.split("|"):
        key, _, value = item.partition(";")
        if key.strip() and value.strip():
            options[key.strip()] = value.strip()
    return options


def _why(exc: BaseException) -> str:
    """FFmpeg's reason without the URL PyAV appends to it (the URL may hold a password)."""
    if isinstance(exc, av.ExitError):
        return "no answer in time"
    reason = getattr(exc, "strerror", None) or str(exc).split(":", 1)[0] or type(exc).__name__
    return str(reason).rstrip(".").lower()


class StreamSource(SourceBase):
    """An IP camera or network stream, decoded by FFmpeg inside PyAV.

    Opening gives up after ``open_timeout`` seconds (default
    :data:`STREAM_OPEN_TIMEOUT`) and each read after ``read_timeout``
    (:data:`STREAM_READ_TIMEOUT`), so a dead camera is reported, and
    reconnected by :class:`~installation.sources.LiveSource`, instead of
    hanging. The URL is passed on untouched (its query string is the
    camera's); ``name`` and every message hide any password.
    """

    realtime = True
    _lost_reason = "stream stopped (camera off or network down?)"

    def __init__(
        self,
        url: str,
        *,
        name: str | None = None,
        open_timeout: float = STREAM_OPEN_TIMEOUT,
        read_timeout: float = STREAM_READ_TIMEOUT,
    ) -> None:
        self.url = url
        self.name = name or redact(url)
        self._container: Any | None = None
        self._decoded: Iterator[Any] | None = None
        self._pending: np.ndarray | None = None
        self._index = 0
        try:
            container = av.open(url, timeout=(open_timeout, read_timeout), options=stream_options())
        except (av.FFmpegError, OSError, ValueError) as exc:
            raise SourceError(
                f"{self.name}: cannot connect ({_why(exc)}; wrong address, camera off, or no network?)"
            ) from None
        self._container = container
        try:
            if not container.streams.video:
                raise SourceError(f"{self.name}: the stream has no video")
            stream = container.streams.video[0]
            self._decoded = container.decode(stream)
            image = self._next_image()
        except BaseException:
            self.close()
            raise
        self._pending = image
        self.size = (int(image.shape[1]), int(image.shape[0]))
        rate = stream.average_rate or stream.guessed_rate
        self.fps = usable_fps(float(rate) if rate else 0.0)

    def _next_image(self) -> np.ndarray:
        if self._decoded is None:
            raise SourceError(f"{self.name}: closed")
        try:
            frame = next(self._decoded)
        except StopIteration:
            raise SourceError(f"{self.name}: {self._lost_reason}") from None
        except (av.FFmpegError, OSError, ValueError) as exc:
            raise SourceError(f"{self.name}: {self._lost_reason} ({_why(exc)})") from None
        return as_bgr(frame.to_ndarray(format="bgr24"))

    def read(self) -> Frame | None:
        """The next frame from the camera; raises :class:`SourceError` when it stops sending."""
        if self._container is None:
            return None
        image, self._pending = self._pending, None
        if image is None:
            image = self._next_image()
        now = time.monotonic()
        frame = Frame(image, index=self._index, timestamp=now, source=self.name, captured=now)
        self._index += 1
        return frame

    def close(self) -> None:
        container, self._container = self._container, None
        self._decoded, self._pending = None, None
        if container is not None:
            try:
                container.close()
            except (av.FFmpegError, OSError):
                pass
