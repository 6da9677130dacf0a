"""The captions (installation/display/captions.py): every number sourced, a slow rotation with fades."""

from __future__ import annotations

from pathlib import Path

import pytest

from installation.display.captions import Caption, CaptionRotator, load_captions
from installation.errors import ConfigError


def test_every_number_in_a_caption_is_stated_by_its_source() -> None:
    captions = load_captions()
    assert len(captions) >= 10
    for caption in captions:
        for number in caption.numbers():
            assert number in caption.source, (caption.en, number)


def test_a_caption_with_an_unsourced_number_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "captions.toml"
    path.write_text(
        '[[caption]]\nen = "In 2031 nothing happened."\nzh = "2031年什么也没发生。"\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=r"captions.toml: caption\[0\]: the number\(s\) 2031"):
        load_captions(path)


def test_captions_rotate_slowly_and_fade_between() -> None:
    r = CaptionRotator([Caption("one", "一"), Caption("two", "二")], seconds=12, fade=1.2)
    assert r.at(6.0) == (Caption("one", "一"), 1.0)
    assert r.at(18.0)[0] == Caption("two", "二")
    assert r.at(24.0 + 6.0)[0] == Caption("one", "一")  # and round again
    assert 0.0 < r.at(11.7)[1] < 0.5
