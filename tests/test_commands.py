"""The subcommands that open the room (installation/commands/): they parse, run headless, and mean the
same by the screen options everywhere."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"

import argparse
from pathlib import Path

import pytest

from installation.commands import demo, run
from installation.errors import InstallationError, UsageError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="installation")
    subparsers = parser.add_subparsers(dest="command")
    run.register(subparsers)
    demo.register(subparsers)
    return parser


def test_the_commands_parse_and_run_headless(tmp_path: Path) -> None:
    parser = _parser()
    shot = tmp_path / "demo.png"
    args = parser.parse_args(
        ["demo", "--headless", "--frames", "5", "--size", "640x360", "--screenshot", str(shot)]
    )
    assert args.func(args) == 0
    assert shot.stat().st_size > 5_000
    bad = parser.parse_args(["demo", "--headless", "--size", "huge"])
    with pytest.raises(UsageError, match="--size"):
        bad.func(bad)
    run = parser.parse_args(["run", "--config", str(tmp_path / "missing.toml"), "--headless"])
    with pytest.raises(InstallationError, match="missing.toml"):
        run.func(run)


class _ScreenOpened(Exception):
    """Stops a command where it opens its screen."""


@pytest.mark.parametrize(("command", "default_window"), [("demo", False), ("run", False), ("workshop", True)])
def test_window_and_fullscreen_mean_the_same_on_every_command_that_opens_the_room(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str, default_window: bool
) -> None:
    from installation.cli import main
    from installation.display import screen

    monkeypatch.setenv("MONITORING_ROOM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    asked: list[bool] = []

    def open_screen(*, window: bool, **_kwargs: object) -> None:
        asked.append(window)
        raise _ScreenOpened

    monkeypatch.setattr(screen, "open_screen", open_screen)
    for flags in (["--window"], ["--fullscreen"], []):
        with pytest.raises(_ScreenOpened):
            main([command, *flags])
    assert asked == [True, False, default_window]


def test_run_opens_the_cameras_of_a_config_file(tmp_path: Path) -> None:
    config = tmp_path / "room.toml"
    config.write_text(
        '[[cameras]]\nname = "Bars"\nsource = "pattern:bars?size=320x240"\n'
        '[[cameras]]\nname = "Noise"\nsource = "pattern:noise?size=320x240"\n'
        '[display]\nlayout = "grid"\n',
        encoding="utf-8",
    )
    parser = _parser()
    shot = tmp_path / "run.png"
    args = parser.parse_args(
        [
            "run",
            "--config",
            str(config),
            "--headless",
            "--frames",
            "40",
            "--size",
            "640x360",
            "--screenshot",
            str(shot),
        ]
    )
    assert args.func(args) == 0
    assert shot.stat().st_size > 5_000
