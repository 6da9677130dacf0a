"""Colours and drawing helpers shared by every part of the screen.

The interface is drawn immediately each frame; whatever can be touched
registers a :class:`~installation.control.pointer.Hotspot` while it is drawn,
and the next touch is matched against the hotspots of the frame the visitor saw.
"""

from __future__ import annotations

import math

import pygame
import pygame.gfxdraw
from pygame import Rect

from installation.display.fonts import Colour, Fonts

BACKGROUND: Colour = (9, 10, 12)
BEZEL: Colour = (44, 46, 50)
BEZEL_DARK: Colour = (24, 25, 28)
LABEL: Colour = (16, 17, 19)
TEXT: Colour = (238, 238, 236)
MUTED: Colour = (138, 142, 148)
DIM: Colour = (70, 73, 78)
RED: Colour = (232, 38, 38)
RED_DARK: Colour = (70, 16, 16)
GREEN: Colour = (36, 205, 96)
GREEN_DARK: Colour = (12, 60, 30)
AMBER: Colour = (255, 178, 0)
CYAN: Colour = (0, 229, 255)
INK: Colour = (12, 12, 14)

Point = tuple[int, int]


def blend(a: Colour, b: Colour, t: float) -> Colour:
    """``a`` moved towards ``b`` by ``t`` in [0, 1].

    >>> blend((0, 0, 0), (255, 255, 255), 0.5)
    (128, 128, 128)
    """
    t = min(1.0, max(0.0, t))
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def disc(surface: pygame.Surface, colour: Colour, centre: Point, radius: int) -> None:
    """An anti-aliased filled circle."""
    x, y = centre
    if radius < 1:
        return
    pygame.gfxdraw.filled_circle(surface, x, y, radius, colour)
    pygame.gfxdraw.aacircle(surface, x, y, radius, colour)


def ring(surface: pygame.Surface, colour: Colour, centre: Point, radius: int, width: int) -> None:
    """An anti-aliased circle outline ``width`` pixels thick."""
    pygame.draw.circle(surface, colour, centre, radius, width)
    pygame.gfxdraw.aacircle(surface, centre[0], centre[1], radius, colour)
    if radius - width > 0:
        pygame.gfxdraw.aacircle(surface, centre[0], centre[1], radius - width + 1, colour)


def blit_centred(surface: pygame.Surface, image: pygame.Surface, centre: Point, alpha: int = 255) -> Rect:
    rect = image.get_rect(center=centre)
    if alpha < 255:
        image.set_alpha(alpha)
        surface.blit(image, rect)
        image.set_alpha(255)
    else:
        surface.blit(image, rect)
    return rect


def button(
    surface: pygame.Surface,
    fonts: Fonts,
    rect: Rect,
    label: str,
    *,
    selected: bool,
    accent: Colour = TEXT,
    size: float = 30,
) -> None:
    """A large rounded button: filled when it is the current choice, outlined otherwise."""
    radius = rect.height // 4
    border = max(2, fonts.px(3))
    if selected:
        pygame.draw.rect(surface, accent, rect, border_radius=radius)
        colour = INK if accent == TEXT or accent == GREEN or accent == AMBER else TEXT
    else:
        pygame.draw.rect(surface, BEZEL_DARK, rect, border_radius=radius)
        pygame.draw.rect(surface, blend(accent, BACKGROUND, 0.25), rect, border, border_radius=radius)
        colour = accent
    image = fonts.text(label, size, colour, bold=True)
    if image.get_width() > rect.width - 2 * border:
        image = fonts.text(
            label, size * (rect.width - 2 * border) / image.get_width() * 0.95, colour, bold=True
        )
    blit_centred(surface, image, rect.center)


