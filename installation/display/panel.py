"""The on-screen copy of the physical indicator panel.

It shows the same :class:`~installation.control.state.IndicatorState` the board is
sent, and its buttons and knob work like the real ones, so the demo carries
the whole experience without an Arduino. The exposure lamp is the loudest
thing on screen and reads without colour: a filled disc with the word
HIDDEN, or a ring holding a warning triangle with the word EXPOSED.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pygame
from pygame import Rect

from installation.control.pointer import Hotspot
from installation.control.state import ControlState, IndicatorState, InputKind
from installation.display.fonts import Fonts
from installation.display.text import text
from installation.display.widgets import (
    AMBER,
    BACKGROUND,
    BEZEL,
    BEZEL_DARK,
    DIM,
    GREEN,
    MUTED,
    RED,
    TEXT,
    blend,
    blit_centred,
    disc,
    knob,
    knob_value,
    led,
    ring,
)

if TYPE_CHECKING:
    from installation.steer import Joystick

FACE_SEGMENTS = 10


@dataclass(frozen=True)
class StickState:
    """What the on-screen copy of the panel's joystick shows: where the stick and the zoom control
    stand (speeds from -1 to 1: right, up and in are positive), whether the camera on the large
    monitor can be steered now, and whether steering is locked."""

    speeds: tuple[float, float, float] = (0.0, 0.0, 0.0)
    steerable: bool = False
    locked: bool = False


def draw_lamp(
    surface: pygame.Surface, fonts: Fonts, centre: tuple[int, int], radius: int, exposed: bool, now: float
) -> None:
    """The exposure light: green filled disc (hidden) or red ring with a triangle (exposed)."""
    cx, cy = centre
    if exposed:
        glow = 0.55 + 0.15 * math.sin(now * 2 * math.pi / 1.6)
        disc(surface, blend(RED, BACKGROUND, 1 - glow * 0.35), centre, int(radius * 1.18))
        disc(surface, BACKGROUND, centre, radius)
        ring(surface, RED, centre, radius, max(6, radius // 6))
        t = radius * 0.62
        tri = [(cx, cy - t), (cx + t * 0.93, cy + t * 0.62), (cx - t * 0.93, cy + t * 0.62)]
        pygame.draw.polygon(surface, RED, tri)
        bar_w = max(3, radius // 10)
        pygame.draw.rect(surface, BACKGROUND, Rect(cx - bar_w // 2, int(cy - t * 0.42), bar_w, int(t * 0.62)))
        disc(surface, BACKGROUND, (cx, int(cy + t * 0.38)), max(2, bar_w // 2 + 1))
    else:
        disc(surface, blend(GREEN, BACKGROUND, 0.78), centre, int(radius * 1.14))
        disc(surface, GREEN, centre, radius)
        disc(surface, blend(GREEN, (255, 255, 255), 0.35), (cx - radius // 3, cy - radius // 3), radius // 4)


def draw_panel(
    surface: pygame.Surface,
    fonts: Fonts,
    rect: Rect,
    state: IndicatorState,
    controls: ControlState,
    board: tuple[bool, str],
    now: float,
    stick: StickState | None = None,
    joystick: Joystick | None = None,
) -> list[Hotspot]:
    """Draw the panel in ``rect``; returns the touch targets of its buttons and knob.

    With ``stick`` (a room with a camera that can be steered) the panel also has the joystick and
    zoom control, drawn where they stand; touching them sets ``joystick``, as the board's do.
    """
    lang = controls.language
    other = next((x for x in controls.languages if x != lang), "zh" if lang == "en" else "en")
    spots: list[Hotspot] = []
    px = fonts.px
    pygame.draw.rect(surface, (26, 27, 30), rect, border_radius=px(14))
    pygame.draw.rect(surface, BEZEL, rect, 2, border_radius=px(14))
    for sx, sy in (
        (rect.left + px(16), rect.top + px(16)),
        (rect.right - px(16), rect.top + px(16)),
        (rect.left + px(16), rect.bottom - px(16)),
        (rect.right - px(16), rect.bottom - px(16)),
    ):
        disc(surface, BEZEL, (sx, sy), px(5))
        pygame.draw.line(surface, BEZEL_DARK, (sx - px(3), sy), (sx + px(3), sy), 2)

    title = fonts.text(text("panel", lang), 17, MUTED, bold=True)
    surface.blit(title, title.get_rect(midtop=(rect.centerx, rect.top + px(12))))

    # Everything below is laid out in proportion to the panel's height.
    h = rect.height
    y = rect.top + px(40)
    radius = max(16, min(int(rect.width * 0.29), int(h * 0.13)))
    lamp_c = (rect.centerx, y + int(radius * 1.2))
    draw_lamp(surface, fonts, lamp_c, radius, state.exposed, now)
    word_key = "lamp.exposed" if state.exposed else "lamp.hidden"
    colour = RED if state.exposed else GREEN
    word = fonts.text(text(word_key, lang), 46, colour, bold=True)
    wrect = blit_centred(
        surface, word, (rect.centerx, lamp_c[1] + int(radius * 1.2) + word.get_height() // 2 + px(4))
    )
    sub = fonts.text(text(word_key, other), 24, colour, bold=True)
    srect = blit_centred(surface, sub, (rect.centerx, wrect.bottom + sub.get_height() // 2))
    y = srect.bottom + px(14)

    # LIVE light and face bar on one line each
    r = max(5, px(11))
    col_x = rect.left + px(34)
    led(surface, (col_x, y + r), r, RED, state.live)
    live = fonts.text(
        text("live" if state.live else "off_air", lang), 24, TEXT if state.live else MUTED, bold=True
    )
    surface.blit(live, live.get_rect(midleft=(col_x + 2 * r, y + r)))
    count = fonts.text(f"{state.faces}", 26, TEXT, mono=True)
    label = fonts.text(text("faces", lang, n="").strip(), 16, MUTED, bold=True)
    surface.blit(count, count.get_rect(midright=(rect.right - px(34), y + r)))
    surface.blit(label, label.get_rect(midright=(rect.right - px(34) - count.get_width() - px(8), y + r)))
    y += 2 * r + px(12)
    seg_gap = px(4)
    seg_w = (rect.width - px(68) - seg_gap * (FACE_SEGMENTS - 1)) / FACE_SEGMENTS
    for i in range(FACE_SEGMENTS):
        seg = Rect(int(col_x - r + i * (seg_w + seg_gap)), y, int(seg_w), px(14))
        lit = i < state.faces
        seg_colour = (RED if state.exposed else GREEN) if lit else BEZEL_DARK
        pygame.draw.rect(surface, seg_colour, seg, border_radius=2)
    y += px(14) + px(22)

    # tally LEDs: which camera is on the big monitor; touching one selects it
    tally_title = fonts.text(text("tally", lang), 15, MUTED, bold=True)
    surface.blit(tally_title, tally_title.get_rect(midtop=(rect.centerx, y)))
    y += tally_title.get_height() + px(8)
    n = max(1, state.cameras)
    pitch = min(px(40), (rect.width - px(40)) // n)
    x0 = rect.centerx - pitch * (n - 1) // 2
    tr = max(5, min(px(11), pitch // 3))
    for i in range(n):
        c = (x0 + i * pitch, y + tr)
        led(surface, c, tr, AMBER, i == state.tally)
        num = fonts.text(str(i + 1), 15, TEXT if i == state.tally else MUTED, mono=True)
        blit_centred(surface, num, (c[0], c[1] + tr + px(12)))
        hit = Rect(0, 0, max(pitch, px(64)), px(64))
        hit.center = (c[0], c[1] + px(8))
        spots.append(Hotspot(f"panel.tally.{i}", hit, _select(controls, i)))
    y += 2 * tr + px(34)

    # two arcade buttons and the strength knob, and below them the joystick where there is one
    avail = rect.bottom - px(44) - y
    stick_h = min(px(112), avail * 2 // 5) if stick is not None else 0
    if stick_h < px(56):
        stick_h = 0
    avail -= stick_h
    br = max(14, min(px(44), avail // 4))
    kr = max(14, min(px(52), avail // 3))
    row_y = y + max(br, kr) + px(14)
    br = min(br, int(rect.width * 0.11))
    bx1 = rect.left + int(rect.width * 0.17)
    bx2 = rect.left + int(rect.width * 0.43)
    kr = min(kr, int(rect.width * 0.12))
    kx = rect.right - int(rect.width * 0.23)
    for key, cx, press in (
        ("effect", bx1, lambda _p: controls.cycle_effect(InputKind.TOUCH)),
        ("camera", bx2, lambda _p: controls.next_camera(InputKind.TOUCH)),
    ):
        disc(surface, BEZEL_DARK, (cx, row_y), br + px(5))
        disc(surface, blend(TEXT, BACKGROUND, 0.15), (cx, row_y), br)
        disc(surface, TEXT, (cx, row_y - px(2)), br - px(4))
        name = fonts.text(text(key, lang), 15, TEXT, bold=True)
        blit_centred(surface, name, (cx, row_y + br + px(18)))
        if key == "effect":
            current = fonts.text(text(f"effect.{controls.effect.value}", lang), 13, MUTED, bold=True)
            blit_centred(surface, current, (cx, row_y + br + px(38)))
        else:
            current = fonts.text(f"{controls.selected + 1}/{controls.cameras}", 13, MUTED, mono=True)
            blit_centred(surface, current, (cx, row_y + br + px(38)))
        hit = Rect(0, 0, max(2 * br + px(10), px(64)), max(2 * br + px(10), px(64)))
        hit.center = (cx, row_y)
        spots.append(Hotspot(f"panel.{key}", hit, press))
    knob(surface, fonts, (kx, row_y), kr, controls.strength)
    kname = fonts.text(text("strength", lang), 15, TEXT, bold=True)
    blit_centred(surface, kname, (kx, row_y + kr + px(26)))
    turn = _turn(controls, (kx, row_y))
    hit = Rect(0, 0, 2 * kr + px(36), 2 * kr + px(36))
    hit.center = (kx, row_y)
    spots.append(Hotspot("panel.knob", hit, turn, turn))

    if stick is not None and stick_h:
        area = Rect(rect.left + px(24), rect.bottom - px(44) - stick_h, rect.width - px(48), stick_h)
        spots += draw_stick(surface, fonts, area, stick, joystick, lang)

    # the link to the real board
    connected, status = board
    by = rect.bottom - px(26)
    led(surface, (rect.left + px(34), by), max(4, px(7)), GREEN if connected else DIM, connected)
    words = text("board.connected" if connected else "board.none", lang)
    if status and not connected:
        words = f"{words} · {status}"
    bt = fonts.text(shortened(words, 48), 15, TEXT if connected else MUTED)
    surface.blit(bt, bt.get_rect(midleft=(rect.left + px(50), by)))
    return spots


def shortened(words: str, limit: int) -> str:
    """``words`` cut at a word boundary to at most ``limit`` characters, marked as cut.

    >>> shortened("panel: searching: no Arduino found: 1 serial port present", 40)
    'panel: searching: no Arduino found ...'
    >>> shortened("no board", 40)
    'no board'
    """
    if len(words) <= limit:
        return words
    cut = words[: limit - 3].rstrip()
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ·:,") + " ..."


def _select(controls: ControlState, index: int) -> Callable[[tuple[int, int]], None]:
    return lambda _pos: controls.select_camera(index, InputKind.TOUCH)


def _turn(controls: ControlState, centre: tuple[int, int]) -> Callable[[tuple[int, int]], None]:
    return lambda pos: controls.set_strength(knob_value(centre, pos, controls.strength), InputKind.TOUCH)


def draw_stick(
    surface: pygame.Surface,
    fonts: Fonts,
    area: Rect,
    stick: StickState,
    joystick: Joystick | None,
    language: str,
) -> list[Hotspot]:
    """The joystick (pan and tilt) and the zoom control in ``area``, each drawn where it stands;
    dimmed while the camera on the large monitor cannot be steered. Touching them moves them as a
    hand moves the board's, and they spring back when let go."""
    px = fonts.px
    live = stick.steerable
    ink = TEXT if live else DIM
    radius = max(10, min(area.height // 2 - px(4), area.width // 5))
    base = (area.left + radius + px(6), area.centery)
    travel = radius * 0.55
    pan, tilt, zoom = stick.speeds
    ring(surface, BEZEL, base, radius, max(2, px(3)))
    disc(surface, BEZEL_DARK, base, radius - max(2, px(3)))
    for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):  # the four directions, as ticks on the rim
        tip = (base[0] + dx * (radius - px(9)), base[1] + dy * (radius - px(9)))
        disc(surface, MUTED if live else DIM, tip, max(2, px(2)))
    top = (round(base[0] + pan * travel), round(base[1] - tilt * travel))
    pygame.draw.line(surface, BEZEL, base, top, max(3, px(6)))
    disc(surface, blend(ink, BACKGROUND, 0.15), top, max(6, int(radius * 0.42)))
    disc(surface, ink, (top[0], top[1] - px(2)), max(5, int(radius * 0.42) - px(3)))

    # the zoom control: a rocker, + at the top
    rocker = Rect(0, 0, max(px(26), radius // 2), max(px(30), 2 * radius - px(28)))
    rocker.midright = (area.right - px(6), area.centery)
    pygame.draw.rect(surface, BEZEL_DARK, rocker, border_radius=rocker.width // 2)
    pygame.draw.rect(surface, BEZEL, rocker, max(1, px(2)), border_radius=rocker.width // 2)
    thumb = (rocker.centerx, round(rocker.centery - zoom * (rocker.height / 2 - rocker.width / 2)))
    disc(surface, ink, thumb, max(5, rocker.width // 2 - px(4)))
    for sign, y in (("+", rocker.top - px(10)), ("-", rocker.bottom + px(10))):
        blit_centred(surface, fonts.text(sign, 18, MUTED, mono=True), (rocker.centerx, y))

    # what it is, between them
    word = "steer.locked" if stick.locked else "steer"
    colour = AMBER if stick.locked else (TEXT if live else MUTED)
    middle = ((base[0] + radius + rocker.left) // 2, area.centery)
    title = fonts.text(text(word, language), 17, colour, bold=True)
    blit_centred(surface, title, (middle[0], middle[1] - px(10)))
    if not stick.locked:
        other = "zh" if language == "en" else "en"
        sub = fonts.text(text(word, other), 13, MUTED, bold=True)
        blit_centred(surface, sub, (middle[0], middle[1] + px(12)))

    if joystick is None:
        return []
    hit = Rect(0, 0, 2 * radius + px(12), 2 * radius + px(12))
    hit.center = base
    rocker_hit = rocker.inflate(px(24), px(30))
    return [
        Hotspot(
            "panel.stick",
            hit,
            _push(joystick, base, travel),
            _push(joystick, base, travel),
            _centre(joystick),
        ),
        Hotspot(
            "panel.zoom",
            rocker_hit,
            _rock(joystick, rocker),
            _rock(joystick, rocker),
            lambda _pos: joystick.set(zoom=0.0),
        ),
    ]


def _push(joystick: Joystick, base: tuple[int, int], travel: float) -> Callable[[tuple[int, int]], None]:
    """The stick pushed towards a touch: its offset from the centre over the stick's travel."""

    def push(pos: tuple[int, int]) -> None:
        dx, dy = (pos[0] - base[0]) / travel, (base[1] - pos[1]) / travel
        length = math.hypot(dx, dy)
        if length > 1.0:
            dx, dy = dx / length, dy / length
        joystick.set(pan=dx, tilt=dy)

    return push


def _centre(joystick: Joystick) -> Callable[[tuple[int, int]], None]:
    return lambda _pos: joystick.set(pan=0.0, tilt=0.0)


def _rock(joystick: Joystick, rocker: Rect) -> Callable[[tuple[int, int]], None]:
    half = max(1.0, rocker.height / 2 - rocker.width / 2)
    return lambda pos: joystick.set(zoom=max(-1.0, min(1.0, (rocker.centery - pos[1]) / half)))
