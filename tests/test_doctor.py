"""``installation doctor``: one line per check, OK / WARN / FAIL with what to do; non-zero on FAIL."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from installation.cli import main
from installation.display import text as interface_text
from installation.modes.kiosk.files import InstanceLock, lock_path

LINE = re.compile(r"^(OK|WARN|FAIL) {1,3} [a-z]+: .+")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "run").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    return tmp_path


@pytest.fixture
def silent_port() -> Iterator[str]:
    """A serial device with nothing on the other end: a pty whose master never answers."""
    master, slave = os.openpty()
    try:
        yield os.ttyname(slave)
    finally:
        os.close(slave)
        os.close(master)


def write_config(
    home: Path, *, port: str = "none", model: str = "", source: str = "pattern:bars?size=320x180"
) -> Path:
    path = home / "monitoring.toml"
    path.write_text(
        f'[[cameras]]\nname = "Door"\nsource = "{source}"\n\n'
        f'[detection]\nshort_range_model = "{model}"\n\n'
        f'[hardware]\nport = "{port}"\n\n[kiosk]\npin = "2580"\n',
        encoding="utf-8",
    )
    return path


def doctor(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = main(["doctor", "--timeout", "0.5", *args])
    lines = capsys.readouterr().out.splitlines()
    assert all(LINE.match(line) for line in lines[:-1]), lines
    return code, lines


def lines_of(lines: list[str], status: str, topic: str) -> list[str]:
    return [line for line in lines if line.startswith(f"{status} ") and f" {topic}: " in line]


def test_a_missing_model_file_fails_and_the_exit_is_non_zero(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(home, model="models/missing.tflite")
    code, lines = doctor(capsys, "--config", str(config))
    assert code == 1
    (model,) = lines_of(lines, "FAIL", "model")
    assert str(home / "models" / "missing.tflite") in model and "detection.short_range_model" in model
    (bad,) = lines_of(lines, "FAIL", "config")
    assert "detection.short_range_model: no such file 'models/missing.tflite' (line 6)" in bad
    # the rest is still checked
    assert lines_of(lines, "OK", "camera") and lines_of(lines, "OK", "fonts")
    assert lines[-1].startswith("2 failed, ")


def test_a_port_that_does_not_answer_is_a_warning(
    home: Path, capsys: pytest.CaptureFixture[str], silent_port: str
) -> None:
    code, lines = doctor(capsys, "--config", str(write_config(home, port=silent_port)))
    (panel,) = lines_of(lines, "WARN", "panel")
    assert panel.startswith(f"WARN  panel: {silent_port} does not answer the handshake")
    assert "make -C hardware upload" in panel
    assert not [line for line in lines if line.startswith("FAIL")], lines
    assert code == 0


def test_a_port_that_answers_is_ok_with_its_firmware(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, lines = doctor(capsys, "--config", str(write_config(home, port="mock")))
    (panel,) = lines_of(lines, "OK", "panel")
    assert "mock answers: firmware mock" in panel


def test_cameras_report_resolution_and_rate_and_one_that_does_not_open_fails(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = doctor(capsys, "--config", str(write_config(home)))
    (camera,) = lines_of(lines, "OK", "camera")
    assert camera == "OK    camera: Door (pattern:bars?size=320x180): 320x180 at 30 fps"
    code, lines = doctor(capsys, "--config", str(write_config(home, source="/dev/video99")))
    (camera,) = lines_of(lines, "FAIL", "camera")
    assert "Door (/dev/video99) does not open" in camera and code == 1


def test_a_camera_that_does_not_open_is_followed_by_the_cameras_found_or_a_line_saying_none(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from installation import doctor as doctor_module

    monkeypatch.setattr(doctor_module, "_device_indices", lambda: [])  # a machine with no camera at all
    _, lines = doctor(capsys, "--config", str(write_config(home, source="/dev/video99")))
    cameras = [line for line in lines if " camera: " in line]
    assert cameras[0].startswith("FAIL  camera: Door (/dev/video99) does not open")
    assert "the lines below list the cameras found" in cameras[0]
    assert cameras[1:] == [
        "WARN  camera: no other camera found (no /dev/video* devices); plug in a USB camera; "
        "`installation demo` runs on recorded footage without one"
    ]


def test_without_a_display_it_warns_and_says_what_to_do(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, lines = doctor(capsys, "--config", str(write_config(home)))
    (display,) = lines_of(lines, "WARN", "display")
    assert "DISPLAY and WAYLAND_DISPLAY are not set" in display and "; run the kiosk" in display


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kiosk uses xset on Linux only")
def test_xset_is_checked_with_what_it_is_for_and_where_it_comes_from(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kiosk keeps an X display awake with xset; a machine without it blanks after a few minutes."""
    monkeypatch.setenv("PATH", str(home / "bin"))
    _, lines = doctor(capsys, "--config", str(write_config(home)))
    (missing,) = lines_of(lines, "WARN", "blanking")
    assert missing.startswith("WARN  blanking: xset not found: the kiosk cannot stop the X display from")
    assert "apt install x11-xserver-utils" in missing
    xset = home / "bin" / "xset"
    xset.parent.mkdir()
    xset.write_text("#!/bin/sh\n", encoding="utf-8")
    xset.chmod(0o755)
    _, lines = doctor(capsys, "--config", str(write_config(home)))
    (found,) = lines_of(lines, "OK", "blanking")
    assert found == (
        f"OK    blanking: {xset}: the kiosk turns screen blanking and power saving off while it runs"
    )


