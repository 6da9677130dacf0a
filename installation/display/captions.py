"""Captions: short bilingual lines read from a caption file, rotated slowly.

A caption file is TOML with one ``[[caption]]`` table per line: ``en``,
``zh`` and ``source`` (the fact it rests on, required wherever a number is
used). The shipped one is ``assets/captions/captions.toml``; ``[room]
captions_file`` names a gallery's own.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from installation.errors import ConfigError
from installation.resources import captions_file

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from PyPI
    import tomli as tomllib

_NUMBER = re.compile(r"\d[\d,]*\d|\d")


@dataclass(frozen=True)
class Caption:
    """One line of the story, in English and Simplified Chinese."""

    en: str
    zh: str
    source: str = ""

    def numbers(self) -> list[str]:
        """The numbers the English text uses (each must appear in ``source``).

        >>> Caption("10 Bitcoin, about $200,000", "").numbers()
        ['10', '200,000']
        """
        return _NUMBER.findall(self.en)


def load_captions(path: str | Path | None = None) -> list[Caption]:
    """Read a caption file (the shipped one without ``path``, or with an empty one);
    a missing field or an unsourced number is a ``ConfigError``.

    >>> len(load_captions()) > 5
    True
    """
    path = Path(path) if path else captions_file()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read captions: {exc}") from exc
    captions = []
    for i, entry in enumerate(data.get("caption", [])):
        where = f"{path}: caption[{i}]"
        en, zh, source = entry.get("en", ""), entry.get("zh", ""), entry.get("source", "")
        if not isinstance(en, str) or not en.strip() or not isinstance(zh, str) or not zh.strip():
            raise ConfigError(f"{where}: needs both an 'en' and a 'zh' line")
        caption = Caption(en.strip(), zh.strip(), str(source))
        missing = [n for n in caption.numbers() if n not in caption.source]
        if missing:
            raise ConfigError(f"{where}: the number(s) {', '.join(missing)} need a 'source' that states them")
        captions.append(caption)
    return captions


class CaptionRotator:
    """Which caption shows at a time ``now`` (seconds), and how opaque it is.

    Each caption holds for ``seconds`` and fades in and out over ``fade``
    seconds at either end.

    >>> r = CaptionRotator([Caption("a", "甲"), Caption("b", "乙")], seconds=10, fade=1)
    >>> r.at(5.0)
    (Caption(en='a', zh='甲', source=''), 1.0)
    >>> r.at(15.0)[0].en, r.at(10.5)[1]
    ('b', 0.5)
    """

    def __init__(self, captions: list[Caption], seconds: float = 12.0, fade: float = 1.2) -> None:
        self.captions = captions
        self.seconds = max(1.0, float(seconds))
        self.fade = min(float(fade), self.seconds / 2)

    def at(self, now: float) -> tuple[Caption | None, float]:
        if not self.captions:
            return None, 0.0
        slot, into = divmod(max(0.0, now), self.seconds)
        caption = self.captions[int(slot) % len(self.captions)]
        edge = min(into, self.seconds - into)
        alpha = 1.0 if self.fade <= 0 else min(1.0, edge / self.fade)
        return caption, alpha
