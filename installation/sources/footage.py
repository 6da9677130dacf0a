"""Recorded footage for batch work: every frame at its own time and at its own size.

The room plays files through OpenCV (:class:`~installation.sources.video.VideoFile`),
which is all a monitor needs. Batch work writes the footage out again
(``installation anonymize``) and must keep two things OpenCV's reader loses:

- *Each frame's own time.* Phones record at a variable frame rate; OpenCV
  numbers the frames at one rate, so a clip written from them drifts from its
  sound (by seconds over a few minutes of a phone clip).
- *A change of picture size inside one stream*, as at the joins of broadcast
  ``.ts`` recordings. OpenCV keeps handing out the last picture of the first
  size for the rest of the file.

So this reader decodes with PyAV (the same FFmpeg underneath; the pictures
are the same to the bit). A frame's timestamp is seconds since the first
frame, taken from the file's own presentation times. Where the file's clock
runs backwards (two recordings joined) or a frame carries no time, the frame
follows the one before it by one frame interval and the frames after it keep
their own spacing from there, with one warning.

*The way up.* A clip a phone filmed upright is stored sideways, with a display
matrix saying how to turn it (:mod:`installation.sources.upright`): each frame
is handed out turned upright, as a player shows it, and ``size`` is the
upright size.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import av

from installation.errors import SourceError
from installation.frames import Frame
from installation.sources.base import SourceBase, log, usable_fps
from installation.sources.upright import UPRIGHT, Turn
from installation.sources.video import _DECODE_THREADS, _short_by


class FootageFile(SourceBase):
    """Every frame of a video file in order, each with its own presentation time and size.

    Raises :class:`SourceError` naming the file when it cannot be opened or
    its first frame cannot be decoded, and, after the frames it had, when
    decoding stops well before the frame count the file states. ``size`` is
    the first frame's size; later frames may differ. ``start`` is the file's
    time of the first frame (seconds), where timestamps count from.

    >>> import tempfile, cv2, numpy as np
    >>> path = Path(tempfile.mkdtemp()) / "clip.avi"
    >>> w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (32, 24))
    >>> for _ in range(3): w.write(np.zeros((24, 32, 3), np.uint8))
    >>> w.release()
    >>> with FootageFile(path) as video:
    ...     frames = [video.read() for _ in range(4)]
    >>> [round(f.timestamp, 3) for f in frames[:3]], frames[3], video.size
    ([0.0, 0.1, 0.2], None, (32, 24))
    """

    realtime = False

    def __init__(self, path: str | os.PathLike[str], *, name: str | None = None) -> None:
        self.path = Path(path)
        self.name = name or str(path)
        #: Frame count the file states or its duration implies (``None`` if unknown).
        self.frame_count: int | None = None
        #: Frames per second where they come fastest (``fps`` is the average).
        self.peak_fps = self.fps
        self.start = 0.0
        self.turn: Turn = UPRIGHT
        self._container: av.container.InputContainer | None = None
        self._decoded: Iterator[av.VideoFrame] | None = None
        self._pending: av.VideoFrame | None = None
        self._index = 0
        self._offset = 0.0
        self._last: float | None = None
        self._last_file_time: float | None = None
        self._warned_clock = False
        self._skipped = 0
        self._skipped_at = 0
        self._stopped = ""
        self._stated: int | None = None
        self._end: float | None = None
        self._open()

    def _open(self) -> None:
        if not self.path.exists():
            raise SourceError(f"{self.name}: no such file (looked for {self.path.absolute()})")
        if self.path.is_dir():
            raise SourceError(f"{self.name}: is a folder, not a video file")
        if not self.path.is_file():
            raise SourceError(f"{self.name}: not a file")
        try:
            container = av.open(str(self.path))
        except (av.FFmpegError, OSError, UnicodeDecodeError):
            raise SourceError(f"{self.name}: cannot open as video (damaged, or not a video file)") from None
        if not container.streams.video:
            container.close()
            raise SourceError(f"{self.name}: has no video stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        stream.codec_context.thread_count = _DECODE_THREADS
        self._container, self._decoded = container, self._decode(container, stream)
        self.fps = usable_fps(float(stream.average_rate or stream.guessed_rate or 0))
        # The rate of the file's densest stretch, as FFmpeg guesses it from the frames' spacing:
        # a phone that drops to 10 fps in the dark averages less than the 30 it films at. A guess
        # far off the average (a clock tick taken for a frame) is not believed.
        guessed = float(stream.guessed_rate or 0)
        self.peak_fps = guessed if self.fps <= guessed <= 4 * self.fps else self.fps
        self._stated = int(stream.frames) if 0 < stream.frames < 1e9 else None
        time_base = stream.time_base  # None only for a stream no demuxer has set up
        self._end = (
            float((stream.start_time + stream.duration) * time_base)
            if stream.duration and stream.start_time is not None and time_base is not None
            else None
        )
        if self._stated is not None:
            self.frame_count = self._stated
        elif stream.duration and time_base is not None:
            self.frame_count = max(1, round(float(stream.duration * time_base) * self.fps))
        self._pending = next(self._decoded, None)
        if self._pending is None:
            self.close()
            raise SourceError(f"{self.name}: no frame can be decoded (damaged, or an unsupported codec)")
        self.turn = Turn.of_frame(self._pending)
        self.size = self.turn.size((self._pending.width, self._pending.height))
        self.start = self._pending.time if self._pending.time is not None else 0.0

    def _decode(
        self, container: av.container.InputContainer, stream: av.VideoStream
    ) -> Iterator[av.VideoFrame]:
        """The stream's frames; a packet the decoder refuses is skipped (counted), as players do."""
        try:
            for packet in container.demux(stream):
                try:
                    yield from packet.decode()
                except av.FFmpegError:
                    if not self._skipped:
                        self._skipped_at = self._index
                    self._skipped += 1
        except av.FFmpegError as exc:
            # The file ends in the middle of a packet, or cannot be read on: what was
            # decoded stands, and the frame count or duration decides whether that is damage.
            self._stopped = str(exc)

    def read(self) -> Frame | None:
        """The next frame, ``None`` after the last one."""
        if self._decoded is None:
            return None
        decoded = self._pending if self._pending is not None else next(self._decoded, None)
        self._pending = None
        if decoded is None:
            self._end_of_file()
            return None
        if decoded.time is not None:
            self._last_file_time = decoded.time
        # The turn is the stream's, read once from its first frame: reading each frame's side data
        # keeps hundreds of megabytes of decoded frames alive until the garbage collector runs.
        image = self.turn.apply(decoded.to_ndarray(format="bgr24"))
        frame = Frame(
            image,
            index=self._index,
            timestamp=self._time_of(decoded.time),
            source=self.name,
            captured=time.monotonic(),
        )
        self._index += 1
        return frame

    def _time_of(self, file_time: float | None) -> float:
        """Seconds since the first frame, never earlier than the frame before."""
        step = 1.0 / self.fps
        if file_time is None:
            stamp = 0.0 if self._last is None else self._last + step
        else:
            stamp = file_time - self.start + self._offset
        if self._last is not None and stamp <= self._last:
            if not self._warned_clock:
                log.warning(
                    "%s: frame %d: the file's clock runs backwards (recordings joined?); "
                    "from there each frame follows the one before",
                    self.name,
                    self._index,
                )
                self._warned_clock = True
            fixed = self._last + step
            if file_time is not None:
                self._offset += fixed - stamp
            stamp = fixed
        self._last = stamp
        return stamp

    def _end_of_file(self) -> None:
        expected, played, shown, end = self._stated, self._index, self._last_file_time, self._end
        skipped, at, stopped = self._skipped, self._skipped_at, self._stopped
        self.close()
        if expected is not None:
            if played < expected - _short_by(expected):
                raise SourceError(
                    f"{self.name}: damaged or cut short: decoding stopped at frame {played} of {expected}"
                )
        elif end is not None and shown is not None:
            # No frame count, only a duration (MPEG-TS, Matroska): the last frame must come
            # near its end. At a varying rate the duration is all that says how many frames.
            length = end - self.start
            if end - shown > max(3 / self.fps, 0.01 * length):
                raise SourceError(
                    f"{self.name}: damaged or cut short: decoding stopped at "
                    f"{shown - self.start:.1f} s of {length:.1f} s (frame {played})"
                )
        elif stopped:
            log.warning(
                "%s: reading stopped after frame %d (%s); the frames before are kept",
                self.name,
                played,
                stopped,
            )
        if skipped:
            log.warning(
                "%s: %d damaged packet(s) could not be decoded and were skipped, the first near frame %d",
                self.name,
                skipped,
                at,
            )

    def close(self) -> None:
        if self._decoded is not None:
            self._decoded.close()  # type: ignore[attr-defined]
            self._decoded = None
        if self._container is not None:
            self._container.close()
            self._container = None
        self._pending = None
