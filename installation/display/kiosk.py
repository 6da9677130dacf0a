"""What the gallery kiosk draws over the room: the facilitator's keypad and panel,
the aiming labels, and the dark screen outside opening hours (:class:`ClosedScene`).

Pure drawing: each function paints onto a canvas and returns the touch
targets it drew as ``{name: rect}``; ``installation.modes.kiosk`` decides what a
touch does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import pygame
from pygame import Rect

from installation.display.fonts import Colour, Fonts
from installation.display.text import faces_text, text
from installation.display.widgets import (
    AMBER,
    BACKGROUND,
    BEZEL,
    BEZEL_DARK,
    CYAN,
    DIM,
    GREEN,
    INK,
    MUTED,
    RED,
    TEXT,
    blit_centred,
    button,
    disc,
    ring,
)
from installation.explanation import LANGUAGES

Targets = dict[str, Rect]

#: Keypad keys, row by row; ``del`` and ``ok`` are the two non-digit keys.
KEYPAD = (("1", "2", "3"), ("4", "5", "6"), ("7", "8", "9"), ("del", "0", "ok"))
#: The PIN dots shown: one per digit typed, at most this many.
MAX_PIN = 8


def corner_rect(size: tuple[int, int], fonts: Fonts) -> Rect:
    """The top-left corner a facilitator holds to open the panel.

    >>> corner_rect((1920, 1080), Fonts(1.0))
    <rect(0, 0, 120, 120)>
    """
    side = min(fonts.px(120), size[0] // 4, size[1] // 4)
    return Rect(0, 0, side, side)


def _card(canvas: pygame.Surface, rect: Rect, fonts: Fonts) -> None:
    veil = pygame.Surface(canvas.get_size(), pygame.SRCALPHA)
    veil.fill((0, 0, 0, 200))
    canvas.blit(veil, (0, 0))
    radius = fonts.px(18)
    pygame.draw.rect(canvas, BEZEL_DARK, rect, border_radius=radius)
    pygame.draw.rect(canvas, BEZEL, rect, max(2, fonts.px(3)), border_radius=radius)


def draw_keypad(
    canvas: pygame.Surface,
    fonts: Fonts,
    *,
    typed: int,
    message: str = "",
    language: str = "en",
) -> Targets:
    """The PIN keypad in the middle of the screen; ``typed`` digits show as filled dots."""
    w, h = canvas.get_size()
    key = min(fonts.px(112), (h - fonts.px(80)) // 7)
    gap = max(6, key // 7)
    pad = fonts.px(36)
    title = fonts.text(text("kiosk.pin", language), 30, TEXT, bold=True)
    card_w = max(3 * key + 2 * gap + 2 * pad, title.get_width() + 2 * pad)
    card_h = pad + title.get_height() + fonts.px(24) + key // 2 + fonts.px(20) + fonts.px(34)
    card_h += 4 * key + 3 * gap + gap * 2 + key * 2 // 3 + pad
    card = Rect(0, 0, card_w, card_h)
    card.center = (w // 2, h // 2)
    _card(canvas, card, fonts)
    y = card.top + pad
    blit_centred(canvas, title, (card.centerx, y + title.get_height() // 2))
    y += title.get_height() + fonts.px(24)
    # one dot per digit: filled when typed
    dot = max(4, key // 9)
    slots = max(4, typed)
    x0 = card.centerx - (slots - 1) * dot * 3 // 2
    for i in range(min(slots, MAX_PIN)):
        centre = (x0 + i * dot * 3, y + key // 4)
        if i < typed:
            disc(canvas, TEXT, centre, dot)
        else:
            ring(canvas, DIM, centre, dot, 2)
    y += key // 2 + fonts.px(20)
    if message:
        note = fonts.text(message, 22, AMBER, bold=True)
        if note.get_width() > card.width - 2 * fonts.px(12):
            fitted = 22 * (card.width - 2 * fonts.px(12)) / note.get_width()
            note = fonts.text(message, fitted, AMBER, bold=True)
        blit_centred(canvas, note, (card.centerx, y + fonts.px(14)))
    y += fonts.px(34)
    targets: Targets = {}
    left = card.centerx - (3 * key + 2 * gap) // 2
    for r, row in enumerate(KEYPAD):
        for c, name in enumerate(row):
            rect = Rect(left + c * (key + gap), y + r * (key + gap), key, key)
            if name == "del":
                label = text("kiosk.delete", language)
                button(canvas, fonts, rect, label, selected=False, accent=MUTED, size=24)
            elif name == "ok":
                button(canvas, fonts, rect, text("kiosk.ok", language), selected=True, accent=GREEN, size=28)
            else:
                button(canvas, fonts, rect, name, selected=False, size=44)
            targets[f"key.{name}"] = rect
    y += 4 * key + 3 * gap + gap * 2
    cancel = Rect(left, y, 3 * key + 2 * gap, key * 2 // 3)
    button(canvas, fonts, cancel, text("kiosk.cancel", language), selected=False, accent=MUTED, size=24)
    targets["cancel"] = cancel
    targets["card"] = card
    return targets


@dataclass(frozen=True)
class InfoLine:
    """One line of the facilitator panel's figures, with its colour."""

    text: str
    colour: Colour = TEXT


