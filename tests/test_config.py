"""Configuration: typed, validated, and every error names file and key."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest

from installation.config import Config, load_config, parse_config
from installation.effects import Effect, MaskShape
from installation.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "monitoring.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_full_file_loads_into_typed_values(tmp_path: Path) -> None:
    (tmp_path / "hall.mp4").write_bytes(b"")
    path = write(
        tmp_path,
        """
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
""",
    )
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
        (
            '[[cameras]]\nsource = "pattern:bars"\nrange = "far"\n',
            "cameras[0].range: expected one of 'short', 'full'",
        ),
        (
            '[[cameras]]\nsource = "pattern:bars"\ndetector = "yunet+retina"\n',
            "cameras[0].detector: detector 'yunet+retina': unknown name 'retina' "
            "(choose from yunet, yunet-full, yunet-half, blazeface-short, blazeface-full, joined by +) "
            "(line 3)",
        ),
        (
            '[[cameras]]\nsource = "pattern:bars"\n[detection]\nyunet_model = "own.onnx"\n',
            "detection.yunet_model: no such file 'own.onnx'",
        ),
        ('[[cameras]]\nsource = "camera:0?size=big"\n', "cameras[0].source: camera:0?size=big: "),
        (
            '[[cameras]]\nsource = "pattern:bars"\nthreshold = 2\n',
            "cameras[0].threshold: expected a value from",
        ),
        (
            '[[cameras]]\nsource = "pattern:bars"\nmirror = "yes"\n',
            "cameras[0].mirror: expected true or false",
        ),
        ('[[cameras]]\nsource = "pattern:bars"\nsorce = "x"\n', "cameras[0].sorce: unknown key"),
        ('[effect]\nkind = "smudge"\n[[cameras]]\nsource = "pattern:bars"\n', "effect.kind: expected one of"),
        ('colour = 1\n[[cameras]]\nsource = "pattern:bars"\n', "colour: unknown key"),
        ("[effect]\n", "cameras: expected at least one"),
        (
            '[[cameras]]\nname = "A"\nsource = "pattern:bars"\n'
            '[[cameras]]\nname = "A"\nsource = "pattern:bars"\n',
            "cameras[1].name: duplicate camera name 'A'",
        ),
        (
            '[effect]\nkind = "exposed"\nallow_exposed = false\n[[cameras]]\nsource = "pattern:bars"\n',
            "effect.kind: 'exposed' is not allowed",
        ),
        ('[[cameras]]\nsource = "pattern:bars"\n[display]\nsize = "big"\n', "display.size: expected"),
        (
            '[[cameras]]\nsource = "pattern:bars"\n[detection]\nshort_range_model = "x.tflite"\n',
            "detection.short_range_model: no such file 'x.tflite'",
        ),
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
        '[[cameras]]\nsource = "pattern:bars"\ndetector = " YuNet-Half + full "\n',
        "a.toml",
    )
    assert [c.detector for c in config.cameras] == [ROOM_DETECTOR, "yunet-half+blazeface-full"]


@pytest.mark.parametrize(
    ("keys", "detector", "warning"),
    [
        (
            'range = "full"\n',
            "blazeface-full",
            "range = 'full' is the older key; write detector = 'blazeface-full' instead",
        ),
        (
            'range = "short"\ndetector = "yunet"\n',
            "yunet",
            "range = 'short' is ignored: detector = 'yunet' is set (range is the older key)",
        ),
    ],
)
def test_the_older_range_key_still_works_and_says_once_what_to_write(
    keys: str, detector: str, warning: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING", logger="installation.config"):
        config = parse_config(f'[[cameras]]\nname = "Door"\nsource = "pattern:bars"\n{keys}', "a.toml")
    assert config.cameras[0].detector == detector
    assert [r.getMessage() for r in caplog.records] == [f"cameras[0] (Door): {warning}"]


# -- every configuration problem is a configuration error --------------------------------------------------

CAMERA = '[[cameras]]\nname = "Door"\nsource = "pattern:bars"\n'


def _refused(tmp_path: Path, text: str) -> str:
    """The one-line error loading ``text`` gives (it must be a ConfigError)."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "\n" not in message, message
    return message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (CAMERA + "threshold = nan\n", "cameras[0].threshold: expected a number, got nan (line 4)"),
        (CAMERA + "threshold = -nan\n", "cameras[0].threshold: expected a number, got nan (line 4)"),
        (
            "[tracking]\nhold_seconds = inf\n" + CAMERA,
            "tracking.hold_seconds: expected a number, got inf (line 2)",
        ),
        ("[effect]\nstrength = -inf\n" + CAMERA, "effect.strength: expected a number, got -inf (line 2)"),
        (
            "[room]\nidle_seconds = 1" + "0" * 400 + "\n" + CAMERA,
            "room.idle_seconds: expected a number, got 1000000000",
        ),
    ],
)
def test_numbers_that_are_not_numbers_are_refused(tmp_path: Path, text: str, message: str) -> None:
    assert message in _refused(tmp_path, text)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("A\\u0000B", "'\\x00'"),
        ("A\\nB", "'\\n'"),
        ("Door\\t1", "'\\t'"),
        ("\\u001b[31mDoor", "'\\x1b'"),
        ("Door\\u2028Hall", "'\\u2028'"),
    ],
)
def test_control_characters_in_a_setting_are_refused(tmp_path: Path, value: str, shown: str) -> None:
    message = _refused(tmp_path, f'[[cameras]]\nname = "{value}"\nsource = "pattern:bars"\n')
    assert f"cameras[0].name: control character {shown} at position" in message
    assert message.endswith("(line 2)")
    message = _refused(tmp_path, f'{CAMERA}[hours]\nmonday = "{value}"\n')
    assert f"hours.monday: control character {shown}" in message


