#!/usr/bin/env python3
"""Make the fonts the room ships: subsets of Noto Sans CJK SC and Noto Sans Mono.

Keeps only the characters the captions and the interface use, plus printable
ASCII, so Chinese renders on a machine without any system fonts. Rerun it
whenever ``assets/captions`` or ``installation/display/text.py`` change:

    apt-get install fonts-noto-cjk fonts-noto-mono
    .venv/bin/pip install fonttools
    .venv/bin/python assets/fonts/make_subset.py

Both fonts are under the SIL Open Font License 1.1 (``OFL.txt`` beside this file).
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from installation.display.captions import load_captions  # noqa: E402
from installation.display.text import EXTRA_CHARACTERS, all_strings  # noqa: E402
from installation.resources import FONT_FILES  # noqa: E402

# The texts of this checkout in, its fonts out, beside this script: whichever checkout the
# installed package points at, the fonts made are for the texts they will ship with.
CAPTIONS, EXPLAIN = HERE.parent / "captions" / "captions.toml", HERE.parent / "explain" / "explain.toml"
SANS_REGULAR, SANS_BOLD, MONO = (HERE / FONT_FILES[role] for role in ("regular", "bold", "mono"))

NOTO_CJK = Path("/usr/share/fonts/opentype/noto")
NOTO_MONO = Path("/usr/share/fonts/truetype/noto/NotoSansMono-Regular.ttf")
SC_INDEX = 2  # font number of "Noto Sans CJK SC" inside the .ttc collections


def characters() -> str:
    """Every character the sans font must carry, sorted."""
    chars = set(EXTRA_CHARACTERS)
    for s in all_strings():
        chars.update(s)
    for caption in load_captions(CAPTIONS):
        chars.update(caption.en)
        chars.update(caption.zh)
    from installation.explanation import load_explanation  # the workshop screen's texts (assets/explain)

    for s in load_explanation(EXPLAIN).strings():
        chars.update(s)
    chars.discard("\n")
    return "".join(sorted(chars))


def make(source: Path, target: Path, text: str, font_number: int = -1) -> None:
    font = TTFont(source, fontNumber=font_number) if font_number >= 0 else TTFont(source)
    options = subset.Options()
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.layout_features = ["*"]
    options.notdef_outline = True
    options.desubroutinize = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    font.save(target)
    print(f"{target.relative_to(ROOT)}: {len(text)} characters, {target.stat().st_size // 1024} KiB")


def main() -> int:
    text = characters()
    missing = [p for p in (NOTO_CJK / "NotoSansCJK-Regular.ttc", NOTO_MONO) if not p.exists()]
    if missing:
        print(
            f"missing {', '.join(map(str, missing))}: apt-get install fonts-noto-cjk fonts-noto-mono",
            file=sys.stderr,
        )
        return 1
    make(NOTO_CJK / "NotoSansCJK-Regular.ttc", SANS_REGULAR, text, SC_INDEX)
    make(NOTO_CJK / "NotoSansCJK-Bold.ttc", SANS_BOLD, text, SC_INDEX)
    make(NOTO_MONO, MONO, EXTRA_CHARACTERS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
