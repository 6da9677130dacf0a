"""The facilitator's panel: the PIN keypad, then a menu (aim, reload, quit), over the room.

:class:`FacilitatorPanel` holds what the panel is doing (closed, asking for the
PIN, showing the menu), the PIN typed so far, the wrong tries and the lockout,
and what each key and menu item does. It knows nothing of pygame's events:
:mod:`installation.modes.kiosk.panel_input` turns touches and keys into its
actions, and :mod:`installation.display.kiosk` draws it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pygame

    from installation.display.fonts import Fonts
    from installation.display.kiosk import InfoLine, Targets

log = logging.getLogger(__name__)


class FacilitatorPanel:
    """The PIN keypad and the facilitator's panel, drawn over the room.

    Closed, it only watches for the way in: a press held :attr:`HOLD_SECONDS`
    in the top-left corner (:meth:`hold_corner`), or :meth:`open` at once
    (Ctrl+Alt+F). Open, it takes every touch and key, so visitors cannot reach
    the room behind it; it closes itself after :attr:`IDLE_SECONDS` untouched.
    After :attr:`MAX_TRIES` wrong PINs in a row the keypad refuses for
    :attr:`LOCKOUT_SECONDS`.

    >>> panel = FacilitatorPanel("2580")
    >>> panel.open(0.0)
    >>> for key in "2580":
    ...     panel.pin_key(key, 1.0)
    >>> panel.pin_key("ok", 1.0)
    >>> panel.mode
    'menu'
    """

    HOLD_SECONDS = 3.0
    IDLE_SECONDS = 60.0
    MAX_TRIES = 5
    LOCKOUT_SECONDS = 60.0

    def __init__(
        self,
        pin: str,
        *,
        on_aim: Callable[[], None] = lambda: None,
        on_reload: Callable[[], None] = lambda: None,
        on_quit: Callable[[], None] = lambda: None,
        info: Callable[[], list[InfoLine]] = list,
        aim_available: Callable[[], bool] = lambda: True,
        on_steering: Callable[[], None] = lambda: None,
        steering: Callable[[], bool | None] = lambda: None,
    ) -> None:
        self.pin = pin
        self.on_aim = on_aim
        self.on_reload = on_reload
        self.on_quit = on_quit
        self.info = info
        self.aim_available = aim_available
        #: Locks or allows visitors' steering (the menu's steering item).
        self.on_steering = on_steering
        #: Whether the facilitator has locked steering (None: no camera here can be steered: no item).
        self.steering = steering
        self.mode = "closed"  # "closed", "pin" or "menu"
        self.typed = ""
        self.message = ""
        self.message_is_error = False
        self.confirm_quit = False
        #: What was drawn where in the last frame: keypad keys, menu items, the card.
        self.targets: Targets = {}
        self._corner: pygame.Rect | None = None
        self._held_at: float | None = None
        self._last_input = 0.0
        self._tries = 0
        self._locked_until = float("-inf")

    @property
    def is_open(self) -> bool:
        return self.mode != "closed"

    def open(self, now: float) -> None:
        """Show the keypad."""
        if self.mode == "closed":
            self.mode, self.typed, self.message, self.confirm_quit = "pin", "", "", False
            self._last_input = now
            log.info("facilitator panel: PIN asked")

    def close(self) -> None:
        self.mode, self.typed, self.confirm_quit, self._held_at = "closed", "", False, None
        self.message = ""

    def say(self, message: str, *, error: bool = False) -> None:
        """A line for the facilitator (the result of a reload)."""
        self.message, self.message_is_error = message, error

    def tick(self, now: float) -> None:
        """Once a frame: a corner held long enough opens the keypad; an untouched panel closes."""
        if self._held_at is not None and now - self._held_at >= self.HOLD_SECONDS:
            self._held_at = None
            self.open(now)
        if self.is_open and now - self._last_input >= self.IDLE_SECONDS:
            log.info("facilitator panel closed after %g s untouched", self.IDLE_SECONDS)
            self.close()

    # -- the way in -------------------------------------------------------------------
    def in_corner(self, pos: tuple[int, int]) -> bool:
        """True when ``pos`` lies in the corner a facilitator holds (as last drawn)."""
        return self._corner is not None and bool(self._corner.collidepoint(pos))

    def hold_corner(self, now: float) -> None:
        """A press began in the corner: held until :meth:`let_go`, it opens the keypad."""
        self._held_at = now

    def let_go(self) -> None:
        """The press in the corner ended, or left the corner, before it opened the keypad."""
        self._held_at = None

    @property
    def holding(self) -> bool:
        return self._held_at is not None

    # -- while open ---------------------------------------------------------------------
    def touched(self, now: float) -> None:
        """Any input while open: the panel stays open another :attr:`IDLE_SECONDS`."""
        self._last_input = now

    def target_at(self, pos: tuple[int, int]) -> str | None:
        """The key or menu item drawn at ``pos`` in the last frame, if any."""
        return next((n for n, rect in self.targets.items() if n != "card" and rect.collidepoint(pos)), None)

    def pin_key(self, key: str, now: float) -> None:
        """A keypad key: a digit, ``del`` or ``ok``. Refused while the keypad is locked."""
        if now < self._locked_until:
            return
        if key == "del":
            self.typed = self.typed[:-1]
        elif key == "ok":
            self._submit(now)
        elif key.isdigit() and len(self.typed) < 8:
            self.typed += key
            self.message = ""

    def _submit(self, now: float) -> None:
        if self.typed == self.pin:
            self.mode, self.typed, self._tries = "menu", "", 0
            self.message = ""
            log.info("facilitator panel opened")
            return
        self._tries += 1
        self.typed = ""
        self.message, self.message_is_error = "kiosk.wrong_pin", True
        log.warning("facilitator panel: wrong PIN (%d in a row)", self._tries)
        if self._tries >= self.MAX_TRIES:
            self._tries = 0
            self._locked_until = now + self.LOCKOUT_SECONDS
            log.warning("facilitator panel: keypad locked for %g s", self.LOCKOUT_SECONDS)

    def choose(self, name: str) -> None:
        """A menu item: ``aim``, ``reload``, ``steering`` (lock or allow it), ``quit`` (asked twice)
        or ``close``."""
        if name != "quit":
            self.confirm_quit = False
        if name == "aim":
            if self.aim_available():
                self.close()
                self.on_aim()
        elif name == "reload":
            self.say("")
            self.on_reload()
        elif name == "steering":
            if self.steering() is not None:
                self.on_steering()
        elif name == "quit":
            if self.confirm_quit:
                self.on_quit()
            else:
                self.confirm_quit = True
        elif name == "close":
            self.close()

    # -- drawing ---------------------------------------------------------------------
    def draw(self, canvas: pygame.Surface, fonts: Fonts, now: float, language: str = "en") -> None:
        from installation.display.kiosk import corner_rect, draw_keypad, draw_menu
        from installation.display.text import STRINGS, text

        self._corner = corner_rect(canvas.get_size(), fonts)
        if self.mode == "pin":
            message = self.message
            if now < self._locked_until:
                message = text("kiosk.locked", language, n=int(self._locked_until - now) + 1)
            elif message in STRINGS:
                message = text(message, language)
            self.targets = draw_keypad(
                canvas, fonts, typed=len(self.typed), message=message, language=language
            )
        elif self.mode == "menu":
            self.targets = draw_menu(
                canvas,
                fonts,
                lines=self.info(),
                message=self.message,
                message_is_error=self.message_is_error,
                confirm_quit=self.confirm_quit,
                aim_available=self.aim_available(),
                steering_locked=self.steering(),
                language=language,
            )
        else:
            self.targets = {}
