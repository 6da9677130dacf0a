"""Where the room's shipped files live: ``assets/`` at the top of the repository."""

from __future__ import annotations

from pathlib import Path

ASSETS = Path(__file__).resolve().parents[2] / "assets"
FONT_DIR = ASSETS / "fonts"
CAPTIONS_FILE = ASSETS / "captions" / "captions.toml"

#: The shipped subsets (made by ``assets/fonts/make_subset.py``).
SANS_REGULAR = FONT_DIR / "NotoSansSC-Regular-subset.otf"
SANS_BOLD = FONT_DIR / "NotoSansSC-Bold-subset.otf"
MONO = FONT_DIR / "NotoSansMono-Regular-subset.ttf"
