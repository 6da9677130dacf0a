"""Counting while the room runs: per camera and minute, in memory, appended to the file once a minute."""

from __future__ import annotations

import logging
import math
import os
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from installation.stats.store import CONTROL_COLUMNS, INPUT_COLUMNS, Counts, Row, StatsLog, stats_file

if TYPE_CHECKING:
    from installation.control.state import ControlChange, IndicatorState
    from installation.frames import Processed
    from installation.room import Room

log = logging.getLogger(__name__)


def plays_bundled_footage(source: str) -> bool:
    """True for a camera source that is the bundled footage (a clip, or the folder of them).

    >>> from installation.groundtruth import bundled_clips
    >>> plays_bundled_footage(str(bundled_clips()[0])), plays_bundled_footage("camera:0")
    (True, False)
    """
    from installation.resources import footage_dir

    try:  # camera:0 or rtsp://... is no file there
        path = Path(source).expanduser().resolve()
        footage = footage_dir().resolve()
        return path.exists() and (path == footage or footage in path.parents)
    except (OSError, RuntimeError, ValueError):
        return False


@dataclass
class _Followed:
    """One face a camera is following, while it follows it: times and tallies only, never where it is."""

    first_seen: float
    last_seen: float
    looks: int = 0
    sightings: int = 0
    best: float = 0.0
    counted: bool = False


class StatsCounter:
    """Counts per camera and minute in memory and appends finished minutes to a :class:`StatsLog`.

    Feed it with :meth:`observe` once per drawn frame and :meth:`control` for
    each control change; :meth:`close` writes what is left. ``clock`` gives
    seconds since the epoch (injectable for tests).

    A face counts once the camera's tracker has followed it for
    ``FACE_SECONDS`` with the detector seeing it on at least ``FACE_SHARE`` of
    the frames it looked, and scoring ``FACE_SCORE`` at least once: the
    detector flickering on a pattern for a moment, splitting one turned head
    into two short tracks, or holding the back of a head, is not a visitor.
    """

    #: A face is counted once it has been seen over this many seconds ...
    FACE_SECONDS = 3.0
    #: ... on at least this share of the frames the detector ran on meanwhile ...
    FACE_SHARE = 0.2
    #: ... and at least once with this score. YuNet, the default detector, scores clear faces
    #: 0.85-0.95 and the back of a head or a face-like pattern it holds for seconds 0.5-0.7: those
    #: stay hidden (hiding errs on the safe side) but are not counted as visitors.
    FACE_SCORE = 0.75
    #: Longer gaps between two frames (a stalled machine, a clock jump) count as this much.
    MAX_GAP = 1.0
    #: Changes of the strength by the same input within this many seconds are one gesture (a drag).
    GESTURE_SECONDS = 1.0

    def __init__(
        self, log: StatsLog | None, *, clock: Callable[[], float] = time.time, demo: Collection[str] = ()
    ) -> None:
        self.log = log
        self.clock = clock
        #: Cameras that play the bundled footage: their rows are written as ``demo``, not ``minute``.
        self.demo = frozenset(demo)
        self._minute: float | None = None
        self._counts: dict[tuple[float, str], Counts] = {}
        self._followed: dict[str, dict[int, _Followed]] = defaultdict(dict)
        self._last: float | None = None
        self._gesture: dict[tuple[str, str], float] = {}
        self._failed = False

    def _bucket(self, camera: str, now: float) -> Counts:
        minute = math.floor(now / 60.0) * 60.0
        return self._counts.setdefault((minute, camera), Counts())

    def observe(
        self, results: Sequence[tuple[str, Processed | None, bool]], now: float | None = None
    ) -> None:
        """One drawn frame: ``(camera name, newest result or None when down, new since last time)`` each."""
        now = self.clock() if now is None else now
        self._roll(now)
        dt = 0.0 if self._last is None else min(self.MAX_GAP, max(0.0, now - self._last))
        self._last = now
        for camera, processed, new in results:
            if processed is None:
                self._followed.pop(camera, None)
                continue
            counts = self._bucket(camera, now)
            if processed.faces:
                if processed.exposed:
                    counts.exposed_s += dt
                else:
                    counts.hidden_s += dt
            if new and processed.detected:
                self._follow(camera, processed, now, counts)

    def _follow(self, camera: str, processed: Processed, now: float, counts: Counts) -> None:
        followed = self._followed[camera]
        present = set()
        for face in processed.faces:
            present.add(face.track_id)
            f = followed.get(face.track_id)
            if f is None:
                if face.misses:
                    continue  # held from before we were watching: wait for a sighting
                f = followed[face.track_id] = _Followed(now, now)
            f.looks += 1
            if face.misses == 0:
                f.sightings += 1
                f.last_seen = now
                f.best = max(f.best, face.score)
            if (
                not f.counted
                and face.confirmed
                and f.last_seen - f.first_seen >= self.FACE_SECONDS
                and f.sightings >= self.FACE_SHARE * f.looks
                and f.best >= self.FACE_SCORE
            ):
                f.counted = True
                counts.faces_seen += 1
        # A track that ended never comes back (ids are not reused): forget it at once.
        for track_id in set(followed) - present:
            del followed[track_id]

    def control(self, change: ControlChange, camera: str, now: float | None = None) -> None:
        """A visitor changed a control while ``camera`` was the one watched."""
        via = getattr(change.via, "value", str(change.via))
        column = INPUT_COLUMNS.get(via)
        if column is None:
            return  # the system's own changes are not visitors'
        now = self.clock() if now is None else now
        self._roll(now)
        if change.name == "strength":
            last = self._gesture.get((change.name, via))
            self._gesture[(change.name, via)] = now
            if last is not None and now - last < self.GESTURE_SECONDS:
                return
        counts = self._bucket(camera, now)
        setattr(counts, column, getattr(counts, column) + 1)
        name = CONTROL_COLUMNS.get(change.name)
        if name is not None:
            setattr(counts, name, getattr(counts, name) + 1)

    def _roll(self, now: float) -> None:
        minute = math.floor(now / 60.0) * 60.0
        if self._minute is None:
            self._minute = minute
        elif minute > self._minute:
            self._minute = minute
            self.flush(before=minute)

    def flush(self, before: float | None = None) -> list[Row]:
        """Append the minutes before ``before`` (all when None) and forget them; returns what was written."""
        keys = sorted(k for k in self._counts if before is None or k[0] < before)
        rows = [
            Row(
                "demo" if k[1] in self.demo else "minute", datetime.fromtimestamp(k[0]), k[1], self._counts[k]
            )
            for k in keys
            if not self._counts[k].empty
        ]
        if self.log is not None and rows:
            try:
                self.log.append(rows)
                self._failed = False
            except OSError as exc:
                if not self._failed:
                    log.error(
                        "statistics: cannot append to %s (%s); keeping the counts to try again",
                        self.log.path,
                        exc,
                    )
                self._failed = True
                return []
        for k in keys:
            del self._counts[k]
        return rows

    def close(self) -> list[Row]:
        """Append everything still in memory (the current minute too)."""
        return self.flush()

    def pending(self) -> Counts:
        """The sum of what is counted and not yet written (for display and tests)."""
        total = Counts()
        for counts in self._counts.values():
            total.add(counts)
        return total


