"""The interface's words (installation/display/text.py)."""

from __future__ import annotations

from installation.display.text import STRINGS


def test_every_interface_string_exists_in_english_and_chinese() -> None:
    for key, entry in STRINGS.items():
        assert entry.get("en") and entry.get("zh"), key