def draw_menu(
    canvas: pygame.Surface,
    fonts: Fonts,
    *,
    lines: Sequence[InfoLine],
    message: str = "",
    message_is_error: bool = False,
    confirm_quit: bool = False,
    aim_available: bool = True,
    steering_locked: bool | None = None,
    language: str = "en",
) -> Targets:
    """The facilitator panel: figures about the run, a message, and four large buttons (five with
    a camera that can be steered: lock or allow steering, as ``steering_locked`` says it is)."""
    w, h = canvas.get_size()
    pad = fonts.px(32)
    title = fonts.text(text("kiosk.panel", language), 30, TEXT, bold=True)
    images = [fonts.text(line.text, 18, line.colour, mono=True) for line in lines]
    widest = max([fonts.px(1100), title.get_width()] + [i.get_width() for i in images])
    card_w = min(w - 2 * fonts.px(40), widest + 2 * pad)
    wrapped: list[pygame.Surface] = []
    if message:
        colour = RED if message_is_error else GREEN
        for part in fonts.wrap(message, 22, card_w - 2 * pad, bold=True):
            wrapped.append(fonts.text(part, 22, colour, bold=True))
    row_h = fonts.px(92)
    line_h = max([fonts.px(22)] + [i.get_height() for i in images])
    body = len(images) * line_h + sum(i.get_height() for i in wrapped)
    card_h = pad + title.get_height() + fonts.px(18) + body + fonts.px(24) + row_h + pad
    card = Rect(0, 0, card_w, min(card_h, h - fonts.px(20)))
    card.center = (w // 2, h // 2)
    _card(canvas, card, fonts)
    x = card.left + pad
    y = card.top + pad
    canvas.blit(title, (x, y))
    y += title.get_height() + fonts.px(18)
    for image in images:
        canvas.blit(image, (x, y))
        y += line_h
    for image in wrapped:
        canvas.blit(image, (x, y))
        y += image.get_height()
    gap = fonts.px(18)
    names = ["aim", "reload", "quit", "close"]
    weights = [1.0, 1.15, 1.0, 0.8]
    if steering_locked is not None:
        names.insert(2, "steering")
        weights.insert(2, 1.2)
    total = card.width - 2 * pad - gap * (len(names) - 1)
    widths = [round(total * wgt / sum(weights)) for wgt in weights]
    bx = card.left + pad
    by = card.bottom - pad - row_h
    targets: Targets = {"card": card}
    for name, bw in zip(names, widths, strict=True):
        rect = Rect(bx, by, bw, row_h)
        if name == "aim":
            button(
                canvas,
                fonts,
                rect,
                text("kiosk.aim", language),
                selected=False,
                accent=CYAN if aim_available else DIM,
                size=28,
            )
        elif name == "reload":
            button(canvas, fonts, rect, text("kiosk.reload", language), selected=False, size=28)
        elif name == "steering":
            label = text("kiosk.unlock_steering" if steering_locked else "kiosk.lock_steering", language)
            button(canvas, fonts, rect, label, selected=bool(steering_locked), accent=AMBER, size=28)
        elif name == "quit":
            label = text("kiosk.confirm_quit" if confirm_quit else "kiosk.quit", language)
            button(canvas, fonts, rect, label, selected=confirm_quit, accent=RED, size=28)
        else:
            button(canvas, fonts, rect, text("kiosk.close", language), selected=True, size=28)
        if name != "aim" or aim_available:
            targets[name] = rect
        bx += bw + gap
    return targets


def moment_text(moment: datetime | None, now: datetime, language: str) -> str:
    """When the room opens next, for the closed screen.

    >>> moment_text(datetime(2025, 12, 16, 10, 0), datetime(2025, 12, 15, 20, 0), "zh")
    '明天 10:00'
    >>> moment_text(datetime(2025, 12, 19, 10, 0), datetime(2025, 12, 15, 20, 0), "en")
    'Fri 19 Dec 10:00'
    """
    if moment is None:
        return "-"
    clock = moment.strftime("%H:%M")
    days = (moment.date() - now.date()).days
    if days == 0:
        return clock
    if days == 1:
        return f"{text('kiosk.tomorrow', language)} {clock}"
    weekday = text("kiosk.weekdays", language).split()[moment.weekday()]
    month = moment.month if language == "zh" else MONTHS[moment.month - 1]
    return f"{weekday} {text('kiosk.date', language, day=moment.day, month=month)} {clock}"


MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


#: The closed screen is nearly black: readable up close, no light in a dark gallery.
CLOSED_TEXT: Colour = (58, 60, 64)


def draw_closed(
    canvas: pygame.Surface,
    fonts: Fonts,
    *,
    opens: datetime | None,
    now: datetime,
    languages: Sequence[str] = LANGUAGES,
) -> None:
    """The screen outside opening hours: black, with one dim line saying when it opens.

    The line moves to a new place every minute so that nothing stays lit in
    one spot all night (screens and projectors keep ghosts of still images).
    """
    canvas.fill((0, 0, 0))
    w, h = canvas.get_size()
    parts = []
    for language in languages[:2]:
        opening = text("kiosk.opens", language, t=moment_text(opens, now, language)) if opens else ""
        parts.append(f"{text('kiosk.closed', language)}  {opening}".strip())
    line = "   ·   ".join(parts)
    image = fonts.text(line, 22, CLOSED_TEXT)
    minute = now.hour * 60 + now.minute
    # a slow walk over a 5 x 7 grid of places, never the same place two minutes running
    col, row = (minute * 3) % 5, (minute * 2) % 7
    x = fonts.px(40) + col * max(0, w - image.get_width() - fonts.px(80)) // 4
    y = fonts.px(40) + row * max(0, h - image.get_height() - fonts.px(80)) // 6
    canvas.blit(image, (x, y))


class ClosedScene:
    """The room's screen outside opening hours (:func:`draw_closed`), shown in its place.

    ``opens`` gives the moment the room opens next, ``clock`` the time now (on the wall).
    """

    def __init__(
        self,
        fonts: Fonts,
        *,
        opens: Callable[[], datetime | None],
        clock: Callable[[], datetime],
        languages: Sequence[str] = LANGUAGES,
    ) -> None:
        self.fonts = fonts
        self.opens = opens
        self.clock = clock
        self.languages = languages

    def draw(self, canvas: pygame.Surface, now: float) -> None:
        draw_closed(canvas, self.fonts, opens=self.opens(), now=self.clock(), languages=self.languages)


@dataclass(frozen=True)
class AimLabel:
    """What aiming mode says under one camera's picture."""

    name: str
    size: tuple[int, int]
    fps: float
    faces: int
    light: float
    verdict: str
    good: bool


def light_verdict(mean: float, face_mean: float | None) -> str:
    """A word on the light from the picture's mean brightness (0..255) and the faces' mean.

    >>> light_verdict(120, 115), light_verdict(30, None), light_verdict(150, 60)
    ('kiosk.light_ok', 'kiosk.too_dark', 'kiosk.backlit')
    """
    if face_mean is not None and face_mean < 0.6 * mean:
        return "kiosk.backlit"
    if mean < 50:
        return "kiosk.too_dark"
    if mean > 210:
        return "kiosk.too_bright"
    return "kiosk.light_ok"


def draw_aiming(
    canvas: pygame.Surface,
    fonts: Fonts,
    *,
    band: Rect,
    seconds_left: float,
    pictures: Sequence[tuple[Rect, AimLabel]],
    language: str = "en",
) -> None:
    """The aiming banner in ``band`` (where the captions run, so no picture is covered)
    and a label on each camera's picture."""
    title = f"{text('kiosk.aiming', language)}  {max(0, round(seconds_left))} s"
    head = fonts.text(title, 30, CYAN, bold=True)
    help_image = fonts.text(text("kiosk.aiming_help", language), 20, TEXT)
    pygame.draw.rect(canvas, INK, band)
    pygame.draw.rect(canvas, CYAN, band, max(1, fonts.px(2)))
    gap = fonts.px(6)
    top = band.centery - (head.get_height() + gap + help_image.get_height()) // 2
    blit_centred(canvas, head, (band.centerx, top + head.get_height() // 2))
    below = top + head.get_height() + gap
    blit_centred(canvas, help_image, (band.centerx, below + help_image.get_height() // 2))
    for rect, label in pictures:
        words = [
            label.name,
            f"{label.size[0]}×{label.size[1]}",
            f"{label.fps:.0f} fps",
            faces_text(label.faces, language),
            f"{round(100 * label.light / 255)}% {text(label.verdict, language)}",
        ]
        image = fonts.text("  ·  ".join(words), 17, TEXT if label.good else AMBER)
        if image.get_width() > rect.width - 2 * fonts.px(6):
            image = fonts.text("  ·  ".join(words[1:]), 15, TEXT if label.good else AMBER)
        box = Rect(
            rect.left,
            rect.bottom - image.get_height() - fonts.px(10),
            rect.width,
            image.get_height() + fonts.px(10),
        )
        shade = pygame.Surface(box.size, pygame.SRCALPHA)
        shade.fill((*BACKGROUND, 200))
        canvas.blit(shade, box)
        canvas.blit(image, (box.left + fonts.px(8), box.top + fonts.px(5)))
