"""Cameras the kiosk lets go of at closing time and takes back at opening."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

from installation.config import Config


class ReleasableFeed:
    """A camera the kiosk lets go of at closing time and takes back at opening.

    Each :meth:`start` builds a fresh worker (source, detector, tracker) with
    ``build``; :meth:`stop` stops it and drops it, freeing the device and the
    detector. Sequence numbers keep growing across restarts.
    """

    def __init__(self, build: Callable[[], Any], name: str) -> None:
        self._build = build
        self._name = name
        self._worker: Any | None = None
        self._base = 0
        self._max_fps: float | None = None
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
        if self._worker is not None and hasattr(self._worker, "max_fps"):
            self._worker.max_fps = value

    def start(self) -> None:
        if self._worker is not None:
            return
        worker = self._build()
        if hasattr(worker, "max_fps"):
            worker.max_fps = self._max_fps
        worker.start()
        self._worker = worker

    def request_stop(self) -> None:
        """Ask the running worker to stop without waiting for it (see ``CameraWorker.request_stop``)."""
        worker = self._worker
        request = getattr(worker, "request_stop", None)
        if request is not None:
            request()

    def stop(self) -> None:
        worker, self._worker = self._worker, None
        if worker is None:
            return
        seq, _ = worker.latest()
        self._base += seq
        self._released_since = time.monotonic()
        worker.stop()

    def latest(self) -> tuple[int, Any]:
        worker = self._worker
        if worker is None:
            return self._base, None
        seq, processed = worker.latest()
        return self._base + seq, processed

    @property
    def status(self) -> object:
        worker = self._worker
        if worker is None:
            from installation.sources import SourceStatus

            return SourceStatus(False, f"{self._name}: released (closed)", self._released_since, 0, 0.0)
        return worker.status


def releasable_feeds(config: Config, controls: Callable[[], tuple[Any, float]]) -> list[ReleasableFeed]:
    """One :class:`ReleasableFeed` per configured camera, each building a ``CameraWorker``."""

    def builder(camera: Any) -> Callable[[], Any]:
        def build() -> Any:
            from installation.pipeline import build_workers

            return build_workers(dataclasses.replace(config, cameras=[camera]), controls)[0]

        return build

    return [ReleasableFeed(builder(camera), camera.name) for camera in config.cameras]
