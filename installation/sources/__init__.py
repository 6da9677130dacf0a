"""Frame sources: cameras, IP cameras, footage and test patterns, all from one string.

``open_source(spec)`` gives a :class:`FrameSource` that reads every frame in
order (batch work such as ``installation anonymize``); :class:`LiveSource`
reads one on its own thread and hands the display only the newest frame,
reopening it for as long as it keeps failing. :func:`transform_image` turns a
camera's picture the right way round; :mod:`~installation.sources.upright` turns a
video file's pictures as its display matrix says (a phone's clip filmed upright).

>>> from installation.sources import open_source
>>> source = open_source("pattern:noise?size=32x24&frames=3")
>>> sum(1 for _ in iter(source.read, None)), source.size
(3, (32, 24))
>>> source.close()
"""

from installation.sources.base import FrameSource
from installation.sources.factory import open_source
from installation.sources.live import LiveSource, SourceStatus, retry_delay
from installation.sources.orientation import check_rotate, transform_image
from installation.sources.readahead import read_ahead
from installation.sources.spec import SourceSpec, SourceSpecError, parse_spec, redact
from installation.sources.video import VIDEO_EXTENSIONS, list_clips

__all__ = [
    "read_ahead",
    "FrameSource",
    "LiveSource",
    "SourceSpec",
    "SourceSpecError",
    "SourceStatus",
    "VIDEO_EXTENSIONS",
    "check_rotate",
    "list_clips",
    "open_source",
    "parse_spec",
    "redact",
    "retry_delay",
    "transform_image",
]
