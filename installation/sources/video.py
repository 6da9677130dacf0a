"""Recorded footage: one video file, or a folder of clips played as a playlist.

Timestamps are media time (frame number / frame rate) and keep counting across
loops and from clip to clip, so live playback can pace by them and a tracker
never sees time run backwards.

A clip a phone filmed upright is shown upright: its pictures are turned as
its display matrix says, by the rule batch work follows too
(:mod:`installation.sources.upright`), not by OpenCV's own, which some of its
builds apply and others do not.
"""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

import cv2
import numpy as np

from installation.errors import SourceError
from installation.frames import Frame
from installation.machine import usable_cores
from installation.sources.base import SourceBase, as_bgr, log, usable_fps
from installation.sources.upright import file_turn

#: File name endings a playlist folder plays (compared case-insensitively).
VIDEO_EXTENSIONS = (
    ".mp4",
    ".m4v",
    ".mov",
    ".avi",
    ".mkv",
    ".webm",
    ".mpg",
    ".mpeg",
    ".ts",
    ".mts",
    ".wmv",
    ".flv",
    ".ogv",
)


#: Several clips decode at once in the room, and beside the detector in batch work:
#: one thread per file on a small machine costs less CPU than FFmpeg's per-core
#: threads (1.6 against 1.8 ms a 720p frame on two cores).
_DECODE_THREADS = max(1, usable_cores() // 2)


def _short_by(expected: int) -> int:
    # Containers that only store a duration give an estimated frame count, so
    # a clip ending a frame or two (or 1 %) early is normal, not damage.
    return max(2, expected // 100)


class VideoFile(SourceBase):
    """Every frame of a video file, in order; with ``loop`` it starts again at the end.

    A file that cannot be opened, or whose first frame cannot be decoded,
    raises :class:`SourceError` at once. A file that stops decoding well before
    its stated frame count raises at that point, after handing out the frames
    it had; when looping it is played again as far as it goes, with one
    warning.

    >>> import tempfile, cv2, numpy as np
    >>> path = Path(tempfile.mkdtemp()) / "clip.avi"
    >>> w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (32, 24))
    >>> for _ in range(3): w.write(np.zeros((24, 32, 3), np.uint8))
    >>> w.release()
    >>> with VideoFile(path) as video:
    ...     frames = [video.read() for _ in range(4)]
    >>> [f.timestamp for f in frames[:3]], frames[3]
    ([0.0, 0.1, 0.2], None)
    """

    realtime = False

    def __init__(self, path: str | os.PathLike[str], *, name: str | None = None, loop: bool = False) -> None:
        self.path = Path(path)
        self.name = name or str(path)
        self.loop = loop
        #: Frame count the file states (``None`` if unknown); ``tqdm`` shows progress from it.
        self.frame_count: int | None = None
        self._cap: cv2.VideoCapture | None = None
        self._pending: np.ndarray | None = None
        self._index = 0
        self._pass_frames = 0
        self._pass_start = 0.0
        self._warned_short = False
        #: How the file's pictures are turned upright (nothing, for most files).
        self.turn = file_turn(self.path)
        self._open()

    def _open(self) -> None:
        if not self.path.exists():
            raise SourceError(f"{self.name}: no such file (looked for {self.path.absolute()})")
        if not self.path.is_file():
            raise SourceError(f"{self.name}: not a file")
        cap = cv2.VideoCapture(str(self.path), cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, _DECODE_THREADS])
        if not cap.isOpened():
            cap.release()
            raise SourceError(f"{self.name}: cannot open as video (damaged, or not a video file)")
        # The pictures are turned upright here (self.turn), by the same rule as batch work.
        cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 0)
        ok, image = cap.read()
        if not ok or image is None:
            cap.release()
            raise SourceError(f"{self.name}: no frame can be decoded (damaged, or an unsupported codec)")
        count = cap.get(cv2.CAP_PROP_FRAME_COUNT)
        self.frame_count = int(count) if 0 < count < 1e9 else None
        self.fps = usable_fps(cap.get(cv2.CAP_PROP_FPS))
        image = self.turn.apply(image)
        self.size = (int(image.shape[1]), int(image.shape[0]))
        self._cap, self._pending = cap, image

    def read(self) -> Frame | None:
        """The next frame, ``None`` after the last one (never, when looping)."""
        while self._cap is not None:
            image = self._pending
            self._pending = None
            if image is None:
                ok, image = self._cap.read()
                image = self.turn.apply(image) if ok else None
            if image is not None:
                frame = Frame(
                    as_bgr(image),
                    index=self._index,
                    timestamp=self._pass_start + self._pass_frames / self.fps,
                    source=self.name,
                    captured=time.monotonic(),
                )
                self._index += 1
                self._pass_frames += 1
                return frame
            self._end_of_file()
        return None

    def _end_of_file(self) -> None:
        expected = self.frame_count
        short = expected is not None and self._pass_frames < expected - _short_by(expected)
        played = self._pass_frames
        reason = f"{self.name}: damaged or cut short: decoding stopped at frame {played} of {expected}"
        self._release()
        if not self.loop:
            if short:
                raise SourceError(reason)
            return
        if short and not self._warned_short:
            log.warning("%s; looping what plays", reason)
            self._warned_short = True
        self._pass_start += self._pass_frames / self.fps
        self._pass_frames = 0
        self._open()

    @property
    def media_time(self) -> float:
        """Seconds of video handed out so far (all loops included)."""
        return self._pass_start + self._pass_frames / self.fps

    def _release(self) -> None:
        if self._cap is not None:
            self._cap.release()
        self._cap, self._pending = None, None

    def close(self) -> None:
        self._release()


