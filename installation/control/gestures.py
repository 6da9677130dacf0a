"""Steering a camera by touching its picture: drag, pinch, the mouse wheel, double tap.

The renderer registers the large monitor of a camera with a head as a
:class:`~installation.control.pointer.Hotspot` whose callbacks end here; what a
gesture means is decided once, in :class:`ViewGesture`, for whatever screen
draws the picture.

- A drag moves the picture with the finger: what was under the finger stays
  under it (dragging right turns the camera left), as on a phone's map.
- A pinch, or the mouse wheel, zooms about the point between the fingers (or
  under the pointer).
- A double tap sends the camera home.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from pygame import Rect

from installation.control.pointer import Point
from installation.steer import Pose, Steering

#: Two taps at most this far apart in time and place are a double tap.
DOUBLE_TAP_SECONDS = 0.35
DOUBLE_TAP_SHARE = 0.05  # of the picture's width
#: One notch of the mouse wheel zooms by this factor.
WHEEL_ZOOM = 1.15


class ViewGesture:
    """What a touch on a camera's picture does to its head; one for the screen, kept across frames.

    >>> from installation.steer import DigitalHead
    >>> steering = Steering([DigitalHead(clock=lambda: 0.0)], clock=lambda: 0.0)
    >>> gesture = ViewGesture(steering, clock=lambda: 0.0)
    >>> picture = Rect(0, 0, 800, 450)
    >>> gesture.press(0, picture, (400, 200)); gesture.drag((0, 200)); gesture.release((0, 200))
    >>> steering.aim(0).pan  # dragged half the picture to the left: turned right, as far as it goes
    1.0
    """

    def __init__(self, steering: Steering, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.steering = steering
        self.clock = clock
        #: The press being dragged: camera, its picture, where the finger went down, the aim then.
        self._press: tuple[int, Rect, Point, Pose] | None = None
        self._last_tap: tuple[float, Point, int] | None = None

    def press(self, index: int, picture: Rect, pos: Point) -> None:
        """A finger (or the mouse) went down on camera ``index``'s picture at ``pos``."""
        now = self.clock()
        last = self._last_tap
        if last is not None:
            when, where, camera = last
            near = math.dist(where, pos) <= DOUBLE_TAP_SHARE * max(1, picture.width)
            if camera == index and now - when <= DOUBLE_TAP_SECONDS and near:
                self._last_tap = None
                self._press = None
                self.steering.home(index)
                return
        self._last_tap = (now, pos, index)
        self._press = (index, picture, pos, self.steering.aim(index))

    def drag(self, pos: Point) -> None:
        """The finger moved to ``pos``: the picture follows it."""
        if self._press is None:
            return
        index, picture, start, aim = self._press
        dx = (pos[0] - start[0]) / max(1, picture.width)
        dy = (pos[1] - start[1]) / max(1, picture.height)
        if dx or dy:
            self.steering.drag(index, aim, dx, dy)

    def release(self, pos: Point) -> None:
        self._press = None

    def pinch(self, index: int, picture: Rect, factor: float, centre: Point) -> None:
        """Two fingers spread by ``factor`` about ``centre``: zoom there (the drag ends)."""
        self._press = None
        self._last_tap = None
        self.steering.zoom_by(index, factor, _at(picture, centre))

    def wheel(self, index: int, picture: Rect, steps: float, pos: Point) -> None:
        """The mouse wheel turned ``steps`` notches over the picture at ``pos``: away from the user
        zooms in."""
        self.steering.zoom_by(index, WHEEL_ZOOM**steps, _at(picture, pos))


def _at(picture: Rect, pos: Point) -> tuple[float, float]:
    """``pos`` as shares of ``picture`` from its centre, within it.

    >>> _at(Rect(0, 0, 200, 100), (150, 0))
    (0.25, -0.5)
    """
    x = (pos[0] - picture.centerx) / max(1, picture.width)
    y = (pos[1] - picture.centery) / max(1, picture.height)
    return max(-0.5, min(0.5, x)), max(-0.5, min(0.5, y))
