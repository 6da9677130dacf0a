"""The one factory that turns a source string into a frame source."""

from __future__ import annotations

import os
from pathlib import Path

from installation.errors import SourceError
from installation.sources.base import SourceBase
from installation.sources.camera import CameraSource
from installation.sources.pattern import PatternSource
from installation.sources.spec import parse_spec
from installation.sources.stream import StreamSource
from installation.sources.video import Playlist, VideoFile


def open_source(spec: str | os.PathLike[str], *, name: str | None = None, loop: bool = False) -> SourceBase:
    """Open the source a string names; ``name`` labels its frames and log lines (default: the string).

    ========================================  ==========================================
    ``camera:0``                              camera 0 (options ``size=1280x720``,
                                              ``fps=30``, ``fourcc=MJPG``)
    ``/dev/video0``, ``/dev/v4l/by-id/…``     a camera by device path (same options)
    ``rtsp://…``, ``http://…``, ``https://…``  an IP camera or stream
    ``footage/hall.mp4``                      a video file (relative to the current folder)
    ``footage/``                              a folder of clips, played in name order
    ``pattern:bars``, ``pattern:noise``       a test pattern (``size``, ``fps``, ``frames``)
    ========================================  ==========================================

    Files, folders and patterns are read as fast as asked, every frame in
    order, and end with ``None`` unless ``loop`` is set; cameras and streams
    never end. A malformed string raises
    :class:`~installation.sources.spec.SourceSpecError` (both a ``ConfigError``
    and a ``SourceError``); a source that cannot be opened raises
    :class:`~installation.errors.SourceError`; both name the string.

    >>> source = open_source("pattern:bars?size=320x180&fps=25&frames=2")
    >>> source.size, source.fps
    ((320, 180), 25.0)
    >>> [frame.index for frame in iter(source.read, None)]
    [0, 1]
    >>> open_source("nowhere/hall.mp4")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    installation.errors.SourceError: nowhere/hall.mp4: no such file (looked for .../nowhere/hall.mp4)
    """
    parsed = parse_spec(str(spec))
    label = name or parsed.name
    if parsed.kind in ("camera", "device"):
        device = int(parsed.target) if parsed.kind == "camera" else parsed.target
        return CameraSource(device, name=label, size=parsed.size, fps=parsed.fps, fourcc=parsed.fourcc)
    if parsed.kind == "stream":
        return StreamSource(parsed.target, name=label)
    if parsed.kind == "pattern":
        return PatternSource(
            parsed.target, name=label, size=parsed.size, fps=parsed.fps, frames=parsed.frames, loop=loop
        )
    path = Path(parsed.target).expanduser()
    if path.is_dir():
        return Playlist(path, name=label, loop=loop)
    if not path.exists() and parsed.target.strip().isdigit():
        raise SourceError(f"{label}: no such file (for a camera, write camera:{parsed.target.strip()})")
    return VideoFile(path, name=label, loop=loop)