class StatsListener:
    """Follows a room for its :class:`StatsCounter`: each frame shown, and the end of the room.

    A camera that is down counts as having no picture; the rest of the minute is
    written when the room closes.
    """

    def __init__(self, room: Room, counter: StatsCounter) -> None:
        self.room = room
        self.counter = counter
        self._seqs: dict[int, int] = {}

    def indicators(self, state: IndicatorState) -> None:
        pass

    def shown(self, state: IndicatorState, now: float) -> None:
        results = []
        for i, feed in enumerate(self.room.feeds):
            seq, processed = feed.latest()
            new = seq != self._seqs.get(i)
            self._seqs[i] = seq
            results.append((feed.name, processed if feed.status.ok else None, new))
        self.counter.observe(results)

    def closing(self) -> None:
        self.counter.close()

    def watched(self) -> str:
        """The name of the camera on the large monitor ('' when there is none)."""
        feeds = self.room.feeds
        if not feeds:
            return ""
        return feeds[min(self.room.controls.selected, len(feeds) - 1)].name


def attach_stats(
    room: Room, *, directory: str | os.PathLike[str] | None = None, clock: Callable[[], float] = time.time
) -> StatsCounter | None:
    """Count statistics for a room: a listener of its frames and of its controls' changes.

    Does nothing (returns None) when the config's ``[stats] enabled`` is false. A camera that
    plays the bundled footage is counted apart, as ``demo``: its faces are not visitors.

    >>> from installation.room import Room, RoomOptions              # doctest: +SKIP
    >>> room = Room(demo_config(), RoomOptions(headless=True))       # doctest: +SKIP
    >>> attach_stats(room)                                           # doctest: +SKIP
    """
    if not room.config.stats.enabled:
        return None
    demo = [c.name for c in room.config.cameras if plays_bundled_footage(c.source)]
    counter = StatsCounter(StatsLog(stats_file(directory)), clock=clock, demo=demo)
    listener = StatsListener(room, counter)
    room.listen(listener)
    room.controls.subscribe(lambda change: counter.control(change, listener.watched()))
    return counter