_reported_lock = threading.Lock()
_reported: set[tuple[str, int, int]] = set()


def _clip_key(path: Path) -> tuple[str, int, int]:
    try:
        st = path.stat()
    except OSError:
        return (str(path), -1, -1)
    return (str(path.resolve()), st.st_size, st.st_mtime_ns)


def _natural(name: str) -> list[object]:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def list_clips(folder: Path) -> list[Path]:
    """The video files directly in ``folder``, in natural name order (``2.mp4`` before ``10.mp4``).

    Hidden files (such as the ``._clip.mp4`` files macOS leaves on USB sticks) are ignored.
    """
    return sorted(
        (
            p
            for p in folder.iterdir()
            if p.suffix.lower() in VIDEO_EXTENSIONS and not p.name.startswith(".") and p.is_file()
        ),
        key=lambda p: _natural(p.name),
    )


class Playlist(SourceBase):
    """The clips in a folder, one after another; with ``loop`` the folder plays again.

    A clip that cannot be opened or stops decoding early is skipped with one
    warning naming it (once per version of the file, however often the folder
    loops). The folder is listed again at the start of every pass, so clips
    copied in or replaced while it plays are picked up. When no clip in a
    whole pass gives a frame, ``read()`` (or the constructor) raises
    :class:`SourceError`.

    ``fps`` and ``size`` are those of the clip playing now.
    """

    realtime = False

    def __init__(
        self, folder: str | os.PathLike[str], *, name: str | None = None, loop: bool = False
    ) -> None:
        self.folder = Path(folder)
        self.name = name or str(folder)
        self.loop = loop
        self._clip: VideoFile | None = None
        self._queue: list[Path] = []
        self._bad: dict[Path, tuple[str, int, int]] = {}
        self._index = 0
        self._time = 0.0
        self._pass_frames = 0
        self._clips_tried = 0
        self._closed = False
        self._scan()
        self._next_clip()

    def _scan(self) -> None:
        if not self.folder.is_dir():
            raise SourceError(f"{self.name}: folder is gone (looked for {self.folder.absolute()})")
        try:
            self._queue = list_clips(self.folder)
        except OSError as exc:
            raise SourceError(f"{self.name}: cannot list the folder: {exc.strerror or exc}") from None
        if not self._queue:
            endings = ", ".join(VIDEO_EXTENSIONS)
            raise SourceError(f"{self.name}: no video clips in the folder (looked for {endings})")
        self._pass_frames = 0
        self._clips_tried = len(self._queue)

    def _skip(self, path: Path, reason: str) -> None:
        key = _clip_key(path)
        self._bad[path] = key
        with _reported_lock:
            fresh = key not in _reported
            _reported.add(key)
        if fresh:
            log.warning("%s: skipping clip: %s", self.name, reason)

    def _next_clip(self) -> bool:
        while True:
            while self._queue:
                path = self._queue.pop(0)
                if path in self._bad and self._bad[path] == _clip_key(path):
                    continue
                try:
                    self._clip = VideoFile(path, name=str(self.folder / path.name))
                except SourceError as exc:
                    self._skip(path, str(exc))
                    continue
                self.fps, self.size = self._clip.fps, self._clip.size
                return True
            if self._pass_frames == 0:
                tried = self._clips_tried
                raise SourceError(f"{self.name}: none of its {tried} clips plays (damaged or unsupported)")
            if not self.loop:
                return False
            self._scan()

    def read(self) -> Frame | None:
        """The next frame of the playlist, ``None`` after the last clip (never, when looping)."""
        while not self._closed:
            if self._clip is None and not self._next_clip():
                return None
            clip = self._clip
            assert clip is not None
            try:
                frame = clip.read()
            except SourceError as exc:
                self._skip(clip.path, str(exc))
                frame = None
            if frame is None:
                self._time += clip.media_time
                clip.close()
                self._clip = None
                continue
            frame.index = self._index
            frame.timestamp += self._time
            frame.source = self.name
            self._index += 1
            self._pass_frames += 1
            return frame
        return None

    def close(self) -> None:
        self._closed = True
        if self._clip is not None:
            self._clip.close()
            self._clip = None
        self._queue = []
