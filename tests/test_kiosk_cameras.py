"""Cameras the kiosk lets go of at closing time (installation/modes/kiosk/cameras.py)."""

from __future__ import annotations

import threading
import time

from installation.config import CameraConfig, Config
from installation.effects import Effect
from installation.modes.kiosk.cameras import ReleasableFeed, releasable_feeds


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
