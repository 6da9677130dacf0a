"""Configuration: typed, validated, and every error names file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from installation.config import load_config, parse_config
from installation.effects import Effect, MaskShape
from installation.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "monitoring.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_full_file_loads_into_typed_values(tmp_path: Path) -> None:
    (tmp_path / "hall.mp4").write_bytes(b"")
    path = write(tmp_path, """
[effect]
kind = "pixelate"
strength = 0.8
mask = "box"
mask_scale = 1.5
allow_exposed = false

[tracking]
hold_seconds = 1.5

[[cameras]]
name = "Entrance"
source = "camera:0?size=1280x720&fps=30"
range = "short"
threshold = 0.6
mirror = true

[[cameras]]
name = "Hall"
source = "hall.mp4"
range = "full"
small_faces = true
rotate = 180
""")
    cfg = load_config(path)
    assert cfg.path == path.resolve()
    assert cfg.effect.kind is Effect.PIXELATE and cfg.effect.mask is MaskShape.BOX
    assert cfg.effect.allow_exposed is False
    assert cfg.tracking.hold_seconds == 1.5
    entrance, hall = cfg.cameras
    assert entrance.mirror and entrance.threshold == 0.6
    # Relative paths resolve against the config file's folder, not the working directory.
    assert hall.source == str(tmp_path / "hall.mp4")
    assert hall.rotate == 180 and hall.small_faces


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[cameras]]\nsource = "nope.mp4"\n', "cameras[0].source: no such file 'nope.mp4'"),
        ('[[cameras]]\nsource = "pattern:bars"\nrange = "far"\n', "cameras[0].range: expected one of 'short', 'full'"),
        ('[[cameras]]\nsource = "pattern:bars"\ndetector = "yunet+retina"\n',
         "cameras[0].detector: detector 'yunet+retina': unknown name 'retina' (choose from yunet, yunet-full, "
         "yunet-half, blazeface-short, blazeface-full, joined by +) (line 3)"),
        ('[[cameras]]\nsource = "pattern:bars"\n[detection]\nyunet_model = "own.onnx"\n',
         "detection.yunet_model: no such file 'own.onnx'"),
        ('[[cameras]]\nsource = "camera:0?size=big"\n', "cameras[0].source: camera:0?size=big: "),
        ('[[cameras]]\nsource = "pattern:bars"\nthreshold = 2\n', "cameras[0].threshold: expected a value from"),
        ('[[cameras]]\nsource = "pattern:bars"\nmirror = "yes"\n', "cameras[0].mirror: expected true or false"),
        ('[[cameras]]\nsource = "pattern:bars"\nsorce = "x"\n', "cameras[0].sorce: unknown key"),
        ('[effect]\nkind = "smudge"\n[[cameras]]\nsource = "pattern:bars"\n', "effect.kind: expected one of"),
        ('colour = 1\n[[cameras]]\nsource = "pattern:bars"\n', "colour: unknown key"),
        ("[effect]\n", "cameras: expected at least one"),
        ('[[cameras]]\nname = "A"\nsource = "pattern:bars"\n[[cameras]]\nname = "A"\nsource = "pattern:bars"\n',
         "cameras[1].name: duplicate camera name 'A'"),
        ('[effect]\nkind = "exposed"\nallow_exposed = false\n[[cameras]]\nsource = "pattern:bars"\n',
         "effect.kind: 'exposed' is not allowed"),
        ('[[cameras]]\nsource = "pattern:bars"\n[display]\nsize = "big"\n', "display.size: expected"),
        ('[[cameras]]\nsource = "pattern:bars"\n[detection]\nshort_range_model = "x.tflite"\n',
         "detection.short_range_model: no such file 'x.tflite'"),
    ],
)
def test_errors_name_file_key_and_expectation(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    text = str(info.value)
    assert text.startswith(str(path) + ": "), text
    assert message in text
    assert "\n" not in text


def test_syntax_error_reports_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[[cameras]]\nsource = "pattern:bars"\nname = \n')
    with pytest.raises(ConfigError, match=r"monitoring.toml: not valid TOML: .*line 3"):
        load_config(path)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "absent.toml")


def test_unnamed_cameras_are_numbered() -> None:
    cfg = parse_config('[[cameras]]\nsource = "pattern:bars"\n[[cameras]]\nsource = "camera:1"\n')
    assert [c.name for c in cfg.cameras] == ["Camera 1", "Camera 2"]


def test_config_error_is_also_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_config("[[cameras]]\n")


def test_each_camera_names_its_detector_and_the_room_default_is_used_otherwise() -> None:
    from installation.detect import ROOM_DETECTOR

    config = parse_config(
        '[[cameras]]\nsource = "pattern:bars"\n'
        '[[cameras]]\nsource = "pattern:bars"\ndetector = " YuNet-Half + full "\n', "a.toml"
    )
    assert [c.detector for c in config.cameras] == [ROOM_DETECTOR, "yunet-half+blazeface-full"]


@pytest.mark.parametrize(
    ("keys", "detector", "warning"),
    [
        ('range = "full"\n', "blazeface-full", "range = 'full' is the older key; write detector = 'blazeface-full' instead"),
        ('range = "short"\ndetector = "yunet"\n', "yunet", "range = 'short' is ignored: detector = 'yunet' is set (range is the older key)"),
    ],
)
def test_the_older_range_key_still_works_and_says_once_what_to_write(
    keys: str, detector: str, warning: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING", logger="installation.config"):
        config = parse_config(f'[[cameras]]\nname = "Door"\nsource = "pattern:bars"\n{keys}', "a.toml")
    assert config.cameras[0].detector == detector
    assert [r.getMessage() for r in caplog.records] == [f"cameras[0] (Door): {warning}"]
