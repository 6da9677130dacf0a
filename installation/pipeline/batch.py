"""The batch runner: every frame of a file or a camera -> the processor (or the look-ahead) -> a sink.

``record``, ``anonymize`` and ``bench`` all run through :func:`run_batch`.
Every frame is processed, in order (this is not the room's "latest wins");
every result is written to the sink; at the end the sink is finished and
closed, so its outputs appear whole under their names. Any error or
interrupt on the way aborts the sink instead: nothing half written is left,
and the error goes on to the caller as it was raised.

A live camera's frames go through :meth:`Processor.process
<installation.pipeline.processor.Processor.process>` one by one, as in the
room. Recorded footage goes through a
:class:`~installation.pipeline.lookahead.Lookahead`, which reads it twice
and hides each face from before its first sighting too, or, re-rendered from
a boxes file, through a :class:`~installation.pipeline.replay.Replay`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from installation.effects import Effect
from installation.frames import Frame, Image, Processed
from installation.pipeline.lookahead import Lookahead

if TYPE_CHECKING:
    from installation.outputs import FrameSink


class FrameProcessor(Protocol):
    """What turns one frame into its result, in order: a :class:`Processor`, or a
    :class:`~installation.pipeline.replay.Replay` of a boxes file."""

    def process(self, frame: Frame, effect: Effect, strength: float) -> Processed: ...


@dataclass(frozen=True)
class Ran:
    """What a batch run did: frames written, and how long it took (seconds, closing included)."""

    frames: int
    seconds: float

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds else 0.0


def run_batch(
    open_frames: Callable[[], Iterator[Frame]],
    processor: FrameProcessor | Lookahead,
    sink: FrameSink,
    *,
    effect: Effect,
    strength: float,
    transform: Callable[[Image], Image] | None = None,
    on_frame: Callable[[Processed], bool | None] | None = None,
    max_frames: int = 0,
    publishing: Callable[[], None] | None = None,
) -> Ran:
    """Process every frame ``open_frames()`` yields and write each result to ``sink``.

    ``open_frames`` opens the frames (a look-ahead calls it twice when the
    frames do not fit in memory); the frames are closed when the run ends.
    ``transform`` turns each picture before it is processed (a camera
    mounted on its side: see
    :func:`~installation.pipeline.processor.camera_transform`).
    ``on_frame(result)`` is called after each result is written (progress,
    scoring); returning False ends the run there, as the end of the frames
    would. ``max_frames`` (0: all) ends it after that many. ``publishing``
    is called when the sink is finished and about to be closed: every output
    is complete and none has its name yet.

    >>> from installation.detect import create_detector
    >>> from installation.outputs import NullSink
    >>> from installation.pipeline.processor import Processor
    >>> from installation.sources import open_source, read_ahead
    >>> from installation.track import Tracker
    >>> source = open_source("pattern:bars?size=320x180&frames=5")
    >>> processor = Processor(create_detector("yunet"), Tracker())
    >>> run_batch(lambda: read_ahead(source), processor, NullSink(), effect=Effect.BLUR, strength=0.5).frames
    5
    """
    start = time.perf_counter()
    frames = open_frames if transform is None else (lambda: _turned(open_frames(), transform))
    results: Generator[Processed, None, None]
    if isinstance(processor, Lookahead):
        results = processor.run(frames, effect, strength)
    else:
        results = _one_by_one(frames(), processor, effect, strength)
    count = 0
    try:
        try:
            while not max_frames or count < max_frames:
                result = next(results, None)
                if result is None:
                    break
                sink.write(result)
                count += 1
                if on_frame is not None and on_frame(result) is False:
                    break
            sink.finish()
            if publishing is not None:
                publishing()
            sink.close()
        except BaseException:  # Ctrl-C too: nothing half written is left
            sink.abort()
            raise
    finally:
        results.close()
    return Ran(count, time.perf_counter() - start)


def _one_by_one(
    frames: Iterator[Frame], processor: FrameProcessor, effect: Effect, strength: float
) -> Generator[Processed, None, None]:
    """Each frame through the processor as it comes, the frames closed at the end."""
    try:
        for frame in frames:
            yield processor.process(frame, effect, strength)
    finally:
        _close(frames)


def _turned(frames: Iterator[Frame], transform: Callable[[Image], Image]) -> Iterator[Frame]:
    try:
        for frame in frames:
            frame.image = transform(frame.image)
            yield frame
    finally:
        _close(frames)


def _close(frames: Iterator[Frame]) -> None:
    close = getattr(frames, "close", None)  # a generator; a plain iterator has nothing to close
    if close is not None:
        close()