def slider(
    surface: pygame.Surface,
    fonts: Fonts,
    rect: Rect,
    value: float,
    label: str,
) -> Rect:
    """A wide strength slider with a big round thumb; returns its track rect.

    The value in [0, 1] maps to the track from left to right.
    """
    track = slider_track(rect)
    h = max(6, fonts.px(12))
    bar = Rect(track.left, track.centery - h // 2, track.width, h)
    pygame.draw.rect(surface, BEZEL, bar, border_radius=h // 2)
    filled = Rect(bar.left, bar.top, round(bar.width * value), bar.height)
    pygame.draw.rect(surface, TEXT, filled, border_radius=h // 2)
    for i in range(11):  # tick marks, like a fader scale
        x = track.left + round(track.width * i / 10)
        tick = fonts.px(10 if i % 5 == 0 else 6)
        pygame.draw.line(surface, DIM, (x, bar.bottom + fonts.px(6)), (x, bar.bottom + fonts.px(6) + tick), 2)
    cx = track.left + round(track.width * value)
    r = rect.height // 3
    disc(surface, BEZEL_DARK, (cx, track.centery), r + 3)
    disc(surface, TEXT, (cx, track.centery), r)
    pct = fonts.text(f"{round(value * 100)}", 22, INK, mono=True)
    blit_centred(surface, pct, (cx, track.centery))
    name = fonts.text(label, 20, MUTED, bold=True)
    surface.blit(name, (rect.left + fonts.px(4), rect.top - fonts.px(2)))
    return track


def slider_track(rect: Rect) -> Rect:
    """The part of a slider's rect the thumb travels along (inset by the thumb radius)."""
    r = rect.height // 3 + 4
    return Rect(rect.left + r, rect.top, max(1, rect.width - 2 * r), rect.height)


def slider_value(track: Rect, pos: Point) -> float:
    """The value a touch at ``pos`` sets on a slider with ``track``.

    >>> slider_value(Rect(100, 0, 200, 50), (200, 10))
    0.5
    """
    return min(1.0, max(0.0, (pos[0] - track.left) / max(1, track.width)))


#: A knob turns through 270 degrees, from lower left (0) to lower right (1).
KNOB_START = 225.0
KNOB_SWEEP = 270.0


def knob_angle(value: float) -> float:
    """Screen angle in degrees (0 = right, counter-clockwise) of a knob at ``value``."""
    return KNOB_START - KNOB_SWEEP * min(1.0, max(0.0, value))


def knob_value(centre: Point, pos: Point, current: float) -> float:
    """The value a touch at ``pos`` turns a knob at ``centre`` to.

    >>> round(knob_value((0, 0), (0, -10), 0.0), 2)  # straight up is half way
    0.5
    """
    dx, dy = pos[0] - centre[0], centre[1] - pos[1]
    if dx == 0 and dy == 0:
        return current
    angle = math.degrees(math.atan2(dy, dx))
    turned = (KNOB_START - angle) % 360.0
    if turned > KNOB_SWEEP:  # in the dead zone at the bottom: stick to the nearer end
        return 0.0 if turned > KNOB_SWEEP + (360.0 - KNOB_SWEEP) / 2 else 1.0
    return turned / KNOB_SWEEP


def knob(surface: pygame.Surface, fonts: Fonts, centre: Point, radius: int, value: float) -> None:
    """A rotary strength knob with its scale."""
    for i in range(11):
        a = math.radians(knob_angle(i / 10))
        r0, r1 = radius + fonts.px(6), radius + fonts.px(14 if i % 5 == 0 else 10)
        p0 = (centre[0] + r0 * math.cos(a), centre[1] - r0 * math.sin(a))
        p1 = (centre[0] + r1 * math.cos(a), centre[1] - r1 * math.sin(a))
        pygame.draw.line(surface, TEXT if i / 10 <= value + 1e-6 else DIM, p0, p1, 2)
    disc(surface, BEZEL_DARK, centre, radius + 2)
    disc(surface, BEZEL, centre, radius)
    disc(surface, blend(BEZEL, TEXT, 0.12), centre, int(radius * 0.8))
    a = math.radians(knob_angle(value))
    tip = (centre[0] + radius * 0.72 * math.cos(a), centre[1] - radius * 0.72 * math.sin(a))
    base = (centre[0] + radius * 0.25 * math.cos(a), centre[1] - radius * 0.25 * math.sin(a))
    pygame.draw.line(surface, TEXT, base, tip, max(3, fonts.px(5)))


def led(surface: pygame.Surface, centre: Point, radius: int, colour: Colour, on: bool) -> None:
    """A small indicator LED: bright with a halo when on, a dark dome when off."""
    if on:
        disc(surface, blend(colour, BACKGROUND, 0.7), centre, radius + max(2, radius // 2))
        disc(surface, colour, centre, radius)
        disc(
            surface,
            blend(colour, (255, 255, 255), 0.55),
            (centre[0] - radius // 3, centre[1] - radius // 3),
            max(1, radius // 3),
        )
    else:
        disc(surface, blend(colour, BACKGROUND, 0.82), centre, radius)
        ring(surface, BEZEL, centre, radius, 1)
