"""Cameras the kiosk lets go of at closing time and takes back at opening."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from installation.config import CameraConfig, Config
from installation.pipeline.feeds import FollowsHead
from installation.sources import SourceStatus

if TYPE_CHECKING:
    from installation.detect import FaceDetector
    from installation.effects import Effect
    from installation.frames import Processed
    from installation.pipeline.feeds import LiveFeed
    from installation.steer.hint import HeadHint


class ReleasableFeed:
    """A camera the kiosk lets go of at closing time and takes back at opening.

    Each :meth:`start` builds a fresh worker (source, detector, tracker) with
    ``build``; :meth:`stop` stops it and drops it, freeing the device and the
    detector. Sequence numbers keep growing across restarts.
    """

    def __init__(self, build: Callable[[], LiveFeed], name: str) -> None:
        self._build = build
        self._name = name
        self._worker: LiveFeed | None = None
        self._base = 0
        self._max_fps: float | None = None
        #: Handed to each worker it builds (see CameraWorker.head_hint).
        self.head_hint: HeadHint | None = None
        self._released_since = time.monotonic()

    @property
    def name(self) -> str:
        return self._name

    @property
    def running(self) -> bool:
        return self._worker is not None

    @property
    def max_fps(self) -> float | None:
        return self._max_fps

    @max_fps.setter
    def max_fps(self, value: float | None) -> None:
        self._max_fps = value
        if self._worker is not None:
            self._worker.max_fps = value

    @property
    def detector(self) -> FaceDetector | None:
        """The running worker's detector (None while released)."""
        return None if self._worker is None else self._worker.detector

    def start(self) -> None:
        if self._worker is not None:
            return
        worker = self._build()
        worker.max_fps = self._max_fps
        if isinstance(worker, FollowsHead):
            worker.head_hint = self.head_hint
        worker.start()
        self._worker = worker

    def request_stop(self) -> None:
        """Ask the running worker to stop without waiting for it (see ``CameraWorker.request_stop``)."""
        if self._worker is not None:
            self._worker.request_stop()

    def stop(self) -> None:
        worker, self._worker = self._worker, None
        if worker is None:
            return
        seq, _ = worker.latest()
        self._base += seq
        self._released_since = time.monotonic()
        worker.stop()

    def latest(self) -> tuple[int, Processed | None]:
        worker = self._worker
        if worker is None:
            return self._base, None
        seq, processed = worker.latest()
        return self._base + seq, processed

    @property
    def status(self) -> SourceStatus:
        worker = self._worker
        if worker is None:
            return SourceStatus(False, f"{self._name}: released (closed)", self._released_since, 0, 0.0)
        return worker.status


def releasable_feeds(config: Config, controls: Callable[[], tuple[Effect, float]]) -> list[ReleasableFeed]:
    """One :class:`ReleasableFeed` per configured camera, each building a ``CameraWorker``."""

    def builder(camera: CameraConfig) -> Callable[[], LiveFeed]:
        def build() -> LiveFeed:
            from installation.pipeline import build_workers

            return build_workers(dataclasses.replace(config, cameras=[camera]), controls)[0]

        return build

    return [ReleasableFeed(builder(camera), camera.name) for camera in config.cameras]
