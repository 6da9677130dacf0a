"""Autostart: a systemd user unit or an XDG autostart entry, never both; --uninstall removes either.

A fake ``systemctl`` on PATH records its arguments; the real user's systemd is never touched.
"""

from __future__ import annotations

import configparser
import os
import shlex
import sys
import textwrap
from pathlib import Path

import pytest

from installation import autostart
from installation.cli import main

UNIT = "monitoring-room.service"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path


def fake_systemctl(home: Path, monkeypatch: pytest.MonkeyPatch, *, fails: bool = False) -> Path:
    """Puts a ``systemctl`` first on PATH that appends its arguments to a file (and fails if asked)."""
    calls = home / "systemctl-calls"
    script = home / "bin" / "systemctl"
    script.parent.mkdir(exist_ok=True)
    failure = 'echo "Failed to connect to bus: No medium found" >&2; exit 1' if fails else "exit 0"
    script.write_text(
        textwrap.dedent(f"""\
        #!/bin/sh
        echo "$@" >> {calls}
        {failure}
    """)
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}{os.environ['PATH']}")
    return calls


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment, method-assign]
    parser.read_string(path.read_text())
    return parser


def write_config(home: Path) -> Path:
    path = home / "gallery room" / "monitoring.toml"
    path.parent.mkdir()
    path.write_text('[[cameras]]\nsource = "pattern:bars"\n')
    return path


def test_install_writes_and_enables_a_unit_that_restarts_but_not_on_a_config_error(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = fake_systemctl(home, monkeypatch)
    config = write_config(home)
    assert main(["kiosk", "--install", "--config", str(config)]) == 0
    unit = home / "config" / "systemd" / "user" / UNIT
    service = _unit(unit)
    assert service["Service"]["Restart"] == "on-failure"
    assert service["Service"]["RestartPreventExitStatus"] == "3"
    assert service["Install"]["WantedBy"] == "graphical-session.target"
    command = shlex.split(service["Service"]["ExecStart"])
    assert command == [sys.executable, "-m", "installation", "kiosk", "--config", str(config)]
    assert calls.read_text().splitlines() == ["--user daemon-reload", f"--user enable {UNIT}"]
    assert not (home / "config" / "autostart" / "monitoring-room.desktop").exists()
    assert f"systemctl --user start {UNIT}" in capsys.readouterr().out


def test_xdg_replaces_the_unit_and_the_unit_replaces_xdg(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = fake_systemctl(home, monkeypatch)
    unit = autostart.unit_path()
    desktop = autostart.desktop_path()
    autostart.install(autostart.SYSTEMD)
    assert unit.exists() and not desktop.exists()

    calls.unlink()
    autostart.install(autostart.XDG)
    assert desktop.exists() and not unit.exists()
    assert calls.read_text().splitlines() == [f"--user disable --now {UNIT}", "--user daemon-reload"]
    entry = configparser.ConfigParser(interpolation=None)
    entry.read_string(desktop.read_text())
    assert entry["Desktop Entry"]["Type"] == "Application"
    assert shlex.split(entry["Desktop Entry"]["Exec"])[-2:] == ["kiosk", "--supervise"]

    autostart.install(autostart.SYSTEMD)
    assert unit.exists() and not desktop.exists()
    assert autostart.installed() == [autostart.SYSTEMD]


def test_the_autostart_entry_quotes_a_config_path_with_spaces(home: Path) -> None:
    config = write_config(home)
    autostart.install(autostart.XDG, config=config)
    line = next(x for x in autostart.desktop_path().read_text().splitlines() if x.startswith("Exec="))
    assert shlex.split(line[5:])[-2:] == ["--config", str(config)]
    assert f'"{config}"' in line


def test_uninstall_removes_what_was_installed(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = fake_systemctl(home, monkeypatch)
    autostart.install(autostart.SYSTEMD)
    calls.unlink()
    assert main(["kiosk", "--uninstall"]) == 0
    assert not autostart.unit_path().exists() and autostart.installed() == []
    assert calls.read_text().splitlines() == [f"--user disable --now {UNIT}", "--user daemon-reload"]
    capsys.readouterr()
    assert main(["kiosk", "--uninstall"]) == 0
    assert "nothing to remove" in capsys.readouterr().out

    autostart.install(autostart.XDG)
    assert main(["kiosk", "--uninstall"]) == 0
    assert not autostart.desktop_path().exists()


def test_without_a_systemd_user_session_install_fails_clearly_and_leaves_nothing(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_systemctl(home, monkeypatch, fails=True)
    assert main(["kiosk", "--install"]) == 1
    err = capsys.readouterr().err
    assert "Failed to connect to bus" in err and "--install --xdg" in err
    assert autostart.installed() == []


def test_a_config_with_an_error_is_not_installed(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = fake_systemctl(home, monkeypatch)
    config = home / "bad.toml"
    config.write_text('[[cameras]]\nsource = "hall.mp4"\n')
    assert main(["kiosk", "--install", "--config", str(config)]) == 3
    assert "cameras[0].source: no such file 'hall.mp4'" in capsys.readouterr().err
    assert autostart.installed() == [] and not calls.exists()


def test_install_uses_the_default_config_when_there_is_one(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_systemctl(home, monkeypatch)
    assert main(["config", "init"]) == 0
    assert main(["kiosk", "--install"]) == 0
    command = shlex.split(_unit(autostart.unit_path())["Service"]["ExecStart"])
    assert command[-2:] == ["--config", str(home / "config" / "monitoring-room" / "monitoring.toml")]
