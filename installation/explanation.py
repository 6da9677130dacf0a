"""The room's languages, and the workshop's texts: its explanation panel and its screen's labels.

Every text visitors read comes in each of :data:`LANGUAGES`. The workshop's
texts ship in ``explain.toml`` (found through ``installation.resources``);
``[room] explain_file`` names a gallery's own, read by :func:`load_explanation`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from installation.errors import ConfigError
from installation.resources import explain_file

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from PyPI
    import tomli as tomllib

#: The languages visitors can switch between: English and Simplified Chinese. The config's
#: ``[room] language`` and ``languages``, the controls and every bilingual text use these.
LANGUAGES = ("en", "zh")


@dataclass(frozen=True)
class Section:
    """One card of the explanation panel: a title and a few lines, per language."""

    key: str
    title: dict[str, str]
    body: dict[str, str]


@dataclass(frozen=True)
class Explanation:
    """The explanation panel's cards and the workshop screen's labels."""

    sections: tuple[Section, ...]
    labels: dict[str, dict[str, str]]

    def label(self, key: str, language: str, **values: object) -> str:
        """Label ``key`` in ``language`` (English when missing), with ``{n}`` etc. filled in.

        >>> load_explanation().label("model_size", "zh", w=128, h=128)
        '128 × 128 像素'
        """
        entry = self.labels[key]
        s = entry.get(language) or entry["en"]
        return s.format(**values) if values else s

    def strings(self) -> list[str]:
        """Every text in every language (for the font subset and its test)."""
        out = [s for entry in self.labels.values() for s in entry.values()]
        for section in self.sections:
            out += list(section.title.values()) + list(section.body.values())
        return out


def load_explanation(path: str | Path | None = None) -> Explanation:
    """Read the workshop's texts: the shipped ones without ``path`` (or with an empty one), else a
    gallery's own (``[room] explain_file``). Anything missing is a ``ConfigError`` naming the file
    and the entry.

    >>> [s.key for s in load_explanation().sections]
    ['how', 'fail', 'keeps']
    """
    path = Path(path) if path else explain_file()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the workshop texts: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None

    def both(value: object, where: str) -> dict[str, str]:
        if not isinstance(value, dict) or not all(
            isinstance(value.get(lang), str) and value[lang].strip() for lang in LANGUAGES
        ):
            raise ConfigError(f"{path}: {where}: needs both an 'en' and a 'zh' text")
        return {lang: value[lang].strip() for lang in LANGUAGES}

    sections = []
    for i, entry in enumerate(data.get("section", [])):
        where = f"section[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
            raise ConfigError(f"{path}: {where}: needs a 'key'")
        title = {lang: entry.get(lang, {}).get("title") for lang in LANGUAGES}
        body = {lang: entry.get(lang, {}).get("body") for lang in LANGUAGES}
        sections.append(Section(entry["key"], both(title, f"{where}.title"), both(body, f"{where}.body")))
    if not sections:
        raise ConfigError(f"{path}: no [[section]] for the explanation panel")
    labels_doc = data.get("labels", {})
    labels = {key: both(value, f"labels.{key}") for key, value in labels_doc.items()}
    needed = {
        "workshop",
        "model_title",
        "model_size",
        "model_windows",
        "model_mirrored",
        "model_tiles",
        "model_found",
        "threshold",
        "challenge_title",
        "challenge_hint",
        "challenge_waiting",
        "challenge_seen",
        "challenge_unseen",
        "challenge_last",
        "challenge_best",
        "recording",
    }
    missing = sorted(needed - set(labels))
    if missing:
        raise ConfigError(f"{path}: labels.{missing[0]}: missing")
    return Explanation(tuple(sections), labels)