@pytest.mark.parametrize(
    "source",
    [
        "camera:0x",
        "camera:²",
        "camera:٣",
        "camera:99999999999999999999",
        "pattern:bars?frames=²",
        "pattern:bars?size=３２０x240",
        "camera:0?fps=３０",
        "camera:0?fps=1e3",
        "camera:0?fps=nan",
        "/dev/video0?size=640x480\\u0000",
        "camera:0?fourcc=MJ\\u0001G",
    ],
)
def test_a_number_inside_a_source_string_takes_only_digits(tmp_path: Path, source: str) -> None:
    message = _refused(tmp_path, f'[[cameras]]\nname = "Door"\nsource = "{source}"\n')
    assert "cameras[0].source: " in message and message.endswith("(line 3)")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[cameras]]\nsource = "pattern:bars?size=16384x16384"\n',
            "size '16384x16384' is outside 16x16 .. 7680x7680",
        ),
        ('[[cameras]]\nsource = "camera:0?size=1x1"\n', "size '1x1' is outside 16x16 .. 7680x7680"),
        (
            CAMERA + '[display]\nsize = "99999x99999"\n',
            "display.size: '99999x99999' is outside 64x64 .. 7680x7680",
        ),
        (CAMERA + '[display]\nsize = "10x10"\n', "display.size: '10x10' is outside"),
        (CAMERA + '[display]\nsize = "1280x720\\n"\n', "display.size: control character"),
        (
            '[[cameras]]\nsource = "pattern:bars"\nname = "' + "Door " * 20 + '"\n',
            "cameras[0].name: 100 characters, expected at most 60",
        ),
        ('[[cameras]]\nsource = "' + "a/" * 3000 + 'x.mp4"\n', "cameras[0].source: 6005 characters"),
    ],
)
def test_absurd_sizes_are_refused(tmp_path: Path, text: str, message: str) -> None:
    assert message in _refused(tmp_path, text)


@pytest.mark.parametrize("port", ["foo://bar", "serial:", "ttyACM0", "arduino", "COM"])
def test_a_port_string_no_backend_understands_is_refused(tmp_path: Path, port: str) -> None:
    message = _refused(tmp_path, f'{CAMERA}[hardware]\nport = "{port}"\n')
    assert f"hardware.port: panel port {port!r}: " in message and message.endswith("(line 5)")


