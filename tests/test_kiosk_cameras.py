"""Cameras the kiosk lets go of at closing time (installation/modes/kiosk/cameras.py)."""

from __future__ import annotations

import threading
import time

from installation.config import CameraConfig, Config
from installation.effects import Effect
from installation.modes.kiosk.cameras import ReleasableFeed, releasable_feeds
from installation.pipeline.fakes import FakeFeed
from installation.steer import Pose
from installation.steer.hint import HeadHint, Optics


def test_a_released_camera_stops_its_threads_and_comes_back_with_growing_numbers() -> None:
    config = Config(cameras=[CameraConfig(source="pattern:bars?size=64x36&fps=60", name="Door")])
    (feed,) = releasable_feeds(config, lambda: (Effect.BLUR, 0.5))
    assert isinstance(feed, ReleasableFeed)

    def first_result(after: int) -> int:
        for _ in range(500):
            seq, processed = feed.latest()
            if processed is not None and seq > after:
                return seq
            time.sleep(0.01)
        raise AssertionError("no processed frame")

    feed.start()
    seq = first_result(0)
    feed.stop()
    assert not any(t.name.startswith(("camera-Door", "source Door")) for t in threading.enumerate())
    assert not feed.status.ok and "released" in feed.status.reason
    feed.start()
    assert first_result(seq) > seq
    feed.stop()


def test_each_worker_a_released_camera_builds_is_told_how_its_head_turns() -> None:
    class Worker(FakeFeed):
        head_hint: HeadHint | None = None

    built: list[Worker] = []

    def build() -> Worker:
        built.append(Worker("Door"))
        return built[-1]

    feed = ReleasableFeed(build, "Door")
    hint = HeadHint(lambda t: Pose(), Optics(lambda pose: (0.0, 0.0)))
    feed.head_hint = hint
    feed.start()
    feed.stop()
    feed.start()
    feed.stop()
    assert [worker.head_hint for worker in built] == [hint, hint]
