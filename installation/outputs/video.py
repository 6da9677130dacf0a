"""Writing processed video: H.264 MP4 through PyAV, never a half file.

The writer encodes into a temporary file beside the target and renames it
only when the clip is complete (:mod:`installation.outputs.files`), so an
interrupted run leaves nothing under the final name. Nothing but the pictures
is written: no audio unless asked, no metadata from the input, no encoder or
creation-time tags, no turn (pictures are written upright); each file is
checked for that before it gets its name (:mod:`installation.outputs.metadata`).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from queue import Queue
from types import TracebackType
from typing import TYPE_CHECKING

import av
import cv2
import numpy as np

from installation.errors import UsageError
from installation.frames import Processed
from installation.machine import usable_cores
from installation.outputs.cut_sound import copy_audio_segments
from installation.outputs.files import cannot_write, publish, temporary_beside
from installation.outputs.fit import Fit
from installation.outputs.metadata import check_clean, clear

if TYPE_CHECKING:
    from installation.spans import Segment

#: Frame times are written to this tick: a whole number of ticks for every frame of 24, 25,
#: 30, 50 and 60 fps and their 1000/1001 forms but 23.976 (which rounds by under 6 µs, never
#: adding up), and for the 1/600 s and 1/1000 s clocks phones and Matroska files keep.
TIME_BASE = Fraction(1, 90000)


def _rate(fps: float) -> Fraction:
    # 29.97 and friends are 30000/1001; others are fine as small fractions.
    for den in (1, 1001):
        num = round(fps * den)
        if num and abs(num / den - fps) < 1e-3:
            return Fraction(num, den)
    return Fraction(fps).limit_denominator(1000)


class VideoWriter:
    """Encode BGR frames to an H.264 MP4 at ``path``, atomically.

    Each frame is shown at the time given to :meth:`write` (seconds from the
    start), so footage recorded at a variable frame rate keeps its timing;
    frames written without a time follow each other at ``fps``.

    >>> import numpy as np, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "clip.mp4"
    >>> with VideoWriter(out, fps=30, size=(64, 48)) as w:
    ...     for _ in range(3):
    ...         w.write(np.zeros((48, 64, 3), np.uint8))
    >>> out.exists()
    True
    """

    def __init__(
        self,
        path: str | Path | None,
        *,
        fps: float,
        size: tuple[int, int],
        crf: int = 20,
        preset: str = "ultrafast",
        threaded: bool = True,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.size = size
        self.frames = 0
        width, height = size
        target: str | io.BytesIO
        if self.path is None:
            # Benchmarks measure encoding without writing anything to disk.
            self._tmp = None
            target = io.BytesIO()
        else:
            directory = self.path.parent
            if not directory.is_dir():
                raise UsageError(f"{self.path}: the folder {directory} does not exist")
            try:
                self._tmp = temporary_beside(self.path, ".partial.mp4")
            except OSError as exc:
                raise cannot_write(self.path, exc) from None
            target = str(self._tmp)
        # yuv420p (what every player expects) needs even sides; odd sizes keep
        # their exact resolution in yuv444p instead of being cropped.
        self._even = width % 2 == 0 and height % 2 == 0
        self._yuv: np.ndarray | None = None
        self._pts = -1
        self._queue: Queue[tuple[np.ndarray, int] | None] | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        try:
            # faststart rewrites the file at the end, which an in-memory target cannot do.
            options = {"fflags": "+bitexact"}
            if self.path is not None:
                options["movflags"] = "+faststart"
            self._container = av.open(target, mode="w", format="mp4", options=options)
            self._rate = _rate(fps)
            self._stream = self._container.add_stream("libx264", rate=self._rate)
            # A fine clock instead of one tick a frame: each frame keeps its own time.
            self._stream.codec_context.time_base = TIME_BASE
            self._stream.time_base = TIME_BASE
            self._stream.width, self._stream.height = width, height
            self._stream.pix_fmt = "yuv420p" if self._even else "yuv444p"
            # x264's fastest preset with three of the tools it leaves out put back: CABAC,
            # the deblocking filter and the macroblock tree (with a short look-ahead for it).
            # On 720p footage: 2.9 ms of CPU a frame against veryfast's 7.0, files 19 %
            # larger, PSNR 0.6 dB lower; plain ultrafast writes files three times the size.
            self._stream.options = {
                "crf": str(crf),
                "preset": preset,
                "x264-params": "cabac=1:deblock=0,0:mbtree=1:rc-lookahead=10:8x8dct=1:partitions=i4x4,i8x8",
            }
            self._stream.codec_context.flags |= av.codec.context.Flags.bitexact
            # x264's own frame threads cost CPU to coordinate; with two cores or fewer the
            # detector needs the other one, and one encoding thread keeps up (about 5 ms a
            # 720p frame) at a seventh less CPU.
            self._stream.codec_context.thread_count = max(1, usable_cores() // 2)
            self._stream.metadata.clear()
            self._container.metadata.clear()
            if threaded:
                # Encoding overlaps with the next frame's detection: x264 runs in
                # native code, so a thread here uses the second core.
                self._queue = Queue(maxsize=8)
                self._thread = threading.Thread(target=self._drain, name="video-writer", daemon=True)
                self._thread.start()
        except BaseException as exc:  # Ctrl-C too: the temporary file is ours to remove
            self.abort()
            raise self._told(exc) from None

    # -- writing ---------------------------------------------------------------
    def write(self, image: np.ndarray, time: float | None = None) -> None:
        """Append one BGR frame of the writer's size, shown ``time`` seconds from the start.

        Without ``time`` the frame follows the one before at the writer's
        rate. A time that is not after the frame before's is moved just after it
        (an encoder cannot show two frames at once).
        """
        h, w = image.shape[:2]
        if (w, h) != self.size:
            raise ValueError(f"frame is {w}x{h}, the writer expects {self.size[0]}x{self.size[1]}")
        if self._error is not None:
            raise self._told(self._error)
        seconds = self.frames / self._rate if time is None else time
        pts = max(self._pts + 1, round(seconds / TIME_BASE))
        self._pts = pts
        if self._queue is not None:
            self._queue.put((image, pts))
        else:
            self._encode(image, pts)
        self.frames += 1

    def _encode(self, image: np.ndarray, pts: int) -> None:
        if self._even:
            # One I420 buffer for every frame, handed to the encoder without a copy: x264
            # copies each picture in before encode() returns.
            if self._yuv is None:
                self._yuv = np.empty((image.shape[0] * 3 // 2, image.shape[1]), np.uint8)
            cv2.cvtColor(image, cv2.COLOR_BGR2YUV_I420, dst=self._yuv)
            frame = av.VideoFrame.from_numpy_buffer(self._yuv, format="yuv420p")
        else:
            frame = av.VideoFrame.from_ndarray(image, format="bgr24").reformat(format="yuv444p")
        frame.pts, frame.time_base = pts, TIME_BASE
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def _drain(self) -> None:
        assert self._queue is not None
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._error is None:
                try:
                    self._encode(*item)
                except BaseException as exc:  # reported to the writing thread on its next call
                    self._error = exc

    def _finish_thread(self) -> None:
        if self._thread is not None and self._queue is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    # -- ending ----------------------------------------------------------------
    def close(self) -> Path | None:
        """Flush, close and move the file to its final name; returns the path."""
        self.finish()
        return self.commit()

    def finish(self) -> None:
        """Flush and close the encoder: the file is complete, still under its temporary name
        (:attr:`partial`), for anything that must be added before it is given its own."""
        self._finish_thread()
        if self._error is not None:
            self.abort()
            raise self._told(self._error)
        try:
            for packet in self._stream.encode(None):
                self._container.mux(packet)
            self._container.close()
        except BaseException as exc:
            self.abort()
            raise self._told(exc) from None

    @property
    def partial(self) -> Path | None:
        """The temporary file being written (None in memory)."""
        return self._tmp

    def commit(self) -> Path | None:
        """Move the finished file to its final name; returns the path."""
        if self._tmp is not None and self.path is not None:
            try:
                publish(self._tmp, self.path)
            except OSError as exc:
                self.abort()
                raise cannot_write(self.path, exc) from None
        return self.path

    def _told(self, exc: BaseException) -> BaseException:
        return exc if self.path is None else cannot_write(self.path, exc)

    def abort(self) -> None:
        """Stop and delete the temporary file; the final name is never touched."""
        try:
            self._finish_thread()
            container = getattr(self, "_container", None)  # None: the writer never got that far
            if container is not None:
                try:
                    container.close()
                except Exception:
                    pass
        finally:
            # Removed whatever else happens, a second Ctrl-C included.
            if self._tmp is not None:
                self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class VideoSink:
    """Processed pictures into an H.264 MP4 at ``path`` (None: into memory), through :class:`VideoWriter`.

    With ``size`` the file is begun at once; without, at the first picture,
    at that picture's size. A picture of another size than the file's is
    scaled to fit it (:class:`~installation.outputs.fit.Fit`). ``timed``:
    each picture is shown at its frame's time (footage from phones runs at a
    varying rate); otherwise pictures follow each other at ``fps``.
    ``audio_from`` is a file whose sound is copied in when the pictures are
    complete, ``audio_start`` seconds into it being the first picture's time;
    with ``audio_cut``, only the stretches it returns then are put in, one
    after another (:func:`~installation.outputs.cut_sound.copy_audio_segments`).

    >>> import tempfile, pathlib
    >>> from installation.frames import Frame, Processed
    >>> from installation.effects import Effect
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "clip.mp4"
    >>> sink = VideoSink(out, fps=30)
    >>> picture = np.zeros((48, 64, 3), np.uint8)
    >>> sink.write(Processed(Frame(picture, 0, 0.0), picture, Effect.BLUR, [], []))
    >>> sink.close()
    >>> out.exists()
    True
    """

    def __init__(
        self,
        path: str | Path | None,
        *,
        fps: float,
        size: tuple[int, int] | None = None,
        crf: int = 20,
        threaded: bool = True,
        timed: bool = True,
        audio_from: Path | None = None,
        audio_start: float = 0.0,
        audio_cut: Callable[[], Sequence[Segment]] | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.fps = fps
        self.crf = crf
        self.threaded = threaded
        self.timed = timed
        self.audio_from = audio_from
        self.audio_start = audio_start
        self.audio_cut = audio_cut
        self.writer: VideoWriter | None = None
        self._fit: Fit | None = None
        self._finished = self._closed = False
        if size is not None:
            self._open(size)

    def _open(self, size: tuple[int, int]) -> VideoWriter:
        self.writer = VideoWriter(self.path, fps=self.fps, size=size, crf=self.crf, threaded=self.threaded)
        self._fit = Fit(size)
        return self.writer

    @property
    def frames(self) -> int:
        """How many pictures were written."""
        return self.writer.frames if self.writer is not None else 0

    def write(self, processed: Processed) -> None:
        image = processed.image
        writer = self.writer if self.writer is not None else self._open((image.shape[1], image.shape[0]))
        assert self._fit is not None
        writer.write(self._fit.image(image), processed.frame.timestamp if self.timed else None)

    def finish(self) -> None:
        """Flush the encoder and put the sound in: the file is complete, still under its temporary name."""
        if self._finished or self.writer is None:
            return
        self.writer.finish()
        partial = self.writer.partial
        if self.audio_from is not None and partial is not None and self.path is not None:
            # The sound goes in before the file gets its name: a complete file or none.
            try:
                if self.audio_cut is not None:
                    copy_audio_segments(partial, self.audio_from, self.audio_cut(), start=self.audio_start)
                else:
                    copy_audio(partial, self.audio_from, start=self.audio_start)
            except OSError as exc:
                raise cannot_write(self.path, exc) from None
        if partial is not None and self.path is not None and self.frames:
            # (A file with no picture is no video to check: whoever asked for it refuses it, as
            # anonymize --only does for spans the video does not reach.)
            try:
                check_clean(partial, self.path)
            except (OSError, av.FFmpegError) as exc:
                raise cannot_write(self.path, exc) from None
        self._finished = True

    def close(self) -> None:
        """Finish and give the file its name (a sink that was given no picture writes no file)."""
        if self._closed:
            return
        self.finish()
        if self.writer is not None:
            self.writer.commit()
        self._closed = True

    def abort(self) -> None:
        """Remove the temporary file (nothing after :meth:`close`)."""
        if not self._closed and self.writer is not None:
            self.writer.abort()


def audio_for_mp4(source: Path) -> str | None:
    """Why the sound of ``source`` cannot be copied into an MP4 file (None: it can, or it has none).

    Asked before a long encode, not after it: μ-law and ADPCM sound (old cameras,
    telephone recordings in AVI) has no place in MP4.
    """
    with av.open(str(source)) as src:
        probe = av.open(io.BytesIO(), mode="w", format="mp4")
        try:
            for stream in src.streams.audio:
                try:
                    probe.add_stream_from_template(stream)
                except ValueError:
                    return f"its {stream.codec_context.name} sound cannot go into an MP4 file"
        finally:
            probe.close()
    return None


def copy_audio(video_path: Path, audio_source: Path, *, start: float = 0.0) -> bool:
    """Mux the audio streams of ``audio_source`` into ``video_path`` (in place, atomically).

    ``start`` is the time in ``audio_source`` (seconds) where ``video_path``
    begins: the source's first video frame, which files such as broadcast
    ``.ts`` recordings do not put at zero. Sound before it is dropped, so
    picture and sound stay together. Returns False when the source has no audio.

    Only the sound comes over: its packets and its codec's parameters (codec,
    sample rate, channels). No tag of the source's (creation time, GPS
    position, device, software, language, track names) and no other stream
    (GPS or timecode tracks, subtitles, chapters' text, cover pictures).
    """
    with av.open(str(audio_source)) as src:
        if not src.streams.audio:
            return False
    tmp = str(temporary_beside(video_path, ".audio.mp4"))
    try:
        with (
            av.open(str(video_path)) as vin,
            av.open(str(audio_source)) as ain,
            av.open(tmp, mode="w", format="mp4", options={"fflags": "+bitexact"}) as out,
        ):
            vout = out.add_stream_from_template(vin.streams.video[0])
            amap = {s.index: out.add_stream_from_template(s) for s in ain.streams.audio}
            # Templates take over codec parameters; tags, should any come along, are dropped here.
            clear(out, vout, *amap.values())
            for packet in vin.demux(vin.streams.video[0]):
                if packet.dts is None:
                    continue
                packet.stream = vout
                out.mux(packet)
            shift = {
                s.index: round(start / s.time_base) if start and s.time_base else 0 for s in ain.streams.audio
            }
            for sound in ain.demux(*ain.streams.audio):
                if sound.dts is None:
                    continue
                moved = shift[sound.stream.index]
                if moved:
                    if sound.pts is not None and sound.pts + (sound.duration or 0) <= moved:
                        continue  # all of it before the first picture
                    sound.dts -= moved
                    if sound.pts is not None:
                        sound.pts -= moved
                sound.stream = amap[sound.stream.index]
                out.mux(sound)
        publish(tmp, video_path)
        return True
    finally:
        Path(tmp).unlink(missing_ok=True)