@pytest.mark.parametrize(
    "port", ["auto", "AUTO", "none", "off", "mock", "/dev/ttyACM0", "COM3", "loop://", "serial:7573"]
)
def test_every_port_string_a_backend_understands_is_accepted(tmp_path: Path, port: str) -> None:
    assert load_config(write(tmp_path, f'{CAMERA}[hardware]\nport = "{port}"\n')).hardware.port == port


@pytest.mark.parametrize(
    ("key", "file", "says"),
    [
        ("yunet_model", "notes.onnx", "cannot load it as a YuNet .onnx"),
        ("full_range_model", "notes.tflite", "not a TensorFlow Lite model"),
        ("short_range_model", "yunet.tflite", "not a TensorFlow Lite model"),  # a model, but not this kind
    ],
)
def test_a_model_path_that_is_not_a_model_is_refused(tmp_path: Path, key: str, file: str, says: str) -> None:
    from installation.detect import resolve_yunet

    if file == "yunet.tflite":
        (tmp_path / file).write_bytes(resolve_yunet().read_bytes())
    else:
        (tmp_path / file).write_text("these are my notes, not a face model\n")
    message = _refused(tmp_path, f'{CAMERA}[detection]\n{key} = "{file}"\n')
    assert f"detection.{key}: " in message and says in message and message.endswith("(line 5)")


@pytest.mark.parametrize("pin", ["1234\\n", " 1234", "1234 ", "12 34", "１２３４", "٣٣٣٣", "12a4"])
def test_a_pin_that_cannot_be_typed_on_the_keypad_is_refused(tmp_path: Path, pin: str) -> None:
    message = _refused(tmp_path, f'{CAMERA}[kiosk]\npin = "{pin}"\n')
    assert "kiosk.pin: " in message and message.endswith("(line 5)")


def test_a_config_that_is_a_pipe_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "monitoring.toml"
    os.mkfifo(fifo)
    outcome: list[BaseException | object] = []

    def load() -> None:
        try:
            outcome.append(load_config(fifo))
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)

    reader = threading.Thread(target=load, daemon=True)
    reader.start()
    reader.join(5)
    if reader.is_alive():  # it hangs: let it go before failing
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(5)
    assert len(outcome) == 1 and isinstance(outcome[0], ConfigError), outcome
    assert str(outcome[0]) == f"{fifo}: not a config file but a pipe; give the path of the .toml file"


@pytest.mark.parametrize("kind", ["folder", "device", "too large"])
def test_a_config_that_is_not_a_config_file_is_refused(tmp_path: Path, kind: str) -> None:
    if kind == "folder":
        path, says = tmp_path, "not a config file but a folder"
    elif kind == "device":
        path, says = Path("/dev/zero"), "not a config file but a device"  # endless
    else:
        path = write(tmp_path, CAMERA + "#" * (2 << 20) + "\n")
        says = "larger than 1024 KiB"
    with pytest.raises(ConfigError, match=f"^{re.escape(str(path))}: {says}"):
        load_config(path)


def test_a_config_saved_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    path = tmp_path / "monitoring.toml"
    path.write_bytes(b"\xef\xbb\xbf" + CAMERA.encode())  # as some editors on Windows save it
    assert load_config(path).cameras[0].name == "Door"


@pytest.mark.parametrize(
    "text", ["a = " + "[" * 5000 + "]" * 5000 + "\n", "a = " + "{b = " * 5000 + "1" + "}" * 5000]
)
def test_deeply_nested_input_is_refused(tmp_path: Path, text: str) -> None:
    assert _refused(tmp_path, text).endswith("arrays or tables nested too deeply to be a config")


# -- defaults --------------------------------------------------------------------------------------------


def test_live_cameras_never_show_a_face_unhidden_unless_the_file_allows_it_and_look_for_the_board() -> None:
    config = parse_config(CAMERA, "room.toml")
    assert config.effect.allow_exposed is False
    assert config.hardware.port == "auto"
    with pytest.raises(ConfigError, match=r"effect.kind: 'exposed' is not allowed while"):
        parse_config('[effect]\nkind = "exposed"\n' + CAMERA, "room.toml")
    assert parse_config("[effect]\nallow_exposed = true\n" + CAMERA).effect.allow_exposed is True


