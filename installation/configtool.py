"""``installation config``: write a commented default config, check one, say where it lives.

    installation config init [PATH]     every key with its default and what it does
    installation config check [PATH]    validate; errors name file, key, line and what is expected
    installation config path            where the kiosk looks when no --config is given

``--config FILE`` names the file as every other command does; a plain
``PATH`` does the same.

The default file is generated from the schema in :mod:`installation.config`
(field defaults and their ``doc`` metadata), so it never drifts from what
the loader accepts.
"""

from __future__ import annotations

import dataclasses
import json
import textwrap
import typing
from enum import Enum
from pathlib import Path
from typing import Any

from installation.config import Config, default_config_path, parse_config
from installation.errors import UsageError

#: Values for keys that have no default, used in the written example.
EXAMPLES: dict[str, Any] = {"cameras.source": "camera:0", "cameras.name": "Camera 1"}
WIDTH = 100


def toml_value(value: Any) -> str:
    """A Python value as TOML.

    >>> toml_value(True), toml_value(0.5), toml_value("a \\"b\\""), toml_value(["en", "zh"])
    ('true', '0.5', '"a \\\\"b\\\\""', '["en", "zh"]')
    """
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no TOML form for {value!r}")


def _constraint(tp: Any, meta: dict[str, Any]) -> str:
    if "choices" in meta:
        return "one of " + ", ".join(toml_value(c) for c in meta["choices"])
    if isinstance(tp, type) and issubclass(tp, Enum):
        return "one of " + ", ".join(toml_value(m.value) for m in tp)
    if "min" in meta and "max" in meta:
        return f"from {meta['min']:g} to {meta['max']:g}"
    return ""


def _comment(text: str) -> list[str]:
    return textwrap.wrap(text, WIDTH - 2, initial_indent="# ", subsequent_indent="# ") if text else []


def _default(f: dataclasses.Field[Any], key: str) -> Any:
    if key in EXAMPLES:
        return EXAMPLES[key]
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    raise KeyError(f"{key}: no default and no example value")


def _table(cls: Any, prefix: str) -> list[str]:
    hints = typing.get_type_hints(cls)
    lines: list[str] = []
    previous = None
    tables: list[dataclasses.Field[Any]] = []
    for f in dataclasses.fields(cls):
        if f.metadata.get("internal") or f.metadata.get("older"):
            continue  # an older key still read, not offered in a new file
        if dataclasses.is_dataclass(hints[f.name]):
            tables.append(f)  # a table inside this one: written after its plain keys
            continue
        meta = dict(f.metadata)
        doc = meta.get("doc", "")
        constraint = _constraint(hints[f.name], meta)
        comment = f"{doc}; {constraint}" if constraint and doc else doc or constraint
        if comment == previous and lines:
            lines.pop()  # keys sharing one comment (the weekdays) stand together under it
        else:
            lines += _comment(comment)
        previous = comment
        lines.append(f"{f.name} = {toml_value(_default(f, f'{prefix}.{f.name}'))}")
        lines.append("")
    for f in tables:
        inner = hints[f.name]
        lines += _comment(_class_doc(inner))
        lines.append(f"[{prefix}.{f.name}]")
        lines += _table(inner, f"{prefix}.{f.name}")
    return lines


def _class_doc(cls: Any) -> str:
    return " ".join((cls.__doc__ or "").split())


def default_text() -> str:
    """The whole default config, commented; it loads back with ``installation config check``."""
    lines = [
        "# Monitoring Room configuration.",
        "# Written by `installation config init`; check it with `installation config check`.",
        "# Every key is shown with its default value; change what you need, delete what you do not.",
        "# Paths may be relative to this file.",
        "",
    ]
    hints = typing.get_type_hints(Config)
    for f in dataclasses.fields(Config):
        if f.metadata.get("internal"):
            continue
        tp = hints[f.name]
        if typing.get_origin(tp) is list:
            (item,) = typing.get_args(tp)
            lines += _comment(f"{f.metadata.get('doc', '')}: one [[{f.name}]] table each. {_class_doc(item)}")
            lines.append(f"[[{f.name}]]")
            lines += _table(item, f.name)
        else:
            lines += _comment(_class_doc(tp))
            lines.append(f"[{f.name}]")
            lines += _table(tp, f.name)
    return "\n".join(lines).rstrip("\n") + "\n"


def init(path: Path | None, *, force: bool = False) -> Path:
    """Write the default config to ``path`` (default location when None); refuses to overwrite."""
    target = Path(path).expanduser() if path is not None else default_config_path()
    if target.exists() and not force:
        raise UsageError(f"{target}: already exists; edit it, or add --force to replace it with the default")
    text = default_text()
    parse_config(text, str(target), target.parent)  # the default must always load
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{target}: cannot write: {exc}") from None
    return target


def summary(config: Config) -> list[str]:
    """What a config sets up, in a few lines (``config check`` prints them)."""
    from installation.schedule import Schedule

    lines = [f"{len(config.cameras)} camera(s):"]
    lines += [
        f"  {cam.name}: {cam.source} ({cam.detector_spec()})"
        + (f", head {cam.head}" if cam.head != "none" else "")
        for cam in config.cameras
    ]
    lines.append(
        f"display {config.display.index}, layout {config.display.layout}, "
        f"{'fullscreen' if config.display.fullscreen else 'window'}"
    )
    exposed = "allowed" if config.effect.allow_exposed else "never shown"
    lines.append(f"effect {config.effect.kind.value}, exposed {exposed}")
    lines.append(f"panel port: {config.hardware.port}")
    lines.append(f"hours: {Schedule.from_config(config.hours).describe()}")
    if config.kiosk.pin == "0000":
        lines.append("note: kiosk.pin is still the default 0000; set your own before the opening")
    return lines
