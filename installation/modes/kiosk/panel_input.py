"""How touches and keys reach the facilitator's panel, before the room sees them.

Closed, the panel only watches for the way in (a press held in the top-left
corner, Ctrl+Alt+F) and lets everything through to the room. Open, it takes
every touch and key: a tap presses the keypad key or menu item under it, the
keyboard types the PIN and chooses the menu's items by their first letter.
The touches and keys come from :func:`installation.control.pointer.read_input`,
as the room's do.
"""

from __future__ import annotations

import pygame

from installation.control.pointer import Input, Key, Phase, Wheel
from installation.modes.kiosk.panel import FacilitatorPanel

#: Menu items chosen from the keyboard.
MENU_KEYS = {
    pygame.K_a: "aim",
    pygame.K_r: "reload",
    pygame.K_s: "steering",
    pygame.K_q: "quit",
    pygame.K_c: "close",
}


def panel_input(panel: FacilitatorPanel, action: Input, now: float) -> bool:
    """Apply one touch or key to the panel; True when it was the panel's (the room must not see it).

    >>> panel = FacilitatorPanel("2580")
    >>> panel_input(panel, Key(pygame.K_f, pygame.KMOD_LCTRL | pygame.KMOD_LALT), now=0.0), panel.mode
    (True, 'pin')
    """
    if isinstance(action, Key):
        if action.key == pygame.K_f and action.mod & pygame.KMOD_CTRL and action.mod & pygame.KMOD_ALT:
            panel.open(now)
            return True
        if not panel.is_open:
            return False
        panel.touched(now)
        key(panel, action.key, action.char, now)
        return True
    if isinstance(action, Wheel):
        return panel.is_open  # the wheel does nothing on the panel, and nothing behind it while open
    if action.phase is Phase.DOWN:
        if panel.is_open:
            panel.touched(now)
            tap(panel, action.pos, now)
            return True
        if panel.in_corner(action.pos):
            panel.hold_corner(now)
        return False
    if action.phase is Phase.MOVE:
        if panel.holding and not panel.in_corner(action.pos):
            panel.let_go()
    else:
        panel.let_go()
    return panel.is_open


def tap(panel: FacilitatorPanel, pos: tuple[int, int], now: float) -> None:
    """A tap on the open panel: the keypad key or menu item under it."""
    name = panel.target_at(pos)
    if name is None:
        return
    if panel.mode == "pin":
        if name.startswith("key."):
            panel.pin_key(name[4:], now)
        elif name == "cancel":
            panel.close()
    elif panel.mode == "menu":
        panel.choose(name)


def key(panel: FacilitatorPanel, code: int, char: str, now: float) -> None:
    """A key on the open panel: Esc closes it; digits, Backspace and Enter type the PIN; A, R, S, Q
    and C choose from the menu."""
    if code == pygame.K_ESCAPE:
        panel.close()
    elif panel.mode == "pin":
        if char and char.isdigit():
            panel.pin_key(char, now)
        elif code == pygame.K_BACKSPACE:
            panel.pin_key("del", now)
        elif code in (pygame.K_RETURN, pygame.K_KP_ENTER):
            panel.pin_key("ok", now)
    elif panel.mode == "menu" and code in MENU_KEYS:
        panel.choose(MENU_KEYS[code])