def test_the_demo_and_the_workshop_let_visitors_expose_faces_unless_the_file_forbids_it(
    tmp_path: Path,
) -> None:
    from installation.config import demo_config
    from installation.modes.workshop.room import WORKSHOP_DEFAULTS

    assert demo_config().effect.allow_exposed is True
    assert load_config(write(tmp_path, CAMERA), defaults=WORKSHOP_DEFAULTS).effect.allow_exposed is True
    forbidden = write(tmp_path, "[effect]\nallow_exposed = false\n" + CAMERA)
    assert load_config(forbidden, defaults=WORKSHOP_DEFAULTS).effect.allow_exposed is False
    assert load_config(write(tmp_path, CAMERA)).effect.allow_exposed is False  # run and kiosk


# -- one range for each limit ------------------------------------------------------------------------------


def _config_accepts(text: str) -> bool:
    try:
        parse_config(text, "room.toml")
    except ConfigError:
        return False
    return True


def _anonymize_accepts(tmp_path: Path, option: str, value: object) -> bool:
    import argparse

    import cv2
    import numpy as np

    from installation.commands import anonymize
    from installation.errors import UsageError

    clip = tmp_path / "clip.avi"
    if not clip.exists():
        writer = cv2.VideoWriter(str(clip), cv2.VideoWriter.fourcc(*"MJPG"), 10, (64, 48))
        writer.write(np.zeros((48, 64, 3), np.uint8))
        writer.release()
    parser = argparse.ArgumentParser()
    anonymize.register(parser.add_subparsers())
    args = parser.parse_args(["anonymize", str(clip), "-o", str(tmp_path / "out.mp4"), option, str(value)])
    try:
        anonymize._check_args(args)
    except UsageError as exc:
        assert str(exc).startswith(option), exc
        return False
    return True


@pytest.mark.parametrize("value", [0.05, 0.099, 0.1, 0.5, 0.99, 0.995])
def test_one_threshold_range_for_the_config_anonymize_and_the_models(tmp_path: Path, value: float) -> None:
    from installation.detect import MIN_SCORE

    accepted = _config_accepts(CAMERA + f"threshold = {value}\n")
    assert accepted == _anonymize_accepts(tmp_path, "--threshold", value)
    if value < MIN_SCORE:  # the models report nothing weaker: it would silently act as MIN_SCORE
        assert not accepted


@pytest.mark.parametrize("value", [0.05, 0.1, 0.5, 1.0, 1.5, 2.0])
def test_one_input_scale_range_for_the_config_and_the_detector(value: float) -> None:
    from installation.detect import valid_input_scale

    try:
        valid_input_scale(value)
    except ConfigError:
        detector = False
    else:
        detector = True
    assert _config_accepts(CAMERA + f"input_scale = {value}\n") == detector


@pytest.mark.parametrize("value", [0.0, 0.05, 0.1, 5.0, 10.0, 10.5])
def test_one_hold_range_for_the_config_and_anonymize(tmp_path: Path, value: float) -> None:
    assert _config_accepts(f"[tracking]\nhold_seconds = {value}\n" + CAMERA) == _anonymize_accepts(
        tmp_path, "--hold", value
    )


@pytest.mark.parametrize("value", [0, 1, 2, 4, 5, 10, 11])
def test_one_detect_every_range_for_the_config_and_anonymize(tmp_path: Path, value: int) -> None:
    assert _config_accepts(CAMERA + f"detect_every = {value}\n") == _anonymize_accepts(
        tmp_path, "--detect-every", value
    )


_LIMITS = [
    # (the key as set in the file, where its line is, the range in the error, outside, at the edges)
    ("threshold", CAMERA, "0.1 to 0.99", (0.09, 0.995), (0.1, 0.99)),
    ("input_scale", CAMERA, "0.1 to 1.0", (0.09, 1.01, 2.0), (0.1, 1.0)),
    ("detect_every", CAMERA, "1 to 4", (0, 5), (1, 4)),
    ("hold_seconds", "[tracking]\n", "0.1 to 10.0", (0.09, 10.5), (0.1, 10.0)),
]


