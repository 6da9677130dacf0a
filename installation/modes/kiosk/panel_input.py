"""How touches and keys reach the facilitator's panel, before the room sees them.

Closed, the panel only watches for the way in (a press held in the top-left
corner, Ctrl+Alt+F) and lets everything through to the room. Open, it takes
every touch and key: a tap presses the keypad key or menu item under it, the
keyboard types the PIN and chooses the menu's items by their first letter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

if TYPE_CHECKING:
    from installation.modes.kiosk.panel import FacilitatorPanel

#: Menu items chosen from the keyboard.
MENU_KEYS = {pygame.K_a: "aim", pygame.K_r: "reload", pygame.K_q: "quit", pygame.K_c: "close"}


def panel_input(
    panel: FacilitatorPanel, event: pygame.event.Event, pos: tuple[int, int] | None, now: float
) -> bool:
    """Apply one event to the panel (``pos``: where it happened on the canvas); True when it was the
    panel's (the room must not see it)."""
    t = event.type
    if t in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP, pygame.MOUSEMOTION) and getattr(
        event, "touch", False
    ):
        return panel.is_open  # SDL's mouse copy of a finger: the finger event counts
    if t in (pygame.MOUSEBUTTONDOWN, pygame.FINGERDOWN):
        if t == pygame.MOUSEBUTTONDOWN and getattr(event, "button", 1) != 1:
            return panel.is_open
        if panel.is_open:
            panel.touched(now)
            if pos is not None:
                tap(panel, pos, now)
            return True
        if pos is not None and panel.in_corner(pos):
            panel.hold_corner(now)
        return False
    if t in (pygame.MOUSEMOTION, pygame.FINGERMOTION):
        if panel.holding and (pos is None or not panel.in_corner(pos)):
            panel.let_go()
        return panel.is_open
    if t in (pygame.MOUSEBUTTONUP, pygame.FINGERUP):
        panel.let_go()
        return panel.is_open
    if t == pygame.KEYDOWN:
        mods = getattr(event, "mod", 0)
        if event.key == pygame.K_f and mods & pygame.KMOD_CTRL and mods & pygame.KMOD_ALT:
            panel.open(now)
            return True
        if panel.is_open:
            panel.touched(now)
            key(panel, event.key, getattr(event, "unicode", ""), now)
            return True
        return False
    if t in (pygame.KEYUP, pygame.TEXTINPUT):
        return panel.is_open
    return False


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
    """A key on the open panel: Esc closes it; digits, Backspace and Enter type the PIN; A, R, Q and C
    choose from the menu."""
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
