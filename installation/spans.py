"""Time spans of a video: what ``anonymize --only`` writes and what ``--hide-all`` hides whole.

A span is written ``START-END`` in seconds from the video's first frame, as a
player counts them: plain seconds (``12``, ``12.5``) or ``[HH:]MM:SS[.fff]``
(``1:02.5``, ``01:02:03.250``). ``START-`` runs to the end and ``-END`` from
the start. A frame belongs to a span when its time is at or after ``START``
and before ``END``. Spans given more than once are merged where they overlap
or touch.

:class:`Cut` is one run's plan: which frames the pipeline must see (those of
the ``--only`` spans and a hold on either side of each, so that a face
entering at a span's first frame is tracked already), which of them are
written, under which number and time in the trimmed output, and which are
hidden whole. The stretches of the input that were written
(:class:`Segment`) tell the sound where to be cut. :class:`CutSink` puts
the plan into effect on a run's results, before its outputs;
:class:`Renumbered` hands a boxes file's replay the output's frame numbers.
"""

from __future__ import annotations

import bisect
import math
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from installation.effects import Effect
from installation.errors import UsageError
from installation.frames import Frame, Processed
from installation.outputs.base import FrameSink, Wrapped
from installation.pipeline.processor import hidden_whole

if TYPE_CHECKING:
    from installation.pipeline.batch import FrameProcessor

_CLOCK = re.compile(r"(?:(\d+):)?(\d+):(\d+(?:\.\d*)?)")
_SECONDS = re.compile(r"\d+(?:\.\d*)?|\.\d+")


def parse_time(text: str) -> float:
    """Seconds from ``12``, ``12.5``, ``1:02.5`` or ``01:02:03.250``; a ``ValueError`` saying
    what is expected otherwise.

    >>> parse_time("12.5"), parse_time("1:02.5"), parse_time("01:02:03.250")
    (12.5, 62.5, 3723.25)
    >>> parse_time("1:75")
    Traceback (most recent call last):
    ...
    ValueError: '1:75': seconds must be under 60 after a colon
    """
    text = text.strip()
    if _SECONDS.fullmatch(text):
        return float(text)
    clock = _CLOCK.fullmatch(text)
    if clock is None:
        raise ValueError(f"{text!r}: expected seconds (12.5) or [HH:]MM:SS[.fff] (1:02.5)")
    hours, minutes, seconds = clock.group(1), int(clock.group(2)), float(clock.group(3))
    if seconds >= 60:
        raise ValueError(f"{text!r}: seconds must be under 60 after a colon")
    if hours is not None and minutes >= 60:
        raise ValueError(f"{text!r}: minutes must be under 60 after the hours")
    return (int(hours or 0) * 60 + minutes) * 60 + seconds


@dataclass(frozen=True)
class Span:
    """Input times from ``start`` (included) to ``end`` (not included; ``math.inf``: the end)."""

    start: float
    end: float

    def __contains__(self, time: float) -> bool:
        return self.start <= time < self.end

    def __str__(self) -> str:
        """In seconds, as the options take it: ``60-90.5``, ``90-``."""
        return f"{self.start:g}-{'' if math.isinf(self.end) else f'{self.end:g}'}"


def parse_span(text: str) -> Span:
    """``START-END``, ``START-`` or ``-END``; a ``ValueError`` saying what is wrong otherwise.

    >>> parse_span("1:00-1:30.5"), parse_span("90-"), parse_span("-2.5")
    (Span(start=60.0, end=90.5), Span(start=90.0, end=inf), Span(start=0.0, end=2.5))
    >>> parse_span("20-10")
    Traceback (most recent call last):
    ...
    ValueError: the end (10 s) is not after the start (20 s)
    """
    start_text, dash, end_text = text.strip().partition("-")
    if not dash:
        raise ValueError("expected START-END, START- or -END (times as 12.5 or [HH:]MM:SS[.fff])")
    if not start_text.strip() and not end_text.strip():
        raise ValueError("give a start, an end or both around the -")
    start = parse_time(start_text) if start_text.strip() else 0.0
    end = parse_time(end_text) if end_text.strip() else math.inf
    if end <= start:
        raise ValueError(f"the end ({end:g} s) is not after the start ({start:g} s)")
    return Span(start, end)


def merge(spans: Iterable[Span]) -> list[Span]:
    """The spans in order, those that overlap or touch made one.

    >>> merge([Span(5, 8), Span(0, 2), Span(7, 10), Span(2, 3)])
    [Span(start=0, end=3), Span(start=5, end=10)]
    """
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if merged and span.start <= merged[-1].end:
            merged[-1] = Span(merged[-1].start, max(merged[-1].end, span.end))
        else:
            merged.append(span)
    return merged


