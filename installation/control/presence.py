"""Whether visitors are there: the idle invitation, and the moment the machine loses one of them.

:class:`Presence` decides, from faces and touches, whether the room is idle
(the wall then shows the invitation) and whether a visitor has just slipped
out of the machine's sight while still playing with the controls.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class Presence:
    """Tracks faces and touches over time.

    >>> p = Presence(idle_seconds=10, started=0.0)
    >>> p.idle(5.0), p.idle(11.0)
    (False, True)
    >>> p.faces_seen(11.5, {1})
    >>> p.idle(12.0)
    False
    >>> p.touched(13.0)
    >>> p.faces_seen(14.0, set())   # the followed face is gone while the visitor plays
    >>> p.evading(14.5)
    True
    """

    idle_seconds: float = 45.0
    started: float = 0.0
    #: A touch or key within this many seconds counts as "still interacting".
    interaction_window: float = 5.0
    #: How long "the machine lost you" stays on screen.
    evasion_seconds: float = 3.5
    last_face: float = field(default=-math.inf)
    last_touch: float = field(default=-math.inf)
    evasion_at: float = field(default=-math.inf)
    _tracks: set[object] = field(default_factory=set)

    def touched(self, now: float) -> None:
        self.last_touch = now

    def faces_seen(self, now: float, tracks: set[object], elsewhere: int = 0) -> None:
        """The tracks followed now on the watched camera, and how many faces the others see.

        Track ids stay the same while the tracker follows a face; one that
        vanishes while the visitor is still touching the controls means the
        machine lost them.
        """
        if tracks or elsewhere:
            self.last_face = now
        lost = self._tracks - tracks
        if lost and now - self.last_touch <= self.interaction_window:
            self.evasion_at = now
        self._tracks = set(tracks)

    def idle(self, now: float) -> bool:
        latest = max(self.started, self.last_face, self.last_touch)
        return now - latest >= self.idle_seconds

    def evading(self, now: float) -> bool:
        return 0.0 <= now - self.evasion_at <= self.evasion_seconds and not self._tracks
