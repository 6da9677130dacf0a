"""Cameras on this machine (``camera:N`` or a device path).

This module is the one place that chooses an OpenCV capture backend for a
camera (IP cameras are read through PyAV: see :mod:`installation.sources.stream`).
``read()`` blocks until the device delivers, so these sources are
``realtime`` and live playback does not pace them again.
"""

from __future__ import annotations

import os
import re
import sys
import time

import cv2
import numpy as np

from installation.errors import SourceError
from installation.frames import Frame
from installation.sources.base import DEFAULT_FPS, SourceBase, as_bgr, log, usable_fps

if sys.platform.startswith("linux"):
    # OpenCV's V4L2 backend waits 10 s for each frame of a stalled camera before
    # giving up, and it ignores CAP_PROP_READ_TIMEOUT_MSEC. OpenCV reads this
    # variable on the first V4L2 read, so setting it at import is early enough.
    os.environ.setdefault("OPENCV_VIDEOIO_V4L_SELECT_TIMEOUT", "2")


def camera_backend() -> int:
    """The OpenCV capture API for local cameras on this platform.

    V4L2 on Linux (it honours MJPG requests; the default can pick GStreamer),
    DirectShow on Windows (opens quickly and takes MJPG), AVFoundation on macOS.
    """
    if sys.platform.startswith("linux"):
        return int(cv2.CAP_V4L2)
    if sys.platform == "win32":
        return int(cv2.CAP_DSHOW)
    if sys.platform == "darwin":
        return int(cv2.CAP_AVFOUNDATION)
    return int(cv2.CAP_ANY)


class _CaptureSource(SourceBase):
    realtime = True
    #: Said when a read fails after the device was open.
    _lost_reason = "no picture"

    def __init__(self) -> None:
        self._cap: cv2.VideoCapture | None = None
        self._pending: np.ndarray | None = None
        self._index = 0

    def _first_frame(self, cap: cv2.VideoCapture, what: str) -> None:
        ok, image = cap.read()
        if not ok or image is None:
            cap.release()
            raise SourceError(f"{self.name}: {what} opened but sends no picture")
        self.size = (int(image.shape[1]), int(image.shape[0]))
        self._cap, self._pending = cap, image

    def read(self) -> Frame | None:
        """The next frame from the device; raises :class:`SourceError` when it stops sending."""
        if self._cap is None:
            return None
        image, self._pending = self._pending, None
        if image is None:
            ok, image = self._cap.read()
            if not ok or image is None:
                raise SourceError(f"{self.name}: {self._lost_reason}")
        now = time.monotonic()
        frame = Frame(as_bgr(image), index=self._index, timestamp=now, source=self.name, captured=now)
        self._index += 1
        return frame

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
        self._cap, self._pending = None, None


class CameraSource(_CaptureSource):
    """A local camera by number (``camera:0``) or device path (``/dev/v4l/by-id/…``).

    A path is resolved at each open, so a ``by-id`` or ``by-path`` link keeps
    naming the same camera after it is unplugged and comes back under another
    ``/dev/videoN``. With ``size`` the camera is asked for MJPG (unless
    ``fourcc`` says otherwise), which most USB cameras need for HD at full
    frame rate; the size actually delivered is in ``size`` afterwards.
    """

    _lost_reason = "camera stopped sending (unplugged?)"

    def __init__(
        self,
        device: int | str,
        *,
        name: str | None = None,
        size: tuple[int, int] | None = None,
        fps: float | None = None,
        fourcc: str | None = None,
    ) -> None:
        super().__init__()
        self.device = device
        self.name = name or (f"camera:{device}" if isinstance(device, int) else device)
        target: int | str = device
        if isinstance(device, str):
            if not os.path.exists(device):
                raise SourceError(f"{self.name}: no such device (unplugged?)")
            real = os.path.realpath(device)
            m = re.fullmatch(r"/dev/video(\d+)", real)
            target = int(m.group(1)) if m else real
        elif sys.platform.startswith("linux") and not os.path.exists(f"/dev/video{device}"):
            # Checked here so a missing camera is retried quietly instead of OpenCV warning every time.
            raise SourceError(f"{self.name}: no such camera (/dev/video{device} does not exist; unplugged?)")
        cap = cv2.VideoCapture(target, camera_backend())
        if not cap.isOpened():
            cap.release()
            raise SourceError(f"{self.name}: cannot open the camera (in use by another program?)")
        if fourcc or size:
            cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*(fourcc or "MJPG")))
        if size:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, size[0])
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, size[1])
        if fps:
            cap.set(cv2.CAP_PROP_FPS, fps)
        self._first_frame(cap, "camera")
        self.fps = usable_fps(cap.get(cv2.CAP_PROP_FPS), fps or DEFAULT_FPS)
        if size and self.size != size:
            log.info("%s: asked for %dx%d, the camera gives %dx%d", self.name, *size, *self.size)