def _with(key: str, table: str, value: object) -> str:
    return f"{table}{key} = {value}\n" + ("" if table == CAMERA else CAMERA)


def _value(config: Config, key: str) -> object:
    return config.tracking.hold_seconds if key == "hold_seconds" else getattr(config.cameras[0], key)


@pytest.mark.parametrize(("key", "table", "span", "outside", "edges"), _LIMITS, ids=[k[0] for k in _LIMITS])
def test_a_value_past_a_limit_is_refused_naming_file_key_and_range_and_each_edge_is_taken(
    tmp_path: Path, key: str, table: str, span: str, outside: tuple[float, ...], edges: tuple[float, ...]
) -> None:
    where = "cameras[0]" if table == CAMERA else "tracking"
    line = 4 if table == CAMERA else 2
    for value in outside:
        assert _refused(tmp_path, _with(key, table, value)).endswith(
            f"monitoring.toml: {where}.{key}: expected a value from {span}, got {value!r} (line {line})"
        )
    for value in edges:
        assert _value(load_config(write(tmp_path, _with(key, table, value))), key) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[room]\nlanguages = ["en", "fr"]\n' + CAMERA,
            "room.languages[1]: expected one of 'en', 'zh', got 'fr' (line 2)",
        ),
        (
            '[room]\nlanguage = "de"\n' + CAMERA,
            "room.language: expected one of 'en', 'zh', got 'de' (line 2)",
        ),
        (
            CAMERA + 'range = "near"\n',
            "cameras[0].range: expected one of 'short', 'full', got 'near' (line 4)",
        ),
        (
            CAMERA + 'detector = "yunet+retina"\n',
            "cameras[0].detector: detector 'yunet+retina': unknown name 'retina' (choose from yunet, "
            "yunet-full, yunet-half, blazeface-short, blazeface-full, joined by +) (line 4)",
        ),
    ],
)
def test_languages_and_detector_names_are_the_ones_their_stages_know(
    tmp_path: Path, text: str, message: str
) -> None:
    assert _refused(tmp_path, text).endswith(f"monitoring.toml: {message}")


def test_the_room_takes_every_language_and_detector_name_there_is(tmp_path: Path) -> None:
    from installation.detect import DETECTOR_ALIASES, DETECTORS
    from installation.explanation import LANGUAGES

    for name in (*DETECTORS, "+".join(DETECTORS)):
        assert load_config(write(tmp_path, CAMERA + f'detector = "{name}"\n')).cameras[0].detector == name
    for old, name in DETECTOR_ALIASES.items():
        assert load_config(write(tmp_path, CAMERA + f'range = "{old}"\n')).cameras[0].detector == name
    rooms = [f'[room]\nlanguage = "{lang}"\nlanguages = {list(LANGUAGES)!r}\n' for lang in LANGUAGES]
    assert [load_config(write(tmp_path, room + CAMERA)).room.language for room in rooms] == list(LANGUAGES)


@pytest.mark.parametrize(
    "source",
    ["camera:0", "CAMERA:1", "rtmp://10.0.0.7/live", "Pattern:noise", "/dev/video0", "rtsps://cam/s"],
)
def test_a_source_the_sources_stage_names_by_scheme_is_taken_as_such_not_as_a_file(
    tmp_path: Path, source: str
) -> None:
    from installation.sources import parse_spec

    config = load_config(write(tmp_path, f'[[cameras]]\nsource = "{source}"\n'))
    assert config.cameras[0].source == source and parse_spec(source).kind != "path"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("camera:x", "camera:x: expected a camera number like camera:0 (0 to 255)"),
        ("pattern:stripes", "pattern:stripes: unknown pattern 'stripes' (expected bars or noise)"),
        ("gopher://host/clip", "gopher://host/clip: unknown source kind 'gopher:' (expected camera:N, "),
        ("hall.mp4", "no such file 'hall.mp4'"),
    ],
)
def test_a_source_string_is_refused_with_what_the_sources_stage_says(
    tmp_path: Path, source: str, message: str
) -> None:
    refused = _refused(tmp_path, f'[[cameras]]\nsource = "{source}"\n')
    assert f"monitoring.toml: cameras[0].source: {message}" in refused and refused.endswith("(line 2)")


