"""Visitors' touches and keys applied to the controls.

A touch presses or drags what was drawn under it (its
:class:`~installation.control.pointer.Hotspot` changes the controls; on a
steered camera's large monitor it drags, pinches and double-taps the view), as
does the mouse wheel; a key goes first to the screen being shown (its own keys:
the facilitator overlay, the layout, the workshop's threshold), then to
:func:`control_key`, where the keyboard mirrors every on-screen control, then to
:func:`steer_key`, which steers the camera on the large monitor. Esc and Q ask
the room to close.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import pygame

from installation.control.pointer import Input, Key, Phase, Pointer, Wheel
from installation.control.presence import Presence
from installation.control.state import ControlState, InputKind
from installation.effects import Effect

if TYPE_CHECKING:
    from installation.steer import Steering

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


#: Keys that steer the camera on the large monitor, one step a press: (pan, tilt, zoom steps). The
#: four turns sit as W A S D do, five keys to the right (U H J K), with I (in) and O (out) beside.
STEER_KEYS = {
    pygame.K_u: (0.0, 1.0, 0),
    pygame.K_j: (0.0, -1.0, 0),
    pygame.K_h: (-1.0, 0.0, 0),
    pygame.K_k: (1.0, 0.0, 0),
    pygame.K_i: (0.0, 0.0, 1),
    pygame.K_o: (0.0, 0.0, -1),
}
#: Keys that send the camera on the large monitor home.
HOME_KEYS = (pygame.K_HOME, pygame.K_m)
#: The key that visits the camera's presets in turn.
PRESET_KEY = pygame.K_v


def steer_key(steering: Steering, index: int, key: int) -> bool:
    """Apply a key that steers camera ``index``; False when ``key`` is none of them (a key that
    steers does so only while the camera can be steered, and is taken either way).

    >>> from installation.steer import DigitalHead, Steering
    >>> steering = Steering([DigitalHead(clock=lambda: 0.0)], clock=lambda: 0.0)
    >>> steer_key(steering, 0, pygame.K_k), steering.aim(0).pan > 0, steer_key(steering, 0, pygame.K_b)
    (True, True, False)
    """
    if key in STEER_KEYS:
        pan, tilt, zoom = STEER_KEYS[key]
        steering.nudge(index, pan=pan, tilt=tilt, zoom=zoom)
    elif key in HOME_KEYS:
        steering.home(index)
    elif key == PRESET_KEY:
        steering.next_preset(index)
    else:
        return False
    return True


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

    def __init__(self, controls: ControlState, presence: Presence, steering: Steering | None = None) -> None:
        self.controls = controls
        self.presence = presence
        #: The cameras' heads: the steering keys turn the camera on the large monitor.
        self.steering = steering

    def apply(self, action: Input, screen: Touchable, now: float) -> bool:
        """Apply one touch, turn of the wheel or key; False when the visitor asked the room to close
        (Esc, Q)."""
        if isinstance(action, Key):
            self.presence.touched(now)
            if screen.key(action.key) or control_key(self.controls, action.key):
                return True
            if self.steering is not None and steer_key(self.steering, self.watched, action.key):
                return True
            return action.key not in QUIT_KEYS
        if isinstance(action, Wheel):
            self.presence.touched(now)
            screen.pointer.wheel(action)
            return True
        if action.phase is Phase.DOWN:
            self.presence.touched(now)
        screen.pointer.touch(action)
        return True

    @property
    def watched(self) -> int:
        """The camera on the large monitor."""
        return min(self.controls.selected, max(0, self.controls.cameras - 1))
