"""The facilitator's panel on its own (installation/modes/kiosk/panel.py and panel_input.py): the way in,
the PIN and its lockout, and which touches and keys it keeps from the room. The kiosk's tests drive
the same panel through the room's loop."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"

from collections.abc import Iterator

import pygame
import pytest

from installation.control.pointer import Key, Phase, Touch
from installation.display.fonts import Fonts
from installation.modes.kiosk.panel import FacilitatorPanel
from installation.modes.kiosk.panel_input import panel_input
from tests.conftest import PIN

SIZE = (960, 540)


@pytest.fixture(autouse=True)
def fonts() -> Iterator[None]:
    pygame.font.init()
    yield


def _drawn(panel: FacilitatorPanel, now: float) -> FacilitatorPanel:
    """The panel as the room draws it each frame: its corner and its keys are where they are drawn."""
    panel.draw(pygame.Surface(SIZE), Fonts(SIZE[1] / 1080), now)
    return panel


def _type(panel: FacilitatorPanel, pin: str, now: float) -> None:
    for digit in pin:
        assert panel_input(panel, Key(pygame.K_0 + int(digit), char=digit), now)
    assert panel_input(panel, Key(pygame.K_RETURN), now)


def test_a_press_held_in_the_corner_opens_the_keypad_and_leaving_the_corner_does_not() -> None:
    panel = _drawn(FacilitatorPanel(PIN), 0.0)
    # the room still gets the press: the corner is part of the wall until the keypad opens
    assert not panel_input(panel, Touch(Phase.DOWN, (5, 5)), 0.0)
    assert not panel_input(panel, Touch(Phase.MOVE, (400, 300)), 1.0)  # slid out of the corner
    panel.tick(5.0)
    assert panel.mode == "closed"
    panel_input(panel, Touch(Phase.DOWN, (5, 5)), 10.0)
    panel.tick(12.9)
    assert panel.mode == "closed"
    panel.tick(13.0)
    assert panel.mode == "pin"


def test_the_open_panel_keeps_every_touch_and_key_from_the_room() -> None:
    panel = FacilitatorPanel(PIN)
    assert not panel_input(panel, Key(pygame.K_p), 0.0)  # closed: the room's key
    assert panel_input(panel, Key(pygame.K_f, pygame.KMOD_LCTRL | pygame.KMOD_LALT), 0.0)
    _drawn(panel, 0.0)
    assert panel_input(panel, Key(pygame.K_p), 1.0)
    assert panel_input(panel, Touch(Phase.DOWN, (480, 10)), 1.0)
    assert panel_input(panel, Touch(Phase.UP, (480, 10)), 1.0)
    assert panel.mode == "pin" and panel.typed == ""


def test_the_right_pin_opens_the_menu_and_five_wrong_ones_lock_the_keypad() -> None:
    panel = FacilitatorPanel(PIN)
    panel.open(0.0)
    for _ in range(FacilitatorPanel.MAX_TRIES):
        _type(panel, "1111", 1.0)
    assert panel.message == "kiosk.wrong_pin"
    _type(panel, PIN, 2.0)
    assert panel.mode == "pin"  # locked: even the right PIN is refused
    _type(panel, PIN, 1.0 + FacilitatorPanel.LOCKOUT_SECONDS)
    assert panel.mode == "menu"


def test_quit_from_the_menu_asks_twice() -> None:
    quits: list[bool] = []
    panel = FacilitatorPanel(PIN, on_quit=lambda: quits.append(True))
    panel.open(0.0)
    _type(panel, PIN, 1.0)
    panel_input(panel, Key(pygame.K_q), 2.0)
    assert panel.confirm_quit and not quits
    panel_input(panel, Key(pygame.K_q), 2.5)
    assert quits == [True]
