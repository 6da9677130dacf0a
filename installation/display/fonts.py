"""The room's typefaces (the shipped subsets) and a cache of rendered text.

One sans family covers Latin and Chinese; a monospaced face sets clocks and
numbers. Sizes are given at 1080 lines and scaled to the screen.
"""

from __future__ import annotations

import io
import logging
from collections import OrderedDict
from pathlib import Path

import pygame

from installation.resources import font_file

log = logging.getLogger(__name__)

Colour = tuple[int, int, int]


class Fonts:
    """Fonts by role and size, plus rendered text kept for reuse.

    ``scale`` multiplies every size (screen height / 1080). Rendering text is
    the costliest thing the interface draws, so each (font, text, colour) is
    rendered once and kept in a bounded cache.

    >>> import pygame; _ = pygame.font.init()
    >>> fonts = Fonts(scale=0.5)
    >>> fonts.text("隐藏", 60, (255, 255, 255), bold=True).get_height() > 20
    True
    """

    def __init__(self, scale: float = 1.0, cache_size: int = 600) -> None:
        self.scale = max(0.3, float(scale))
        self._fonts: dict[tuple[str, int], pygame.font.Font] = {}
        self._cache: OrderedDict[tuple[str, int, str, Colour], pygame.Surface] = OrderedDict()
        self._cache_size = cache_size

    def px(self, size: float) -> int:
        """A length given at 1080 lines, in screen pixels."""
        return max(1, round(size * self.scale))

    def font(self, size: float, *, bold: bool = False, mono: bool = False) -> pygame.font.Font:
        role = "mono" if mono else "bold" if bold else "sans"
        px = max(6, round(size * self.scale))
        key = (role, px)
        font = self._fonts.get(key)
        if font is None:
            path = font_file("mono" if mono else "bold" if bold else "regular")
            font = _load(path, px)
            self._fonts[key] = font
        return font

    def text(
        self, s: str, size: float, colour: Colour, *, bold: bool = False, mono: bool = False
    ) -> pygame.Surface:
        """``s`` rendered anti-aliased on a transparent background (cached)."""
        if not s.isprintable():
            # SDL_ttf refuses a NUL and draws other control characters as boxes; a reason
            # quoted from an error may hold either, and drawing must never fail on it.
            s = "".join(ch if ch.isprintable() else " " for ch in s)
        role = "mono" if mono else "bold" if bold else "sans"
        key = (role, max(6, round(size * self.scale)), s, colour)
        surface = self._cache.get(key)
        if surface is not None:
            self._cache.move_to_end(key)
            return surface
        surface = self.font(size, bold=bold, mono=mono).render(s, True, colour)
        self._cache[key] = surface
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return surface

    def wrap(self, s: str, size: float, width: int, *, bold: bool = False) -> list[str]:
        """``s`` broken into lines no wider than ``width`` pixels.

        Breaks at spaces where there are any, between characters elsewhere
        (Chinese has no spaces between words).
        """
        font = self.font(size, bold=bold)
        lines: list[str] = []
        line = ""
        tokens = _tokens(s)
        for token in tokens:
            candidate = line + token
            if line and font.size(candidate.rstrip())[0] > width:
                lines.append(line.rstrip())
                line = token.lstrip()
            else:
                line = candidate
        if line.strip():
            lines.append(line.rstrip())
        return lines


def _tokens(s: str) -> list[str]:
    tokens: list[str] = []
    word = ""
    for ch in s:
        if ch == " ":
            tokens.append(word + " ")
            word = ""
        elif ord(ch) > 0x2E80:
            if word:
                tokens.append(word)
                word = ""
            tokens.append(ch)
        else:
            word += ch
    if word:
        tokens.append(word)
    # Chinese punctuation must not start a line: glue it to what precedes it.
    glued: list[str] = []
    for token in tokens:
        if glued and token and token[0] in "，。、；：！？）》」…":
            glued[-1] += token
        else:
            glued.append(token)
    return glued


_font_bytes: dict[Path, bytes] = {}


def _load(path: Path, px: int) -> pygame.font.Font:
    # From bytes read once, not from the path: a font opened from a path keeps
    # its file open for as long as it lives, one descriptor per size, and a
    # size first used hours into a show would look like a leak.
    try:
        data = _font_bytes.get(path)
        if data is None:
            data = _font_bytes[path] = path.read_bytes()
        return pygame.font.Font(io.BytesIO(data), px)
    except (OSError, FileNotFoundError, pygame.error) as exc:
        log.warning("%s: cannot load the shipped font (%s); Chinese text will not render", path, exc)
        return pygame.font.Font(None, px)