# -- a gallery's own texts ----------------------------------------------------------------------------

OWN_CAPTIONS = '[[caption]]\nen = "Someone is watching this room."\nzh = "有人在看这个房间。"\n'


def test_a_gallery_shows_its_own_captions_and_workshop_texts_named_beside_its_config(tmp_path: Path) -> None:
    from installation.modes.workshop.room import WorkshopRoom
    from installation.resources import explain_file
    from installation.room import Room, RoomOptions

    (tmp_path / "our-captions.toml").write_text(OWN_CAPTIONS, encoding="utf-8")
    shipped = explain_file().read_text(encoding="utf-8")
    assert shipped.count('"WORKSHOP"') == 1
    ours = shipped.replace('"WORKSHOP"', '"OUR WORKSHOP"')
    (tmp_path / "our-workshop.toml").write_text(ours, encoding="utf-8")
    config = load_config(
        write(
            tmp_path,
            '[room]\ncaptions_file = "our-captions.toml"\nexplain_file = "our-workshop.toml"\n' + CAMERA,
        )
    )
    # Relative to the config's folder, like every other path in it.
    assert config.room.captions_file == str(tmp_path / "our-captions.toml")
    app = Room(config, RoomOptions(headless=True, size=(640, 360), live=False))
    app.start()
    try:
        assert app.renderer is not None
        assert [c.en for c in app.renderer.overlays.rotator.captions] == ["Someone is watching this room."]
    finally:
        app.close()
    workshop = WorkshopRoom(config, RoomOptions(headless=True, live=False)).workshop
    assert workshop.explanation.label("workshop", "en") == "OUR WORKSHOP"


def test_config_check_refuses_a_gallery_text_file_the_room_could_not_use(tmp_path: Path) -> None:
    room = '[room]\ncaptions_file = "ours.toml"\n' + CAMERA
    assert _refused(tmp_path, room).endswith(": room.captions_file: no such file 'ours.toml' (line 2)")
    unsourced_caption = '[[caption]]\nen = "Watched since 2016."\nzh = "自2016年起被监视。"\n'
    (tmp_path / "ours.toml").write_text(unsourced_caption, encoding="utf-8")
    unsourced = _refused(tmp_path, room)
    assert f": room.captions_file: {tmp_path / 'ours.toml'}: caption[0]: the number(s) 2016 " in unsourced
    assert unsourced.endswith("(line 2)")
    (tmp_path / "words.toml").write_text('[[section]]\nkey = "how"\n', encoding="utf-8")
    untitled = _refused(tmp_path, '[room]\nexplain_file = "words.toml"\n' + CAMERA)
    assert f": room.explain_file: {tmp_path / 'words.toml'}: section[0].title: needs both" in untitled


# -- steering ---------------------------------------------------------------------------------------------

STEERED = """\
[[cameras]]
name = "Door"
source = "pattern:bars"

[[cameras]]
name = "Gallery"
source = "pattern:noise"
head = "Digital"

[cameras.steer]
pan = [-0.5, 1.0]
zoom = [1.0, 3.0]
view = 0.4
idle_home = 30
presets = { door = [0.8, -0.2, 2.0], "the desk" = [-0.5, 0.0, 1.5] }
privacy_zones = [[0.0, 0.0, 0.15, 0.6], [0.9, 0.5, 0.1, 0.5]]

[kiosk]
steering_hours = "10:00-13:00, 14:00-17:00"
"""


