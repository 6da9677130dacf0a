"""Live feeds without a camera: what tests and the display benchmark put in the room.

:class:`FakeFeed` is a :class:`~installation.pipeline.feeds.LiveFeed` with
nothing behind it: its newest result is the last one :meth:`~FakeFeed.publish`
was given (or, with ``make``, a fresh one each time the room asks), its
``status`` and ``detector`` are whatever they are set to, and it counts being
started and stopped. :class:`FakeFeeds` builds one per configured camera, as a
room's ``make_feeds``.

>>> import numpy as np
>>> from installation.effects import Effect
>>> from installation.frames import Frame, Processed
>>> feed = FakeFeed("Door")
>>> feed.latest()
(0, None)
>>> image = np.zeros((36, 64, 3), np.uint8)
>>> feed.publish(Processed(Frame(image, 0, 0.0, "Door"), image, Effect.BLUR, [], []))
1
>>> seq, result = feed.latest()
>>> seq, result is not None and result.image.shape
(1, (36, 64, 3))
>>> feed.status = SourceStatus(False, "Door: camera stopped sending (unplugged?)", 0.0, 1, 0.0)
>>> feed.status.ok, feed.running
(False, False)
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from installation.sources.live import SourceStatus

if TYPE_CHECKING:
    from installation.config import Config
    from installation.detect import FaceDetector
    from installation.effects import Effect
    from installation.frames import Processed

#: A camera sending 30 frames a second: what a fake feed reports unless told otherwise.
SENDING = SourceStatus(True, "", 0.0, 1, 30.0)


class FakeFeed:
    """A camera that shows what it is given.

    ``make`` (optional) is called with the next sequence number each time
    :meth:`latest` is asked, and its result published first: a camera that
    always has a new picture, made from whatever the test has changed since.
    Without it, results arrive only through :meth:`publish`, from any thread.
    """

    def __init__(
        self,
        name: str,
        *,
        status: SourceStatus = SENDING,
        make: Callable[[int], Processed] | None = None,
        detector: FaceDetector | None = None,
        max_fps: float | None = None,
    ) -> None:
        self.name = name
        self.status = status
        self.detector = detector
        self.max_fps = max_fps
        self.make = make
        #: How many times the feed was started and stopped.
        self.starts = 0
        self.stops = 0
        self._latest: Processed | None = None
        self._seq = 0
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        """Started more often than stopped."""
        return self.starts > self.stops

    def publish(self, result: Processed) -> int:
        """Make ``result`` the newest; returns its sequence number."""
        with self._lock:
            self._latest = result
            self._seq += 1
            return self._seq

    def latest(self) -> tuple[int, Processed | None]:
        if self.make is not None:
            self.publish(self.make(self._seq + 1))
        with self._lock:
            return self._seq, self._latest

    def start(self) -> None:
        self.starts += 1

    def request_stop(self) -> None:
        pass

    def stop(self) -> None:
        self.stops += 1


class FakeFeeds:
    """A room's ``make_feeds``: a :class:`FakeFeed` for each configured camera, each one kept.

    >>> from installation.config import CameraConfig, Config
    >>> feeds = FakeFeeds()
    >>> [f.name for f in feeds(Config(cameras=[CameraConfig(source="pattern:bars", name="Door")]), None)]
    ['Door']
    >>> feeds.made[0].status.ok
    True
    """

    def __init__(self, *, status: Callable[[str], SourceStatus] = lambda name: SENDING) -> None:
        #: What each camera reports, by its name.
        self.status = status
        #: Every feed made, in order.
        self.made: list[FakeFeed] = []

    def __call__(self, config: Config, controls: Callable[[], tuple[Effect, float]] | None) -> list[FakeFeed]:
        feeds = [FakeFeed(camera.name, status=self.status(camera.name)) for camera in config.cameras]
        self.made.extend(feeds)
        return feeds

    def reset(self) -> None:
        """Stop every feed still running, and forget them all."""
        for feed in self.made:
            while feed.running:
                feed.stop()
        self.made.clear()
