"""What the room needs from a live camera, and what a camera's worker needs from its source.

A :class:`LiveFeed` is a camera as the room sees it: a name, how it is doing
(a :class:`~installation.sources.SourceStatus`, or a :class:`WorkerStatus`
while its pictures cannot be processed), its newest processed result, how
often to process, the detector behind it, and starting and stopping.
:class:`~installation.pipeline.live.CameraWorker` is one; the kiosk's
:class:`~installation.modes.kiosk.cameras.ReleasableFeed` wraps one;
:class:`~installation.pipeline.fakes.FakeFeed` stands in for one in tests and
in ``installation bench --display``.

A :class:`LiveFrames` is what a worker reads from: a source read on its own
thread that hands over its newest frame (:class:`~installation.sources.LiveSource`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from installation.sources.live import SourceStatus

if TYPE_CHECKING:
    from installation.detect import FaceDetector
    from installation.frames import Frame, Processed
    from installation.steer.hint import HeadHint


@dataclass(frozen=True)
class WorkerStatus(SourceStatus):
    """A camera whose pictures arrive but cannot be processed: ``failed`` is true, ``reason`` says why.

    The wall shows a card saying so instead of any picture, and the worker
    restarts the camera's processing by itself.
    """

    failed: bool = False


def processing_failed(status: SourceStatus) -> bool:
    """True when ``status`` says the camera's pictures arrive but cannot be processed.

    >>> processing_failed(WorkerStatus(False, "Door: processing failed (boom)", 0.0, 40, 0.0, failed=True))
    True
    >>> processing_failed(SourceStatus(False, "Door: camera stopped sending (unplugged?)", 0.0, 40, 0.0))
    False
    """
    return not status.ok and isinstance(status, WorkerStatus) and status.failed


class LiveFeed(Protocol):
    """A live camera as the room sees it; the room never waits on one.

    ``latest`` gives ``(sequence number, newest processed result)``; the number
    grows with each new result (``None`` until the first). ``max_fps`` (None:
    as many as arrive) is lowered by the room for cameras shown as thumbnails.
    ``detector`` is the live detector whose threshold the workshop moves (None
    where there is none to move). ``request_stop`` asks without waiting, so
    the room can ask every camera before waiting for any in ``stop``.
    """

    max_fps: float | None

    @property
    def name(self) -> str: ...

    @property
    def status(self) -> SourceStatus: ...

    @property
    def detector(self) -> FaceDetector | None: ...

    def latest(self) -> tuple[int, Processed | None]: ...

    def start(self) -> None: ...

    def request_stop(self) -> None: ...

    def stop(self) -> None: ...


@runtime_checkable
class FollowsHead(Protocol):
    """A live camera that can be told how the head that turns it moves (a
    :class:`~installation.pipeline.live.CameraWorker`, or the kiosk's feed that builds one): the
    room sets ``head_hint`` for servo and network heads once it has made them."""

    head_hint: HeadHint | None


class LiveFrames(Protocol):
    """What a camera's worker reads from: a source on its own thread, the newest frame kept.

    ``wait`` returns the newest frame whose index is above ``after``, or None
    after ``timeout`` seconds; indices only grow.
    """

    @property
    def status(self) -> SourceStatus: ...

    def wait(self, after: int, timeout: float) -> Frame | None: ...

    def start(self) -> None: ...

    def request_stop(self) -> None: ...

    def stop(self) -> None: ...