def test_a_steered_camera_loads_its_head_limits_presets_and_privacy_zones() -> None:
    cfg = parse_config(STEERED)
    door, gallery = cfg.cameras
    assert door.head == "none" and door.steer.presets == {} and door.steer.privacy_zones == []
    assert gallery.head == "digital"
    steer = gallery.steer
    assert steer.pan == [-0.5, 1.0] and steer.tilt == [-1.0, 1.0] and steer.zoom == [1.0, 3.0]
    assert steer.view == 0.4 and steer.idle_home == 30.0
    assert steer.presets == {"door": [0.8, -0.2, 2.0], "the desk": [-0.5, 0.0, 1.5]}
    assert steer.privacy_zones == [[0.0, 0.0, 0.15, 0.6], [0.9, 0.5, 0.1, 0.5]]
    assert cfg.kiosk.steering_hours == "10:00-13:00, 14:00-17:00"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('head = "Digital"', 'head = "visca://camera.local"'),
            "cameras[1].head: visca://camera.local: 'camera.local' is not an IP address",
        ),
        (('head = "Digital"', 'head = "tripod"'), "cameras[1].head: 'tripod': unknown head"),
        (
            ("pan = [-0.5, 1.0]", "pan = [1.0, -0.5]"),
            "cameras[1].steer.pan: expected [lowest, highest], lowest not above highest, "
            "got [1.0, -0.5] (line 11)",
        ),
        (
            ("zoom = [1.0, 3.0]", "zoom = [0.5, 3.0]"),
            "cameras[1].steer.zoom[0]: expected a value from 1.0 to 8.0",
        ),
        (("pan = [-0.5, 1.0]", "pan = [-0.5]"), "cameras[1].steer.pan: expected [lowest, highest]"),
        (
            ("view = 0.4", "view = 1.0"),
            "cameras[1].steer.view: expected a value from 0.2 to 0.9, got 1.0 (line 13)",
        ),
        (
            ("door = [0.8, -0.2, 2.0]", "door = [0.8, -0.2, 5.0]"),
            "cameras[1].steer.presets.door: zoom 5 is outside the camera's steer.zoom [1, 3]",
        ),
        (
            ("door = [0.8, -0.2, 2.0]", "door = [-0.8, -0.2, 2.0]"),
            "cameras[1].steer.presets.door: pan -0.8 is outside the camera's steer.pan [-0.5, 1]",
        ),
        (
            ("door = [0.8, -0.2, 2.0]", "door = [0.8, 2.0]"),
            "cameras[1].steer.presets.door: expected [pan, tilt, zoom]",
        ),
        (
            ("presets = { door", "presets = [1] #"),
            "cameras[1].steer.presets: expected a table (name = value, ...)",
        ),
        (
            ("[0.9, 0.5, 0.1, 0.5]", "[0.95, 0.5, 0.1, 0.5]"),
            "cameras[1].steer.privacy_zones[1]: reaches past the picture's edge",
        ),
        (
            ("[0.9, 0.5, 0.1, 0.5]", "[0.9, 0.5, 0.0, 0.5]"),
            "cameras[1].steer.privacy_zones[1]: width and height",
        ),
        (
            ("[0.9, 0.5, 0.1, 0.5]", "[0.9, 0.5, 0.1]"),
            "cameras[1].steer.privacy_zones[1]: expected [x, y, width",
        ),
        (
            ("[0.9, 0.5, 0.1, 0.5]", "[0.9, -0.5, 0.1, 0.5]"),
            "cameras[1].steer.privacy_zones[1][1]: expected a value",
        ),
        (
            ("idle_home = 30", "idle_hom = 30"),
            "cameras[1].steer.idle_hom: unknown key (expected one of pan, tilt, zoom",
        ),
        (
            ('steering_hours = "10:00-13:00, 14:00-17:00"', 'steering_hours = "sometimes"'),
            "kiosk.steering_hours: 'sometimes' is not a span such as \"10:00-18:00\"",
        ),
    ],
)
def test_a_steering_mistake_is_refused_in_one_line_naming_its_key(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    old, new = change
    assert old in STEERED
    path = write(tmp_path, STEERED.replace(old, new))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    text = str(info.value)
    assert text.startswith(f"{path}: {message}"), text
    assert "\n" not in text


def test_steering_hours_take_always_and_never() -> None:
    for value in ("always", "never", "Never"):
        assert parse_config(STEERED.replace("10:00-13:00, 14:00-17:00", value)).kiosk.steering_hours == value


TURNED = """\
[[cameras]]
name = "Door"
source = "pattern:bars"
head = "servo"

[cameras.steer]
fov = 70

[cameras.steer.servo]
pan_degrees = [150, 30]
tilt_degrees = [70, 110]
home_degrees = [100, 90]
top_speed = 90

[[cameras]]
name = "Hall"
source = "pattern:noise"
head = "visca://10.0.0.5"

[cameras.steer.visca]
pan_units = [-2448, 2448]
pan_degrees = [-175, 175]
tilt_units = [-1296, 1296]
tilt_degrees = [-90, 90]
zoom_units = 16384
zoom_max = 30
"""


def test_a_servo_and_a_network_head_get_their_angles_and_numbers_from_the_config() -> None:
    from installation.steer import head_settings
    from installation.steer.servo import ServoGeometry
    from installation.steer.visca import ViscaUnits

    door, hall = parse_config(TURNED).cameras
    assert door.steer.fov == 70.0 and hall.steer.fov == 60.0  # the default
    assert head_settings(door).servo == ServoGeometry(
        pan_degrees=(150, 30), tilt_degrees=(70, 110), home_degrees=(100, 90), top_speed=90
    )
    assert head_settings(hall).visca == ViscaUnits(
        pan=(-2448, 2448),
        tilt=(-1296, 1296),
        zoom=16384,
        zoom_max=30.0,
        pan_degrees=(-175, 175),
        tilt_degrees=(-90, 90),
    )
    # Without the tables, the heads' own defaults.
    plain = parse_config('[[cameras]]\nsource = "pattern:bars"\nhead = "servo"\n').cameras[0]
    assert head_settings(plain).servo == ServoGeometry() and head_settings(plain).visca is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("fov = 70", "fov = 200"),
            "cameras[0].steer.fov: expected a value from 10.0 to 150.0, got 200.0 (line 7)",
        ),
        (
            ("home_degrees = [100, 90]", "home_degrees = [160, 90]"),
            "cameras[0].steer.servo.home_degrees: the pan home 160 must lie strictly between 30 and 150 "
            "degrees (its pan_degrees) (line 12)",
        ),
        (
            ("home_degrees = [100, 90]", "home_degrees = [100]"),
            "cameras[0].steer.servo.home_degrees: expected",
        ),
        (
            ("pan_degrees = [150, 30]", "pan_degrees = [150, 150]"),
            "cameras[0].steer.servo.pan_degrees: expected [angle at pan -1, angle at pan 1], two different",
        ),
        (
            ("pan_degrees = [150, 30]", "pan_degrees = [150, 200]"),
            "cameras[0].steer.servo.pan_degrees[1]: expected a value from 0.0 to 180.0, got 200",
        ),
        (
            ("top_speed = 90", "top_speed = 500"),
            "cameras[0].steer.servo.top_speed: expected a value from 1.0 to 180.0, got 500.0 (line 13)",
        ),
        (
            ("top_speed = 90", "top_sped = 90"),
            "cameras[0].steer.servo.top_sped: unknown key (expected one of pan_degrees, tilt_degrees",
        ),
        (
            ("pan_units = [-2448, 2448]", "pan_units = [100, 2448]"),
            "cameras[1].steer.visca.pan_units: expected [below 0, above 0] (the camera's home is 0), "
            "got [100, 2448] (line 21)",
        ),
        (
            ("tilt_degrees = [-90, 90]", "tilt_degrees = [-90, 200]"),
            "cameras[1].steer.visca.tilt_degrees[1]: expected a value from -180.0 to 180.0",
        ),
        (
            ("zoom_units = 16384", "zoom_units = 1.5"),
            "cameras[1].steer.visca.zoom_units: expected a whole number, got 1.5",
        ),
        (
            ("zoom_max = 30", "zoom_max = 1"),
            "cameras[1].steer.visca.zoom_max: expected a value from 1.1 to 100.0",
        ),
    ],
)
def test_a_head_s_angles_and_numbers_are_refused_in_one_line_naming_the_key_and_camera(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    old, new = change
    assert old in TURNED
    message_of = _refused(tmp_path, TURNED.replace(old, new))
    assert message_of.split(": ", 1)[1].startswith(message), message_of
