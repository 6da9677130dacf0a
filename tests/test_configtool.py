"""``installation config init|check|path``: a commented default drawn from the schema, and checks
whose errors name the file, the key, the line and what is expected."""

from __future__ import annotations

import dataclasses
import os
import sys
import typing
from pathlib import Path

import pytest

from installation.cli import main
from installation.config import Config, load_config
from installation.configtool import EXAMPLES, default_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from PyPI
    import tomli as tomllib


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path


def _schema() -> dict[str, list[dataclasses.Field[typing.Any]]]:
    """Every table of the config and its keys; a table inside another by its dotted name
    (``cameras.steer``)."""
    tables: dict[str, list[dataclasses.Field[typing.Any]]] = {}

    def add(name: str, tp: typing.Any) -> None:
        hints = typing.get_type_hints(tp)
        # Older keys (cameras' range) are still read but not offered in a new file.
        fields = [
            g for g in dataclasses.fields(tp) if not (g.metadata.get("internal") or g.metadata.get("older"))
        ]
        tables[name] = [g for g in fields if not dataclasses.is_dataclass(hints[g.name])]
        for g in fields:
            if dataclasses.is_dataclass(hints[g.name]):
                add(f"{name}.{g.name}", hints[g.name])

    hints = typing.get_type_hints(Config)
    for f in dataclasses.fields(Config):
        if f.metadata.get("internal"):
            continue
        tp = hints[f.name]
        if typing.get_origin(tp) is list:
            (tp,) = typing.get_args(tp)
        add(f.name, tp)
    return tables


def _values(data: dict[str, typing.Any], table: str) -> dict[str, typing.Any]:
    """The keys of ``table`` (dotted) in a loaded file; an array's first item."""
    for part in table.split("."):
        data = data[part]
        if isinstance(data, list):
            data = data[0]
    return data


def _header(data: dict[str, typing.Any], table: str) -> str:
    return f"[[{table}]]" if isinstance(data.get(table), list) else f"[{table}]"