def spans_option(option: str, values: list[str] | None) -> list[Span]:
    """The merged spans of a repeatable option, or a one-line ``UsageError`` naming the option and
    the value that cannot be read.

    >>> spans_option("--only", ["0-2", "1-3"])
    [Span(start=0.0, end=3.0)]
    >>> spans_option("--only", ["2-1"])
    Traceback (most recent call last):
    ...
    installation.errors.UsageError: --only 2-1: the end (1 s) is not after the start (2 s)
    """
    spans = []
    for value in values or []:
        try:
            spans.append(parse_span(value))
        except ValueError as exc:
            raise UsageError(f"{option} {value}: {exc}") from None
    return merge(spans)


@dataclass(frozen=True)
class Segment:
    """A stretch of the input written to the output: input times ``start`` to ``end``, shown
    from ``at`` seconds in the output."""

    start: float
    end: float
    at: float


@dataclass
class _Written:
    """What :class:`Cut` learnt of one span while reading: its first and last frames (index and
    time in the input), where it starts in the output, and when the first frame after it comes."""

    end: float
    first_index: int
    first_time: float
    number: int
    at: float
    last_index: int
    last_time: float
    #: The time of the first frame at or after the span's end (None: none read).
    after: float | None = None


class Cut:
    """Which frames of one video are read, written (numbered afresh) and hidden whole.

    ``only`` (empty: the whole video) are written one after another, each frame
    moved to its place in the trimmed output; ``hide_all`` are hidden whole.
    Both are merged first. ``pad`` seconds before and after each ``only`` span
    are read too, and processed, but not written. ``fps`` is the video's
    average rate: the length of its last frame where it ends inside a span.

    :meth:`frames` passes on the frames the pipeline needs, in order, and
    learns where each span begins in the output as it goes; :meth:`place`
    then says where a frame it passed is written (None: it is not). A span's
    stretch of the output runs from its first frame to the first frame at or
    after its end, so each frame keeps its length.

    >>> cut = Cut([Span(1, 2), Span(3, 3.5)], [], pad=0.5, fps=10)
    >>> passed = list(cut.frames(iter([Frame(None, i, i / 10) for i in range(50)])))
    >>> passed[0].index, passed[-1].index
    (5, 39)
    >>> [cut.place(f) for f in passed[4:6]], cut.place(passed[25])
    ([None, (0, 0.0)], (10, 1.0))
    >>> cut.segments()
    [Segment(start=1.0, end=2.0, at=0.0), Segment(start=3.0, end=3.5, at=1.0)]
    """

    def __init__(self, only: list[Span], hide_all: list[Span], *, pad: float, fps: float) -> None:
        self.only = merge(only)
        self.hide_all = merge(hide_all)
        self.pad = pad
        self.fps = fps
        self._starts = [span.start for span in self.only]
        #: By the index of its span in ``only`` (0 for the whole video): spans with frames.
        self._written: dict[int, _Written] = {}
        #: The last frame read (index and time), and whether the video was read to its end.
        self.last: tuple[int, float] | None = None
        self.ended = False
        # Two readers of one video (the look-ahead's finder and its output) learn from the frames
        # on their own threads, while the output asks where frames go.
        self._lock = threading.Lock()

    @property
    def trims(self) -> bool:
        """Whether only part of the video is written."""
        return bool(self.only)

    def _span_at(self, time: float) -> int | None:
        """The index in ``only`` of the span holding ``time`` (0 when the whole video is written;
        None: in no span)."""
        if not self.only:
            return 0
        k = bisect.bisect_right(self._starts, time) - 1
        return k if k >= 0 and time in self.only[k] else None

    def _needed(self, time: float) -> bool:
        return not self.only or any(s.start - self.pad <= time < s.end + self.pad for s in self.only)

    def hides_all(self, time: float) -> bool:
        """Whether the frame at input ``time`` is hidden whole (``--hide-all``)."""
        return any(time in span for span in self.hide_all)

    def frames(self, frames: Iterator[Frame]) -> Iterator[Frame]:
        """The frames of ``frames`` the pipeline needs, in order; reading stops after the last one.
        Called again (a second reader of the same video), it passes the same frames."""
        try:
            for frame in frames:
                time = frame.timestamp
                with self._lock:
                    self._learn(frame)
                if self.only and time >= self.only[-1].end + self.pad:
                    return
                if self._needed(time):
                    yield frame
            self.ended = True
        finally:
            close = getattr(frames, "close", None)
            if close is not None:
                close()

    def _learn(self, frame: Frame) -> None:
        """What ``frame``, just read, says: the end of the spans it is past, where its span starts."""
        index, time = frame.index, frame.timestamp
        if self.last is None or index > self.last[0]:
            self.last = (index, time)
        for written in self._written.values():
            if written.after is None and written.last_index < index and time >= written.end:
                written.after = time
        k = self._span_at(time)
        if k is not None:
            self._note(k, frame)

    def _note(self, k: int, frame: Frame) -> None:
        written = self._written.get(k)
        if written is not None:
            if frame.index > written.last_index:
                written.last_index, written.last_time = frame.index, frame.timestamp
            return
        number, at = 0, 0.0
        if self._written:
            before = self._written[max(self._written)]
            number = before.number + before.last_index - before.first_index + 1
            at = before.at + self._length(before)
        end = self.only[k].end if self.only else math.inf
        self._written[k] = _Written(
            end, frame.index, frame.timestamp, number, at, frame.index, frame.timestamp
        )

    def _length(self, written: _Written) -> float:
        """How long a span's stretch lasts in the output."""
        end = written.after if written.after is not None else written.last_time + 1.0 / self.fps
        return end - written.first_time

    def place(self, frame: Frame) -> tuple[int, float] | None:
        """The number and time (seconds) in the output of a frame :meth:`frames` passed; None for
        a frame that is not written."""
        k = self._span_at(frame.timestamp)
        with self._lock:
            written = None if k is None else self._written.get(k)
        if written is None:
            return None
        return (
            written.number + frame.index - written.first_index,
            written.at + frame.timestamp - written.first_time,
        )

    def segments(self) -> list[Segment]:
        """The stretches of the input written, in order, each with its time in the output."""
        with self._lock:
            return [
                Segment(w.first_time, w.first_time + self._length(w), w.at)
                for _, w in sorted(self._written.items())
            ]

    def end(self) -> float:
        """When the video ends, as far as it was read: its last frame's time and length."""
        return 0.0 if self.last is None else self.last[1] + 1.0 / self.fps

    def warnings(self) -> list[str]:
        """One line for each span that reaches past the video's end, once it is read to its end."""
        if not self.ended or self.last is None:
            return []
        end = self.end()
        lines = []
        for option, spans in (("--only", self.only), ("--hide-all", self.hide_all)):
            for span in spans:
                if span.start >= end:
                    lines.append(f"{option} {span}: the video ends at {end:.2f} s, before the span starts")
                elif not math.isinf(span.end) and span.end > end:
                    lines.append(f"{option} {span}: the video ends at {end:.2f} s, within the span")
        return lines