def test_a_caption_language_without_glyphs_fails(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    strings = dict(interface_text.STRINGS)
    strings["test.rare"] = {"en": "rare", "zh": "龘"}  # not in the shipped subset
    monkeypatch.setattr(interface_text, "STRINGS", strings)
    code, lines = doctor(capsys, "--config", str(write_config(home)))
    (fonts,) = lines_of(lines, "FAIL", "fonts")
    assert fonts.startswith("FAIL  fonts: zh: no glyph for '龘'") and "make_subset.py" in fonts
    assert lines_of(lines, "OK", "fonts")[0].startswith("OK    fonts: en:")
    assert code == 1


def test_a_gallery_caption_the_fonts_cannot_draw_fails_and_names_its_key(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (home / "ours.toml").write_text('[[caption]]\nen = "Watched."\nzh = "龘。"\n', encoding="utf-8")
    config = write_config(home)
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[room]\ncaptions_file = "ours.toml"\n', encoding="utf-8"
    )
    code, lines = doctor(capsys, "--config", str(config))
    (fonts,) = lines_of(lines, "FAIL", "fonts")
    assert fonts.startswith("FAIL  fonts: zh: no glyph for '龘'") and "room.captions_file" in fonts
    assert code == 1


def test_with_a_kiosk_running_its_cameras_are_left_alone(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with InstanceLock(lock_path()):
        _, lines = doctor(capsys, "--config", str(write_config(home)))
    (kiosk,) = lines_of(lines, "WARN", "kiosk")
    assert f"running (pid {os.getpid()}), but no heartbeat" in kiosk
    (camera,) = lines_of(lines, "WARN", "camera")
    assert "not probed: a kiosk is running" in camera


def test_no_config_at_all_is_a_warning_not_a_failure(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = doctor(capsys)
    (config,) = lines_of(lines, "WARN", "config")
    assert "installation config init" in config
    assert code == 0, lines


def test_the_audits_mtcnn_weights_are_checked_by_their_hash(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from installation.detect import mtcnn

    config = str(write_config(home))
    _, lines = doctor(capsys, "--config", config)
    (shipped,) = lines_of(lines, "OK", "audit")
    assert f"MTCNN face models in {mtcnn.weights_dir()}: sha256 pnet 07a69013008e612c" in shipped

    damaged = home / "weights"
    damaged.mkdir()
    for file in mtcnn.MTCNN_FILES.values():
        (damaged / file).write_bytes((mtcnn.weights_dir() / file).read_bytes())
    onet = damaged / mtcnn.MTCNN_FILES["onet"]
    data = bytearray(onet.read_bytes())
    data[2000] ^= 0xFF
    onet.write_bytes(bytes(data))
    monkeypatch.setattr(mtcnn, "weights_dir", lambda: damaged)
    code, lines = doctor(capsys, "--config", config)
    (bad,) = lines_of(lines, "FAIL", "audit")
    assert f"{onet}: sha256 mismatch: expected {mtcnn.MTCNN_SHA256['onet']}, got " in bad
    assert "reinstall monitoring-room" in bad and code == 1


def test_the_shipped_yunet_weights_are_checked_by_their_hash(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from installation.detect import models

    config = str(write_config(home))
    _, lines = doctor(capsys, "--config", config)
    (shipped,) = [line for line in lines_of(lines, "OK", "model") if "YuNet" in line]
    assert str(models.weights_dir() / models.YUNET_FILE) in shipped and "sha256 8f2383e4dd3cfbb4" in shipped

    damaged = home / "weights"
    damaged.mkdir()
    data = bytearray((models.weights_dir() / models.YUNET_FILE).read_bytes())
    data[1000] ^= 0xFF
    (damaged / models.YUNET_FILE).write_bytes(bytes(data))
    monkeypatch.setattr(models, "weights_dir", lambda: damaged)
    code, lines = doctor(capsys, "--config", config)
    (bad,) = lines_of(lines, "FAIL", "model")
    assert f"{damaged / models.YUNET_FILE}: sha256 mismatch: expected {models.YUNET_SHA256}, got " in bad
    assert "reinstall monitoring-room" in bad and code == 1
