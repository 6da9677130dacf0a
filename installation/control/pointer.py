"""Touches and keys: where a finger or the mouse is on the canvas, and what was drawn there.

:func:`read_input` is the one place a pygame event becomes a :class:`Touch` or a
:class:`Key`: a finger and the mouse's main button are the same touch, SDL's
mouse copy of a finger is dropped, and a position on the screen is turned back
onto the canvas the room draws (mirrored, flipped or rotated for a projector).
The room, the kiosk's facilitator panel and anything else that takes input read
the same touches.

The interface is drawn immediately each frame; whatever can be touched
registers a :class:`Hotspot` while it is drawn, and :class:`Pointer` matches the
next touch against the hotspots of the frame the visitor saw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import pygame
from pygame import Rect

Point = tuple[int, int]


@dataclass
class Hotspot:
    """A touchable region: ``press`` runs on touch-down, ``drag`` while the finger moves, ``release``
    when it lets go. ``pinch`` (a steered camera's monitor) gets the change of the distance between
    two fingers (2.0: twice as far apart as at the last call) and their midpoint; ``wheel`` the
    mouse wheel's steps over it (positive: away from the user) and where the pointer is."""

    name: str
    rect: Rect
    press: Callable[[Point], None]
    drag: Callable[[Point], None] | None = None
    release: Callable[[Point], None] | None = None
    pinch: Callable[[float, Point], None] | None = None
    wheel: Callable[[float, Point], None] | None = None


class Pointer:
    """Matches touch/mouse down, move and up against the current hotspots.

    >>> hits = []
    >>> p = Pointer()
    >>> p.hotspots = [Hotspot("a", Rect(0, 0, 10, 10), lambda pos: hits.append(pos))]
    >>> p.down((5, 5)), p.down((50, 50)), hits
    ('a', None, [(5, 5)])
    """

    def __init__(self) -> None:
        self.hotspots: list[Hotspot] = []
        self._dragging: Hotspot | None = None
        #: The finger that pressed (-1: the mouse), where the press's fingers are, and whether two
        #: of them pinch.
        self._finger = -1
        self._fingers: dict[int, Point] = {}
        self._pinching = False

    def find(self, name: str) -> Hotspot | None:
        return next((h for h in self.hotspots if h.name == name), None)

    def down(self, pos: Point) -> str | None:
        for spot in reversed(self.hotspots):  # the last drawn lies on top
            if spot.rect.collidepoint(pos):
                spot.press(pos)
                self._dragging = spot if spot.drag is not None else None
                return spot.name
        self._dragging = None
        return None

    def move(self, pos: Point) -> None:
        if self._dragging is not None and self._dragging.drag is not None:
            self._dragging.drag(pos)

    def up(self, pos: Point) -> None:
        self.move(pos)
        spot, self._dragging = self._dragging, None
        self._fingers, self._pinching = {}, False
        if spot is not None and spot.release is not None:
            spot.release(pos)

    def wheel(self, wheel: Wheel) -> str | None:
        """The mouse wheel over whatever takes it at its position."""
        for spot in reversed(self.hotspots):
            if spot.rect.collidepoint(wheel.pos):
                if spot.wheel is None:
                    return None
                spot.wheel(wheel.steps, wheel.pos)
                return spot.name
        return None

    def touch(self, touch: Touch) -> None:
        """Apply a touch: down presses what is under it, a move while down drags it, up lets go.

        While one finger drags something that can be pinched, a second finger starts a pinch:
        from then on the two fingers' spread zooms it and nothing is dragged, until a finger
        lets go.
        """
        spot = self._dragging
        pinchable = spot is not None and spot.pinch is not None
        if self._pinching or (pinchable and touch.phase is Phase.DOWN and touch.finger != self._finger):
            self._pinched(touch)
            return
        if touch.phase is Phase.DOWN:
            self._finger = touch.finger
            self._fingers = {touch.finger: touch.pos}
            self.down(touch.pos)
        elif touch.phase is Phase.MOVE:
            if touch.pressed and (not pinchable or touch.finger == self._finger):
                self._fingers[touch.finger] = touch.pos
                self.move(touch.pos)
        elif not pinchable or touch.finger == self._finger:
            self.up(touch.pos)

    def _pinched(self, touch: Touch) -> None:
        """A touch during a pinch: the spread of the first two fingers zooms; a finger up ends it."""
        spot = self._dragging
        if touch.phase is Phase.UP:
            self._pinching, self._fingers, self._dragging = False, {}, None
            if spot is not None and spot.release is not None:
                spot.release(touch.pos)
            return
        if touch.phase is Phase.DOWN:
            if len(self._fingers) < 2:
                self._fingers[touch.finger] = touch.pos
                self._pinching = True
            return
        if touch.finger not in self._fingers or len(self._fingers) < 2:
            return
        before = list(self._fingers.values())
        self._fingers[touch.finger] = touch.pos
        after = list(self._fingers.values())
        spread0, spread1 = _distance(before[0], before[1]), _distance(after[0], after[1])
        if spot is not None and spot.pinch is not None and spread0 >= 1.0 and spread1 >= 1.0:
            spot.pinch(
                spread1 / spread0, ((after[0][0] + after[1][0]) // 2, (after[0][1] + after[1][1]) // 2)
            )


def _distance(a: Point, b: Point) -> float:
    return float(((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5)


class Phase(Enum):
    """Where a touch is in its life."""

    DOWN = "down"
    MOVE = "move"
    UP = "up"


@dataclass(frozen=True)
class Touch:
    """A finger, or the mouse's main button, at ``pos`` on the canvas.

    ``pressed`` tells a drag from a mouse merely passing over (a finger is
    always pressed while it moves). ``finger`` tells fingers apart (-1: the mouse).
    """

    phase: Phase
    pos: Point
    pressed: bool = True
    finger: int = -1


@dataclass(frozen=True)
class Wheel:
    """The mouse wheel turned by ``steps`` notches (positive: away from the user), the pointer at
    ``pos``."""

    pos: Point
    steps: float


@dataclass(frozen=True)
class Key:
    """A key pressed: pygame's key code, the modifiers held, and the character it types."""

    key: int
    mod: int = 0
    char: str = ""


Input = Touch | Key | Wheel

_MOUSE = (pygame.MOUSEBUTTONDOWN, pygame.MOUSEMOTION, pygame.MOUSEBUTTONUP)
_FINGER = (pygame.FINGERDOWN, pygame.FINGERMOTION, pygame.FINGERUP)
_PHASES = {
    pygame.MOUSEBUTTONDOWN: Phase.DOWN,
    pygame.MOUSEMOTION: Phase.MOVE,
    pygame.MOUSEBUTTONUP: Phase.UP,
    pygame.FINGERDOWN: Phase.DOWN,
    pygame.FINGERMOTION: Phase.MOVE,
    pygame.FINGERUP: Phase.UP,
}


def read_input(
    event: pygame.event.Event,
    screen_size: tuple[int, int],
    to_canvas: Callable[[Point], Point] = lambda pos: pos,
) -> Input | None:
    """The touch or key an event stands for (None: neither, or one not to act on).

    A finger's position comes as a share of the screen, the mouse's in screen
    pixels; both end on the canvas through ``to_canvas``. Other mouse buttons
    than the main one press nothing, and SDL's mouse copy of a finger is
    dropped: the finger's own event counts.

    >>> import pygame
    >>> read_input(pygame.event.Event(pygame.FINGERDOWN, x=0.5, y=0.25, finger_id=3), (1280, 720))
    Touch(phase=<Phase.DOWN: 'down'>, pos=(640, 180), pressed=True, finger=3)
    >>> copy = pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(640, 180), button=1, touch=True)
    >>> read_input(copy, (1280, 720)) is None
    True
    >>> read_input(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_b, mod=0, unicode="b"), (1280, 720))
    Key(key=98, mod=0, char='b')
    """
    t = event.type
    if t in _MOUSE:
        if getattr(event, "touch", False):
            return None
        if t == pygame.MOUSEBUTTONDOWN and getattr(event, "button", 1) != 1:
            return None
        pos = to_canvas((int(event.pos[0]), int(event.pos[1])))
        pressed = t != pygame.MOUSEMOTION or bool(getattr(event, "buttons", (0,))[0])
        return Touch(_PHASES[t], pos, pressed)
    if t in _FINGER:
        pos = to_canvas((int(event.x * screen_size[0]), int(event.y * screen_size[1])))
        return Touch(_PHASES[t], pos, finger=int(getattr(event, "finger_id", 0)))
    if t == pygame.MOUSEWHEEL:
        if getattr(event, "touch", False):
            return None
        # SDL's wheel event says nothing of where the pointer is (a posted one may): ask the mouse.
        x, y = getattr(event, "pos", None) or pygame.mouse.get_pos()
        return Wheel(to_canvas((int(x), int(y))), float(getattr(event, "precise_y", event.y)))
    if t == pygame.KEYDOWN:
        return Key(int(event.key), int(getattr(event, "mod", 0)), str(getattr(event, "unicode", "") or ""))
    return None
