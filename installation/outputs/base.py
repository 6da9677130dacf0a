"""Where processed frames go: the sink interface, a sink that keeps nothing, and several sinks as one.

Every output of a batch run (a video file, the boxes JSON, the recording
window) is a :class:`FrameSink`, as aiortc's ``MediaRecorder`` and
``MediaBlackhole`` are interchangeable ends of a track. A run writes every
processed frame to its sink, then finishes it (whatever can still fail
fails there), then closes it: the output appears under its own name,
complete. On any error or interrupt the run aborts the sink instead, and
nothing half written is left.
"""

from __future__ import annotations

from typing import Protocol

from installation.frames import Processed


class FrameSink(Protocol):
    """The end of a batch run.

    ``write`` takes processed frames in order; only their ``image`` (the
    effect applied) and what was hidden may leave the process, never
    ``frame.image``. ``finish`` completes the output without publishing it
    (an encoder's last packets, a file's closing bracket), so that several
    outputs are all complete before any of them gets its name. ``close``
    publishes it (finishing first if need be). ``abort`` removes what was
    written under a temporary name and never touches the final name; after
    ``close`` it does nothing. ``finish``, ``close`` and ``abort`` may each
    be called more than once.
    """

    def write(self, processed: Processed) -> None: ...

    def finish(self) -> None: ...

    def close(self) -> None: ...

    def abort(self) -> None: ...


class NullSink:
    """Takes every frame and keeps none: a run that only measures, or tests without files.

    >>> sink = NullSink()
    >>> sink.close()
    >>> sink.frames
    0
    """

    def __init__(self) -> None:
        #: How many frames were written.
        self.frames = 0

    def write(self, processed: Processed) -> None:
        self.frames += 1

    def finish(self) -> None:
        pass

    def close(self) -> None:
        pass

    def abort(self) -> None:
        pass


class Wrapped:
    """A sink that changes how frames reach another one (``sink``) and leaves the rest to it:
    subclasses override :meth:`write`; finishing, closing and aborting go straight through."""

    def __init__(self, sink: FrameSink) -> None:
        self.sink = sink

    def write(self, processed: Processed) -> None:
        self.sink.write(processed)

    def finish(self) -> None:
        self.sink.finish()

    def close(self) -> None:
        self.sink.close()

    def abort(self) -> None:
        self.sink.abort()


class KeepingTime(Wrapped):
    """The clip in real time: a frame that comes late (the pipeline was busy) is written as often
    as the frames it stands for, up to ``frames`` in all."""

    def __init__(self, sink: FrameSink, *, fps: float, frames: int) -> None:
        super().__init__(sink)
        self.fps = fps
        self.frames = frames
        #: Frames written so far, repeats included.
        self.written = 0
        self._start: float | None = None

    def write(self, processed: Processed) -> None:
        now = processed.frame.timestamp
        if self._start is None:
            self._start = now
        due = min(self.frames, max(self.written + 1, round((now - self._start) * self.fps) + 1))
        while self.written < due:
            self.sink.write(processed)
            self.written += 1


class Tee:
    """Several sinks as one: each frame goes to every sink, in order.

    Closing finishes every sink before it publishes any, so a failure while
    finishing leaves none published. Aborting aborts every sink not yet
    closed, all of them even if one fails (the first failure is raised
    afterwards).
    """

    def __init__(self, *sinks: FrameSink) -> None:
        self.sinks = list(sinks)
        self._closed: set[int] = set()

    def write(self, processed: Processed) -> None:
        for sink in self.sinks:
            sink.write(processed)

    def finish(self) -> None:
        for sink in self.sinks:
            sink.finish()

    def close(self) -> None:
        self.finish()
        for i, sink in enumerate(self.sinks):
            if i not in self._closed:
                sink.close()
                self._closed.add(i)

    def abort(self) -> None:
        failure: BaseException | None = None
        for i, sink in enumerate(self.sinks):
            if i in self._closed:
                continue
            try:
                sink.abort()
            except BaseException as exc:  # the others are still aborted; the first failure is raised
                failure = failure or exc
        if failure is not None:
            raise failure
