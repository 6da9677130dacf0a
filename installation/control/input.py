"""Visitors' touches and keys applied to the controls.

A touch presses or drags what was drawn under it (its
:class:`~installation.control.pointer.Hotspot` changes the controls); a key
goes first to the screen being shown (its own keys: the facilitator overlay,
the layout, the workshop's threshold), then to :func:`control_key`, where the
keyboard mirrors every on-screen control. Esc and Q ask the room to close.
"""

from __future__ import annotations

from typing import Protocol

import pygame

from installation.control.pointer import Input, Key, Phase, Pointer
from installation.control.presence import Presence
from installation.control.state import ControlState, InputKind
from installation.effects import Effect

#: Keys that choose an effect.
EFFECT_KEYS = {
    pygame.K_b: Effect.BLUR,
    pygame.K_p: Effect.PIXELATE,
    pygame.K_s: Effect.SOLID,
    pygame.K_e: Effect.EXPOSED,
}
#: How much one press of a strength key moves it.
STRENGTH_STEP = 0.05
#: Keys that close the room (the kiosk takes them before they get here).
QUIT_KEYS = (pygame.K_ESCAPE, pygame.K_q)


def control_key(controls: ControlState, key: int) -> bool:
    """Apply a key that mirrors an on-screen control; False when ``key`` is none of them.

    >>> c = ControlState(cameras=3)
    >>> control_key(c, pygame.K_3), c.selected, control_key(c, pygame.K_F12)
    (True, 2, False)
    """
    c, via = controls, InputKind.KEY
    if pygame.K_1 <= key <= pygame.K_9:
        c.select_camera(key - pygame.K_1, via)
    elif pygame.K_KP1 <= key <= pygame.K_KP9:
        c.select_camera(key - pygame.K_KP1, via)
    elif key in EFFECT_KEYS:
        c.set_effect(EFFECT_KEYS[key], via)
    elif key == pygame.K_SPACE:
        c.cycle_effect(via)
    elif key in (pygame.K_UP, pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS, pygame.K_RIGHTBRACKET):
        c.set_strength(c.strength + STRENGTH_STEP, via)
    elif key in (pygame.K_DOWN, pygame.K_MINUS, pygame.K_KP_MINUS, pygame.K_LEFTBRACKET):
        c.set_strength(c.strength - STRENGTH_STEP, via)
    elif key in (pygame.K_c, pygame.K_TAB, pygame.K_RIGHT):
        c.next_camera(via)
    elif key == pygame.K_LEFT:
        c.select_camera((c.selected - 1) % c.cameras, via)
    elif key == pygame.K_d:
        c.set_show_boxes(not c.show_boxes, via)
    elif key == pygame.K_l:
        c.next_language(via)
    else:
        return False
    return True


class Touchable(Protocol):
    """A screen visitors touch: what it drew where, and its own keys."""

    @property
    def pointer(self) -> Pointer: ...

    def key(self, key: int) -> bool:
        """Apply one of the screen's own keys; False when ``key`` is not one of them."""
        ...


class VisitorInput:
    """Applies visitors' touches and keys to a screen and the controls, and notes that someone is there.

    >>> c = ControlState(cameras=2)
    >>> visitors = VisitorInput(c, Presence(idle_seconds=10, started=0.0))
    >>> class Screen:
    ...     pointer = Pointer()
    ...     def key(self, key): return False
    >>> visitors.apply(Key(pygame.K_p), Screen(), now=20.0), c.effect.value, visitors.presence.idle(21.0)
    (True, 'pixelate', False)
    >>> visitors.apply(Key(pygame.K_ESCAPE), Screen(), now=22.0)
    False
    """

    def __init__(self, controls: ControlState, presence: Presence) -> None:
        self.controls = controls
        self.presence = presence

    def apply(self, action: Input, screen: Touchable, now: float) -> bool:
        """Apply one touch or key; False when the visitor asked the room to close (Esc, Q)."""
        if isinstance(action, Key):
            self.presence.touched(now)
            if screen.key(action.key) or control_key(self.controls, action.key):
                return True
            return action.key not in QUIT_KEYS
        if action.phase is Phase.DOWN:
            self.presence.touched(now)
        screen.pointer.touch(action)
        return True