#: The status of a frame hidden whole because ``--hide-all`` asked for it.
HIDE_ALL_STATUS = "hidden whole: --hide-all"


class CutSink(Wrapped):
    """What a :class:`Cut` writes, into ``sink``: each result of a frame that is written, moved to
    its number and time in the output, hidden whole in a ``--hide-all`` span; the others are
    dropped. ``on_written(result)`` is told of each result written.

    A frame hidden whole is hidden as the pipeline hides a frame it cannot vouch for
    (:func:`~installation.pipeline.processor.hidden_whole`); the faces, regions and
    detections found on it are still reported (the boxes files list them, and mark the frame
    hidden whole).
    """

    def __init__(
        self, sink: FrameSink, cut: Cut, *, on_written: Callable[[Processed], None] | None = None
    ) -> None:
        super().__init__(sink)
        self.cut = cut
        self.on_written = on_written

    def write(self, processed: Processed) -> None:
        placed = self.cut.place(processed.frame)
        if placed is None:
            return
        number, time = placed
        frame = replace(processed.frame, index=number, timestamp=time)
        if self.cut.hides_all(processed.frame.timestamp):
            result = hidden_whole(
                frame,
                processed.effect,
                HIDE_ALL_STATUS,
                detections=processed.detections,
                faces=processed.faces,
                detected=processed.detected,
                timings=processed.timings,
                guarded=processed.guarded,
                ahead=processed.ahead,
                camera_motion=processed.camera_motion,
            )
        else:
            result = replace(processed, frame=frame)
        self.sink.write(result)
        if self.on_written is not None:
            self.on_written(result)


class Renumbered:
    """A frame processor that works in the output's numbering: each frame a :class:`Cut` writes is
    given to ``processor`` under its number and time in the output (a boxes file exported from
    a trimmed run lists the output's frames), and its result handed back under the input's, for
    the :class:`CutSink`. A frame that is not written gets nothing hidden (it is dropped)."""

    def __init__(self, processor: FrameProcessor, cut: Cut) -> None:
        self.processor = processor
        self.cut = cut

    def process(self, frame: Frame, effect: Effect, strength: float) -> Processed:
        placed = self.cut.place(frame)
        if placed is None:
            return hidden_whole(frame, effect, "not written")
        number, time = placed
        result = self.processor.process(replace(frame, index=number, timestamp=time), effect, strength)
        return replace(result, frame=frame)
