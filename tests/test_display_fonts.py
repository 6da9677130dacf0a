"""The fonts (installation/display/fonts.py): every character the room shows has a glyph in them, and
drawing text in any size keeps no font file open."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"

from pathlib import Path

import numpy as np
import pygame
import pytest

from installation.display.captions import load_captions
from installation.display.text import EXTRA_CHARACTERS, all_strings
from installation.resources import font_file

SANS_REGULAR, SANS_BOLD, MONO = font_file("regular"), font_file("bold"), font_file("mono")

pytestmark = pytest.mark.usefixtures("video")


def _missing(path: Path, characters: set[str]) -> list[str]:
    """Characters without a glyph in the font: its cmap read by fontTools, or FreeType without it."""
    try:
        from fontTools.ttLib import TTFont
    except ImportError:
        import pygame.freetype

        pygame.freetype.init()
        font = pygame.freetype.Font(str(path), 20)
        return sorted(ch for ch in characters if font.get_metrics(ch)[0] is None)
    cmap = TTFont(path).getBestCmap()
    return sorted(ch for ch in characters if ord(ch) not in cmap)


@pytest.mark.parametrize("path", [SANS_REGULAR, SANS_BOLD], ids=["regular", "bold"])
def test_every_caption_and_interface_character_has_a_glyph(path: Path) -> None:
    texts = all_strings() + [c.en for c in load_captions()] + [c.zh for c in load_captions()]
    missing = _missing(path, {ch for s in texts for ch in s})
    assert not missing, f"{path.name} lacks {''.join(missing)!r}: run assets/fonts/make_subset.py"


def test_a_character_outside_the_subset_is_reported_missing() -> None:
    assert _missing(SANS_REGULAR, {"龍", "A"}) == ["龍"]


def test_monospaced_font_has_clock_and_number_characters() -> None:
    assert not _missing(MONO, set("0123456789:./% -" + EXTRA_CHARACTERS))


def test_the_fonts_ship_with_their_licence() -> None:
    licence = (SANS_REGULAR.parent / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    assert (SANS_REGULAR.parent / "make_subset.py").is_file()


def test_chinese_renders_with_real_glyphs_not_boxes() -> None:
    font = pygame.font.Font(str(SANS_REGULAR), 40)
    # distinct characters must give distinct pictures (a missing glyph draws the same box)
    a = pygame.surfarray.array3d(font.render("隐", True, (255, 255, 255), (0, 0, 0)))
    b = pygame.surfarray.array3d(font.render("暴", True, (255, 255, 255), (0, 0, 0)))
    assert a.shape == b.shape and np.abs(a.astype(int) - b.astype(int)).sum() > 0


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to count open files")
def test_text_in_every_size_and_face_keeps_no_font_file_open() -> None:
    # A show runs for weeks: a size first drawn hours in must not look like a descriptor leak.
    from installation.display.fonts import Fonts

    fonts = Fonts(scale=0.7)
    before = len(os.listdir("/proc/self/fd"))
    for size in range(10, 90, 7):
        for bold, mono in ((False, False), (True, False), (False, True)):
            assert (
                fonts.text("隐藏 hidden 12:00", size, (255, 255, 255), bold=bold, mono=mono).get_width() > 0
            )
    assert len(os.listdir("/proc/self/fd")) == before
