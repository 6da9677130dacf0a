"""What the room tells those who follow it, and what it lets draw over it.

The room's loop runs input → model → scene → present once a frame. Around it:

- a :class:`RoomListener` hears, each frame, the indicator state before the frame
  is drawn and that the frame reached the screen, and once that the room closes:
  the panel link, the statistics, the kiosk's watchdog, the workshop's challenge;
- an :class:`Overlay` gets each touch and key before the visitors' controls do,
  and draws over the scene (the kiosk's facilitator panel and aiming labels);
- a :class:`Scene` is drawn in the room's place while the room is shut (the
  kiosk's dark screen outside opening hours).

A listener or overlay that raises is logged and dropped; it never stops the room.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import pygame

    from installation.control.pointer import Input
    from installation.control.state import IndicatorState
    from installation.display.fonts import Fonts


class RoomListener(Protocol):
    """Follows the room frame by frame."""

    def indicators(self, state: IndicatorState) -> None:
        """The lights for this frame, before it is drawn (the board mirrors them even if drawing fails)."""

    def shown(self, state: IndicatorState, now: float) -> None:
        """The frame reached the screen, at ``now`` (``time.monotonic()``)."""

    def closing(self) -> None:
        """The room is closing: write what is left, let go of what is held."""


class Overlay(Protocol):
    """Takes touches and keys before the visitors' controls, and draws over the scene."""

    def handle(self, action: Input, now: float) -> bool:
        """True when the overlay used the touch or key up (the room must not see it)."""

    def draw(self, canvas: pygame.Surface, fonts: Fonts, now: float) -> None:
        """Draw over the frame, just before it is shown."""


class Scene(Protocol):
    """Something drawn in the room's place while the room is shut."""

    def draw(self, canvas: pygame.Surface, now: float) -> None:
        """Draw the whole canvas."""
