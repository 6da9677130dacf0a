"""Opening the display (fullscreen kiosk, window, or none) and projector transforms.

The one place that chooses how the room reaches a screen. ``headless``
selects SDL's dummy driver before pygame's video starts, for tests and
benchmarks on machines without a screen.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pygame

from installation.errors import InstallationError, UsageError

Point = tuple[int, int]


#: The smallest and largest width or height of a window or screen, in pixels (8K at most:
#: a larger surface costs memory in the gigabytes and no display shows it).
SIDE_RANGE = (64, 7680)


def screen_size(value: str) -> tuple[int, int]:
    """``"WxH"`` as ``(W, H)`` within :data:`SIDE_RANGE`; anything else is a ``ValueError`` saying why.

    Shared by ``--size`` and the config's ``display.size``, so both take the same sizes.

    >>> screen_size("960x540")
    (960, 540)
    >>> screen_size("99999x99999")
    Traceback (most recent call last):
    ...
    ValueError: '99999x99999' is outside 64x64 .. 7680x7680
    """
    low, high = SIDE_RANGE
    parts = value.lower().split("x")
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() and len(p) <= 5 for p in parts):
        raise ValueError(f"expected WIDTHxHEIGHT such as 1280x720, got {value!r}")
    w, h = int(parts[0]), int(parts[1])
    if not (low <= w <= high and low <= h <= high):
        raise ValueError(f"{value!r} is outside {low}x{low} .. {high}x{high}")
    return w, h


def parse_size(value: str) -> tuple[int, int]:
    """``--size WxH`` as ``(W, H)``; anything else is a ``UsageError``.

    >>> parse_size("960x540")
    (960, 540)
    """
    try:
        return screen_size(value)
    except ValueError as exc:
        raise UsageError(f"--size: {exc}") from None


@dataclass(frozen=True)
class ScreenTransform:
    """Mirror, flip and rotation of the whole picture, for projection.

    The room is drawn on a canvas the size the audience sees; ``present``
    copies it to the real screen transformed, and ``to_canvas`` maps a touch
    on the real screen back onto the canvas.

    >>> t = ScreenTransform(mirror=True)
    >>> t.canvas_size((800, 600)), t.to_canvas((10, 20), (800, 600))
    ((800, 600), (789, 20))
    >>> ScreenTransform(rotate=90).to_canvas((0, 0), (600, 800))
    (0, 599)
    """

    mirror: bool = False
    flip: bool = False
    rotate: int = 0

    @property
    def identity(self) -> bool:
        return not self.mirror and not self.flip and self.rotate % 360 == 0

    def canvas_size(self, screen: tuple[int, int]) -> tuple[int, int]:
        return (screen[1], screen[0]) if self.rotate % 180 == 90 else screen

    def present(self, canvas: pygame.Surface, screen: pygame.Surface) -> None:
        image = canvas
        if self.mirror or self.flip:
            image = pygame.transform.flip(image, self.mirror, self.flip)
        if self.rotate % 360:
            # pygame rotates counter-clockwise; the config means clockwise.
            image = pygame.transform.rotate(image, -self.rotate)
        screen.blit(image, (0, 0))

    def to_canvas(self, pos: Point, screen: tuple[int, int]) -> Point:
        x, y = pos
        sw, sh = screen
        r = self.rotate % 360
        # undo the rotation (screen -> flipped canvas), then the flips
        if r == 90:
            x, y = y, sw - 1 - x
            cw, ch = sh, sw
        elif r == 180:
            x, y = sw - 1 - x, sh - 1 - y
            cw, ch = sw, sh
        elif r == 270:
            x, y = sh - 1 - y, x
            cw, ch = sh, sw
        else:
            cw, ch = sw, sh
        if self.mirror:
            x = cw - 1 - x
        if self.flip:
            y = ch - 1 - y
        return x, y


def open_screen(
    *,
    window: bool,
    display: int = 0,
    size: tuple[int, int] | None = None,
    headless: bool = False,
    title: str = "Monitoring Room",
) -> pygame.Surface:
    """Start pygame's video and open the room's screen.

    Fullscreen on ``display`` at its own resolution unless ``window`` (or
    ``headless``, which needs no screen at all and defaults to 1280x720).
    """
    if headless:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
    os.environ.setdefault("SDL_VIDEO_ALLOW_SCREENSAVER", "0")
    try:
        pygame.display.init()
    except pygame.error as exc:
        raise DisplayError(
            f"display: cannot start video ({exc}); check that a screen is attached and the session "
            "can use it, or run with --headless"
        ) from None
    if not headless and pygame.display.get_driver() in ("offscreen", "dummy"):
        # SDL falls back to drawing nowhere when no screen can be reached;
        # a room that runs invisibly is worse than a clear error.
        driver = pygame.display.get_driver()
        pygame.display.quit()
        raise DisplayError(
            f"display: no screen found (SDL chose its '{driver}' driver); start it from the desktop "
            "session, set DISPLAY or WAYLAND_DISPLAY, or run with --headless"
        )
    pygame.font.init()
    pygame.display.set_caption(title)
    sizes = pygame.display.get_desktop_sizes() or [(1280, 720)]
    if display >= len(sizes):
        raise UsageError(f"--display {display}: only {len(sizes)} display(s) found (counting from 0)")
    try:
        if headless:
            return pygame.display.set_mode(size or (1280, 720))
        if window:
            return pygame.display.set_mode(size or (1280, 720), pygame.RESIZABLE, display=display)
        screen = pygame.display.set_mode(size or sizes[display], pygame.FULLSCREEN, display=display)
    except pygame.error as exc:
        raise DisplayError(
            f"display {display}: cannot open a {'window' if window else 'fullscreen'} ({exc})"
        ) from None
    pygame.mouse.set_visible(False)  # a kiosk is touched, not pointed at
    return screen


class DisplayError(InstallationError):
    """The screen could not be opened."""
