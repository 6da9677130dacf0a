"""The room's mood: idle invitation, evasion feedback, captions and the privacy line.

:class:`Overlays` draws them; whether the room is idle or a visitor has just
slipped out of the machine's sight is decided by
:class:`~installation.control.presence.Presence`.
"""

from __future__ import annotations

import math

import pygame
from pygame import Rect

from installation.display.captions import Caption, CaptionRotator
from installation.display.fonts import Fonts
from installation.display.text import text
from installation.display.widgets import AMBER, MUTED, TEXT, blit_centred


class Overlays:
    """Draws the captions band, the invitation, the evasion line and the header."""

    def __init__(self, fonts: Fonts, rotator: CaptionRotator) -> None:
        self.fonts = fonts
        self.rotator = rotator
        self._shades: dict[tuple[int, int, int], pygame.Surface] = {}
        self._fitted: dict[tuple[Caption, int], float] = {}

    def shade(self, size: tuple[int, int], alpha: int) -> pygame.Surface:
        key = (size[0], size[1], alpha)
        s = self._shades.get(key)
        if s is None:
            s = pygame.Surface(size, pygame.SRCALPHA)
            s.fill((0, 0, 0, alpha))
            if len(self._shades) > 32:
                self._shades.clear()
            self._shades[key] = s
        return s

    def header(self, surface: pygame.Surface, rect: Rect, language: str) -> None:
        f = self.fonts
        other = "zh" if language == "en" else "en"
        title = f.text(f"{text('title', 'en')}  {text('title', 'zh')}", 22, TEXT, bold=True)
        surface.blit(title, title.get_rect(midleft=(rect.left + f.px(4), rect.centery)))
        a = f.text(text("nothing_recorded", language), 18, MUTED)
        b = f.text(text("nothing_recorded", other), 18, MUTED)
        x = rect.right - f.px(4)
        rb = b.get_rect(midright=(x, rect.centery))
        ra = a.get_rect(midright=(rb.left - f.px(18), rect.centery))
        if ra.left > title.get_width() + rect.left + f.px(20):
            surface.blit(a, ra)
            surface.blit(b, rb)
        else:
            surface.blit(a, a.get_rect(midright=(x, rect.centery)))

    def captions(self, surface: pygame.Surface, band: Rect, now: float) -> None:
        caption, alpha = self.rotator.at(now)
        if caption is None or alpha <= 0.02:
            return
        f = self.fonts
        surface.blit(self.shade(band.size, 165), band)
        inner = band.width - 2 * f.px(28)
        size = self._fitted.get((caption, inner))
        if size is None:  # the largest size at which both lines fit, worked out once per caption
            size = 30.0
            while (
                size > 14 and max(f.font(size).size(caption.en)[0], f.font(size).size(caption.zh)[0]) > inner
            ):
                size -= 2
            self._fitted[(caption, inner)] = size
        en = f.text(caption.en, size, TEXT)
        zh = f.text(caption.zh, size, TEXT)
        gap = f.px(4)
        top = band.centery - (en.get_height() + zh.get_height() + gap) // 2
        blit_centred(surface, en, (band.centerx, top + en.get_height() // 2), round(255 * alpha))
        blit_centred(
            surface,
            zh,
            (band.centerx, top + en.get_height() + gap + zh.get_height() // 2),
            round(255 * alpha),
        )

    def invitation(self, surface: pygame.Surface, wall: Rect, now: float, language: str) -> None:
        """The calm, slowly breathing invitation to step closer."""
        f = self.fonts
        breath = 0.5 - 0.5 * math.cos(now * 2 * math.pi / 7.0)
        surface.blit(self.shade(wall.size, 205 + round(30 * breath)), wall)
        other = "zh" if language == "en" else "en"
        alpha = round(255 * (0.6 + 0.4 * breath))
        lens = (wall.centerx, wall.centery - f.px(130))
        r = f.px(64) + round(f.px(18) * breath)
        pygame.draw.circle(surface, (70, 74, 80), lens, r, max(2, f.px(3)))
        pygame.draw.circle(surface, (120, 126, 134), lens, f.px(16))
        title = f.text(text("attract.title", language), 48, TEXT, bold=True)
        t = blit_centred(surface, title, (wall.centerx, wall.centery + f.px(10)), alpha)
        second = f.text(text("attract.title", other), 30, TEXT, bold=True)
        s = blit_centred(surface, second, (wall.centerx, t.bottom + f.px(28)), alpha)
        sub = f.text(text("attract.sub", language), 24, MUTED)
        blit_centred(surface, sub, (wall.centerx, s.bottom + f.px(40)), alpha)

    def evasion(self, surface: pygame.Surface, wall: Rect, now: float, since: float, language: str) -> None:
        f = self.fonts
        other = "zh" if language == "en" else "en"
        alpha = round(255 * min(1.0, (3.5 - since) / 0.8, since / 0.2 if since > 0 else 1.0))
        a = f.text(text("evasion", language), 44, AMBER, bold=True)
        b = f.text(text("evasion", other), 28, AMBER, bold=True)
        band = Rect(
            0, 0, max(a.get_width(), b.get_width()) + f.px(60), a.get_height() + b.get_height() + f.px(30)
        )
        band.midtop = (wall.centerx, wall.top + f.px(30))
        surface.blit(self.shade(band.size, 190), band)
        blit_centred(surface, a, (band.centerx, band.top + f.px(12) + a.get_height() // 2), max(0, alpha))
        blit_centred(surface, b, (band.centerx, band.bottom - f.px(10) - b.get_height() // 2), max(0, alpha))
