"""What the room knows each frame: every camera's newest result and state, and the lights.

:class:`RoomModel` takes the newest processed frame of each feed (it never
waits for detection), decides for each camera what may be shown (a picture, or
a "starting", "signal lost", "analysing" or "processing failed" card), follows
whether visitors are there, and derives the
:class:`~installation.control.state.IndicatorState` that the on-screen panel and
the hardware link both show. The screens in :mod:`installation.display` draw it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from installation.control.presence import Presence
from installation.control.state import ControlState, IndicatorState
from installation.pipeline.feeds import processing_failed

if TYPE_CHECKING:
    from installation.frames import Processed
    from installation.geometry import Box
    from installation.pipeline.feeds import LiveFeed
    from installation.steer import Pose, Steering


@dataclass
class FeedView:
    """What the wall knows about one camera this frame."""

    index: int
    name: str
    processed: Processed | None = None
    seq: int = 0
    ok: bool = True
    reason: str = ""
    #: The source has not delivered its first frame yet (shows "starting", not "signal lost").
    starting: bool = False
    #: The newest processed frame is too old to show (shows "analysing", never the old picture).
    stale: bool = False
    #: Processing this camera's pictures fails (shows "processing failed" while it restarts).
    failed: bool = False
    #: Where the camera points (None: a fixed camera).
    pose: Pose | None = None
    #: Whether visitors can steer it now: its head moves and steering is not locked.
    steerable: bool = False
    #: The part of the processed picture the camera shows (a digital head's window), in its pixels;
    #: None: all of it.
    window: Box | None = None


class RoomModel:
    """The cameras' newest results, whether visitors are there, and the indicator state.

    >>> model = RoomModel([], ControlState(cameras=1), started=0.0)
    >>> model.update(now=0.0).exposed, model.presence.idle(60.0)
    (False, True)
    """

    def __init__(
        self,
        feeds: Sequence[LiveFeed],
        controls: ControlState,
        *,
        idle_seconds: float = 45.0,
        started: float | None = None,
        stale_seconds: float | None = 1.0,
        steering: Steering | None = None,
    ) -> None:
        self.feeds = list(feeds)
        self.controls = controls
        #: The cameras' heads (None: every camera is fixed); moved once a frame by :meth:`update`.
        self.steering = steering
        #: A camera whose newest processed frame was captured longer ago than this is shown
        #: as "analysing" instead (None: never). See :meth:`update`.
        self.stale_seconds = stale_seconds
        now = time.monotonic() if started is None else started
        self.presence = Presence(idle_seconds=idle_seconds, started=now)
        self.views: list[FeedView] = [FeedView(i, f.name) for i, f in enumerate(self.feeds)]
        self.indicator = IndicatorState(cameras=controls.cameras)
        #: The cameras with a new result in the last :meth:`update`.
        self.new: list[int] = []

    def update(self, now: float | None = None) -> IndicatorState:
        """Take the newest result of every feed and derive the indicators.

        A camera that is not analysed often enough (an overloaded machine, a
        detector that blocks) would otherwise stand still on its last processed
        picture while the wall and the lights call it live. Once that picture's
        source frame is older than :attr:`stale_seconds` (the tracker's hold:
        older than any face the tracker still vouches for), the camera counts as
        not live and shows an "analysing" card until a fresh result arrives: the
        wall hides more, it never shows a picture the processing has fallen
        behind on as if it were now.
        """
        now = time.monotonic() if now is None else now
        faces: list[int] = []
        tracks: set[object] = set()
        live = False
        self.new = []
        for i, feed in enumerate(self.feeds):
            view = self.views[i]
            seq, processed = feed.latest()
            status = feed.status
            view.ok = status.ok
            view.reason = status.reason
            view.failed = processing_failed(status)
            view.starting = (
                not view.ok and not view.failed and not status.frames and view.reason.endswith("starting")
            )
            if seq != view.seq and processed is not None:
                view.seq, view.processed = seq, processed
                self.new.append(i)
            view.stale = self._stale(view.processed, now)
            if view.ok and view.processed is not None and not view.stale:
                live = True
                faces.append(len(view.processed.faces))
                if i == self.controls.selected:
                    tracks.update(
                        (i, f.track_id) for f in view.processed.faces if getattr(f, "confirmed", True)
                    )
            else:
                faces.append(0)
        self.presence.faces_seen(now, tracks, elsewhere=sum(faces))
        self.indicator = IndicatorState.derive(self.controls, faces, live=live)
        self._steer(now)
        return self.indicator

    def _steer(self, now: float) -> None:
        """Move every head to ``now`` and note where each camera points and what it shows."""
        steering = self.steering
        if steering is None:
            return
        poses = steering.tick(now, self.watched or 0)
        for i, view in enumerate(self.views):
            head = steering.head(i)
            if head is None or head.kind == "none":
                view.pose, view.steerable, view.window = None, False, None
                continue
            view.pose = poses[i]
            view.steerable = steering.steerable(i)
            window = getattr(head, "window", None)
            if callable(window) and view.processed is not None:
                height, width = view.processed.image.shape[:2]
                view.window = window(width, height)
            else:
                view.window = None

    def _stale(self, processed: Processed | None, now: float) -> bool:
        """True when ``processed`` came from a frame captured too long ago to be shown."""
        if processed is None or self.stale_seconds is None:
            return False
        captured = processed.frame.captured
        return bool(captured) and now - captured > self.stale_seconds

    @property
    def watched(self) -> int | None:
        """The camera on the large monitor (the selected one, within the cameras there are), or None."""
        if not self.feeds:
            return None
        return min(self.controls.selected, len(self.feeds) - 1)