def test_init_writes_the_default_where_the_kiosk_looks_and_check_accepts_it(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "init"]) == 0
    path = home / "config" / "monitoring-room" / "monitoring.toml"
    assert path.is_file() and f"wrote {path}" in capsys.readouterr().out
    assert main(["config", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(path)
    assert main(["config", "check"]) == 0
    out = capsys.readouterr().out
    assert f"{path}: OK" in out and "kiosk.pin is still the default" in out
    loaded = load_config(path)
    assert loaded.cameras[0].source == "camera:0" and loaded.kiosk.pin == "0000"


def test_the_default_has_every_key_of_the_schema_with_its_doc_and_default(tmp_path: Path) -> None:
    text = default_text()
    data = tomllib.loads(text)
    lines = text.splitlines()
    for table, fields in _schema().items():
        values = _values(data, table)
        # The tables right inside this one (cameras.steer in cameras, not cameras.steer.servo).
        tables = {name.rsplit(".", 1)[1] for name in _schema() if name.rpartition(".")[0] == table}
        assert set(values) == {f.name for f in fields} | tables, table
        for f in fields:
            header = lines.index(_header(data, table))
            at = next(i for i, line in enumerate(lines) if i > header and line.startswith(f"{f.name} = "))
            comments: list[str] = []
            i = at - 1
            while i >= 0 and not lines[i].startswith("#") and lines[i].split(" = ")[0].isidentifier():
                i -= 1  # keys sharing one comment (the weekdays)
            while i >= 0 and lines[i].startswith("# "):
                comments.insert(0, lines[i][2:])
                i -= 1
            doc = f.metadata.get("doc", "")
            assert " ".join(doc.split()[:4]) in " ".join(comments), (table, f.name)
            if f.default is not dataclasses.MISSING and f"{table}.{f.name}" not in EXAMPLES:
                expected = f.default.value if hasattr(f.default, "value") else f.default
                assert values[f.name] == expected, (table, f.name)


def test_the_default_states_the_limits_the_loader_enforces() -> None:
    text = default_text()
    assert "# frames per second the screen is drawn at, at most; from 5 to 240" in text
    assert 'one of "single", "grid", "focus"' in text


def test_init_refuses_to_overwrite_unless_forced(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = home / "room.toml"
    path.write_text("# mine\n")
    assert main(["config", "init", str(path)]) == 2
    assert "already exists" in capsys.readouterr().err and path.read_text() == "# mine\n"
    assert main(["config", "init", str(path), "--force"]) == 0
    assert load_config(path).cameras


def test_init_dash_prints_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "init", "-"]) == 0
    assert capsys.readouterr().out == default_text()


@pytest.mark.parametrize(
    ("change", "message", "line_of"),
    [
        (
            ("[effect]\n", '[[cameras]]\nname = "Hall"\nsource = "hall.mp4"\n\n[effect]\n'),
            "cameras[1].source: no such file 'hall.mp4'",
            'source = "hall.mp4"',
        ),
        (("fps = 60", "fps = 1"), "display.fps: expected a value from 5 to 240, got 1", "fps = 1"),
        (
            ('layout = "focus"', 'layout = "wall"'),
            "display.layout: expected one of 'single', 'grid', 'focus'",
            'layout = "wall"',
        ),
        (('pin = "0000"', "pin = 1234"), "kiosk.pin: expected a string (in quotes), got 1234", "pin = 1234"),
        (
            ('monday = "always"', 'monday = "9 to 5"'),
            "hours.monday: '9 to 5' is not a span",
            'monday = "9 to 5"',
        ),
        (("fps = 60", "fps = 60\nfsp = 30"), "display.fsp: unknown key", "fsp = 30"),
        (('port = "auto"', 'port = "auto"\nspeed = 9600'), "hardware.speed: unknown key", "speed = 9600"),
    ],
)
def test_check_names_file_key_line_and_what_is_expected(
    home: Path, capsys: pytest.CaptureFixture[str], change: tuple[str, str], message: str, line_of: str
) -> None:
    path = home / "monitoring.toml"
    text = default_text()
    assert change[0] in text
    text = text.replace(change[0], change[1], 1)
    path.write_text(text)
    line = text.splitlines().index(line_of) + 1
    assert main(["config", "check", str(path)]) == 3
    err = capsys.readouterr().err.strip()
    assert err == f"installation config: {path}: {message}" + err.split(message, 1)[1]
    assert err.endswith(f"(line {line})"), err


def test_check_reports_broken_toml_with_its_line(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = home / "monitoring.toml"
    path.write_text(default_text().replace("fps = 60", "fps = "))
    assert main(["config", "check", str(path)]) == 3
    assert "not valid TOML" in capsys.readouterr().err


def test_check_of_a_missing_file_says_how_to_make_one(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check"]) == 3
    assert "no such config file" in capsys.readouterr().err


def test_check_takes_the_file_as_path_or_as_config_like_every_other_command(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = home / "room.toml"
    path.write_text(default_text())
    for command in (
        ["config", "check", str(path)],
        ["config", "check", "--config", str(path)],
        ["config", "check", str(path), "--config", str(path)],
    ):
        assert main(command) == 0, command
        assert capsys.readouterr().out.startswith(f"{path}: OK\n")
    assert main(["config", "check", str(path), "--config", str(home / "other.toml")]) == 2
    assert "not both" in capsys.readouterr().err
    assert main(["config", "init", "--config", str(home / "new.toml")]) == 0
    assert (home / "new.toml").is_file()


#: One mistake of each kind the loader refuses, written into the default file.
MISTAKES: dict[str, tuple[str, str]] = {
    "not a number": ("threshold = 0.2", "threshold = nan"),
    "control character in a name": ('name = "Camera 1"', 'name = "Camera\\u00001"'),
    "letters in a camera number": ('source = "camera:0"', 'source = "camera:0x"'),
    "odd digits in a camera number": ('source = "camera:0"', 'source = "camera:²"'),
    "absurd size": ('source = "camera:0"', 'source = "camera:0?size=16000x16000"'),
    "unknown port": ("\nport = ", '\nport = "ttyACM0"\n# was '),
    "not a model": ('yunet_model = ""', 'yunet_model = "notes.onnx"'),
    "PIN with a line break": ('pin = "0000"', 'pin = "2580\\n"'),
    "nested too deeply": ("[effect]", "deep = " + "[" * 3000 + "]" * 3000 + "\n[effect]"),
    "a pipe, not a file": ("", ""),  # check, run and the kiosk waited on it for ever
}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_check_refuses_what_the_room_refuses_with_the_same_one_line(
    home: Path, capsys: pytest.CaptureFixture[str], mistake: str
) -> None:
    old, new = MISTAKES[mistake]
    text = default_text()
    assert old in text
    path = home / "room.toml"
    if mistake == "a pipe, not a file":
        os.mkfifo(path)
    else:
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    (home / "notes.onnx").write_text("not a model\n")
    said = {}
    for command in (
        ["config", "check", "--config", str(path)],
        ["run", "--config", str(path), "--headless", "--frames", "1"],
        ["kiosk", "--config", str(path), "--headless", "--frames", "1"],
    ):
        code = main(command)
        lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("installation ")]
        assert code == 3 and len(lines) == 1, (command, code, lines)
        said[command[0]] = lines[0].split(": ", 1)[1]
    assert said["config"] == said["run"] == said["kiosk"], said
    assert said["config"].startswith(f"{path}: ")


def test_init_writes_the_decided_defaults_and_the_readme_shows_the_same() -> None:
    written = tomllib.loads(default_text())
    assert written["effect"]["allow_exposed"] is False and written["hardware"]["port"] == "auto"
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1]
    example = tomllib.loads(section.split("```toml\n", 1)[1].split("```", 1)[0])
    assert example["effect"]["allow_exposed"] is written["effect"]["allow_exposed"]
    assert example["hardware"]["port"] == written["hardware"]["port"]
