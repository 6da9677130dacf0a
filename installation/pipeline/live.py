"""The live side: one camera's source and processor in a thread, the newest result kept.

``CameraWorker`` runs a ``LiveSource`` and a ``Processor`` in a thread and
keeps only the newest result, so the display never waits on detection and
never shows a frame that has not been through the effect.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from installation.effects import Effect
from installation.frames import Image, Processed
from installation.pipeline.feeds import LiveFrames, WorkerStatus
from installation.pipeline.processor import Processor, build_processor, camera_transform
from installation.sources.live import SourceStatus, retry_delay

if TYPE_CHECKING:
    from installation.config import Config
    from installation.detect import FaceDetector
    from installation.steer.hint import HeadHint

log = logging.getLogger(__name__)


class CameraWorker:
    """A live source and its processor in one thread; the newest result wins (a
    :class:`~installation.pipeline.feeds.LiveFeed`).

    ``controls`` is called once per frame and returns ``(effect, strength)``;
    reading the visitors' current choice there means a change shows on the
    next processed frame.

    ``head_hint`` (set by the room once it has the heads) tells the processor how
    the head that turns this camera moved between two frames; None for a fixed
    camera or a digital head.

    An exception while processing (the transform, the tracker, the effect, a
    bug) never ends the worker: the camera reports itself failed (see
    :class:`WorkerStatus`), the traceback goes to the log once per run of
    failures, and processing starts again from a fresh tracker after a pause
    that grows to a second while it keeps failing. The other cameras never
    notice.
    """

    def __init__(
        self,
        source: LiveFrames,
        processor: Processor,
        controls: Callable[[], tuple[Effect, float]],
        *,
        transform: Callable[[Image], Image] | None = None,
    ) -> None:
        self.source = source
        self.processor = processor
        self.controls = controls
        self.transform = transform
        #: At most this many frames a second are processed (None: as many as
        #: arrive). The room lowers it for cameras shown as thumbnails, so the
        #: large monitor gets the processor time on a small machine.
        self.max_fps: float | None = None
        self.head_hint: HeadHint | None = None
        self._latest: Processed | None = None
        self._seq = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: Why processing fails (empty while it works), and since when.
        self._fault = ""
        self._fault_since = 0.0
        self._processed_since_fault = False

    @property
    def name(self) -> str:
        return self.processor.name

    @property
    def detector(self) -> FaceDetector:
        """The detector this camera's frames go through (its threshold may be moved at any time)."""
        return self.processor.detector

    def start(self) -> None:
        self.source.start()
        self._thread = threading.Thread(target=self._run, name=f"camera-{self.name}", daemon=True)
        self._thread.start()

    def request_stop(self) -> None:
        """Ask the worker and its source to stop, without waiting (the room asks every camera
        first, so one stuck camera costs the others nothing)."""
        self._stop.set()
        self.source.request_stop()

    def stop(self) -> None:
        self.request_stop()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.source.stop()
        self.processor.detector.close()

    def latest(self) -> tuple[int, Processed | None]:
        """``(sequence number, newest result)``; the number grows with each new result."""
        with self._lock:
            return self._seq, self._latest

    @property
    def status(self) -> SourceStatus:
        """The source's status; a :class:`WorkerStatus` while processing fails (a lost signal comes first)."""
        status = self.source.status
        with self._lock:
            fault, since = self._fault, self._fault_since
        if fault and status.ok:
            return WorkerStatus(False, fault, since, status.frames, 0.0, failed=True)
        return status

    def _run(self) -> None:
        attempt = 0
        restart = False
        while not self._stop.is_set():
            try:
                self._work(restart)
            except Exception as exc:  # noqa: BLE001 - one camera's fault must never end it for good
                worked = self._failed(exc)
                attempt = 0 if worked else attempt + 1
                restart = True
                self._stop.wait(retry_delay(attempt))

    def _work(self, restart: bool) -> None:
        """Process frames until stopped; raises whatever processing raises."""
        if restart:
            self.processor.reset()  # nothing of the failed run is trusted
        head = self.head_hint
        if head is not None:
            head.reset()  # the first frame has none before it
        last = -1
        was_ok = True
        while not self._stop.is_set():
            frame = self.source.wait(last, timeout=0.1)
            ok = self.source.status.ok
            if ok and not was_ok:
                self.processor.reset()
                if head is not None:
                    head.reset()
            was_ok = ok
            if frame is None:
                continue
            last = frame.index
            began = time.monotonic()
            if self.transform is not None:
                frame.image = self.transform(frame.image)
            effect, strength = self.controls()
            if head is None:
                result = self.processor.process(frame, effect, strength)
            else:
                height, width = frame.image.shape[:2]
                at = frame.captured or began
                hint = head.motion(at, width, height)
                zones = head.zones(at, self.processor.zones, width, height) if self.processor.zones else None
                result = self.processor.process(frame, effect, strength, hint=hint, zones=zones)
            result.timings["latency"] = (time.monotonic() - frame.captured) * 1000 if frame.captured else 0.0
            with self._lock:
                self._latest = result
                self._seq += 1
                recovered, self._fault = self._fault, ""
                self._processed_since_fault = True
            if recovered:
                log.info("%s: processing works again", self.name)
            limit = self.max_fps
            if limit:
                self._stop.wait(max(0.0, began + 1.0 / limit - time.monotonic()))

    def _failed(self, exc: Exception) -> bool:
        """Record a processing failure; True if frames were processed since the previous one."""
        reason = f"{self.name}: processing failed ({type(exc).__name__}: {exc})"
        with self._lock:
            first = not self._fault
            if first:
                self._fault_since = time.monotonic()
            self._fault = reason[:200]
            worked, self._processed_since_fault = self._processed_since_fault, False
        if first:
            log.error("%s; restarting it", reason, exc_info=exc)
        return worked


def build_workers(config: Config, controls: Callable[[], tuple[Effect, float]]) -> list[CameraWorker]:
    """One live worker per configured camera (not yet started).

    A camera whose orientation is set gets its image turned before detection,
    so faces are found upright.
    """
    from installation.sources import LiveSource

    workers = []
    for camera in config.cameras:
        source = LiveSource(camera.source, name=camera.name)
        processor = build_processor(camera, config)
        workers.append(CameraWorker(source, processor, controls, transform=camera_transform(camera)))
    return workers
