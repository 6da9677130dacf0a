"""``installation doctor``: is this machine ready to run the room? One line per check.

Each line says OK, WARN or FAIL, what was found and, when something is
wrong, what to do. The command exits with 1 when any check FAILs, so a setup
script can stop there. It checks: Python and the packages, the config, the
face model files (and the MTCNN files ``installation audit`` runs), cameras
(the configured sources and the first few devices, with resolution and frame
rate), serial ports with their USB ids and whether the panel firmware
answers, displays and their sizes, ``xset`` (which keeps the screen from
blanking), fonts for every caption language, free disk space, and the
kiosk's own state (running, heartbeat, autostart).

Nothing here changes anything; cameras and ports are opened briefly and
closed again (not while a kiosk is running and holds them).
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from installation.config import MODEL_KEYS, Config, default_config_path, load_config
from installation.errors import ConfigError, InstallationError
from installation.explanation import LANGUAGES

OK, WARN, FAIL = "OK", "WARN", "FAIL"
#: Packages the room runs on, and the version a line must say when it matters.
PACKAGES: dict[str, str | None] = {
    "mediapipe": "0.10.21",
    "opencv-contrib-python": None,
    "numpy": None,
    "av": None,
    "pygame": None,
    "pyserial": None,
    "platformdirs": None,
}
#: Free space below this fails; below WARN_DISK_BYTES warns.
FAIL_DISK_BYTES = 100 * 1024**2
WARN_DISK_BYTES = 1024**3
#: How many camera devices are tried beyond the configured sources.
PROBE_DEVICES = 4
#: A heartbeat older than this while a kiosk runs means it may hang.
STALE_HEARTBEAT = 30.0
#: The fix for a shipped file (a model, a font, the captions) that is missing or damaged.
REINSTALL = "reinstall monitoring-room (pip install --force-reinstall)"


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    status: str
    topic: str
    message: str
    fix: str = ""

    def __str__(self) -> str:
        line = f"{self.status:<4}  {self.topic}: {self.message}"
        return f"{line}; {self.fix}" if self.fix else line


@dataclass
class Context:
    config_path: Path | None
    timeout: float
    config: Config | None = None
    kiosk_pid: int | None = None


def _python(ctx: Context) -> Iterator[Check]:
    version = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info[:2] == (3, 11):
        yield Check(OK, "python", f"{version} ({sys.executable})")
    else:
        yield Check(
            WARN, "python", f"{version} ({sys.executable})", "the room is built and tested on Python 3.11"
        )
    for name, wanted in PACKAGES.items():
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            yield Check(FAIL, "package", f"{name} is not installed", "pip install -e . in the repository")
            continue
        if wanted is not None and version != wanted:
            yield Check(
                WARN, "package", f"{name} {version}, tested with {wanted}", f"pip install {name}=={wanted}"
            )
        else:
            yield Check(OK, "package", f"{name} {version}")
    try:
        other = importlib.metadata.version("opencv-python")
    except importlib.metadata.PackageNotFoundError:
        pass
    else:
        yield Check(
            FAIL,
            "package",
            f"opencv-python {other} is installed beside opencv-contrib-python; both provide cv2",
            "pip uninstall opencv-python (mediapipe brings the contrib build)",
        )


def _config(ctx: Context) -> Iterator[Check]:
    path = ctx.config_path
    if path is None:
        default = default_config_path()
        if not default.exists():
            yield Check(
                WARN,
                "config",
                f"no config file at {default}; the kiosk would show the bundled demo",
                "create one with `installation config init`",
            )
            return
        path = default
    try:
        ctx.config = load_config(path)
    except ConfigError as exc:
        yield Check(FAIL, "config", str(exc), f"fix it, then `installation config check {path}`")
        try:  # keep checking what can be checked: the values without the file checks
            ctx.config = load_config(path, check_files=False)
        except ConfigError:
            ctx.config = None
        return
    config = ctx.config
    yield Check(OK, "config", f"{path}: {len(config.cameras)} camera(s), panel port {config.hardware.port!r}")
    if config.kiosk.pin == "0000":
        yield Check(
            WARN,
            "config",
            "kiosk.pin is the default 0000: anyone who knows it can quit the kiosk",
            f"set your own [kiosk] pin in {path}",
        )


def _models(ctx: Context) -> Iterator[Check]:
    """A line per face model: the shipped YuNet's sha256, the BlazeFace files, each configured copy."""
    from installation.detect import (
        BLAZEFACE_RANGES,
        MODEL_FAMILIES,
        YUNET_SHA256,
        create_detector,
        model_family,
        parse_detector,
        resolve_model,
        resolve_yunet,
    )

    config = ctx.config
    used: set[str] = set()
    for cam in config.cameras if config is not None else []:
        try:
            used.update(model_family(n) for n in parse_detector(cam.detector_spec()))
        except InstallationError:
            pass  # the config check has said so
    if config is None:
        used = set(MODEL_FAMILIES)
    keys = {family: key for key, family in MODEL_KEYS.items()}
    configured = {
        family: getattr(config.detection, key) if config is not None else "" for family, key in keys.items()
    }
    # The shipped YuNet is always checked: it is the default detector, and a damaged copy must be found early.
    try:
        packaged = resolve_yunet()
        yield Check(OK, "model", f"YuNet face model {packaged}: sha256 {YUNET_SHA256[:16]}... as shipped")
    except InstallationError as exc:
        yield Check(FAIL, "model", str(exc), REINSTALL)
    for name in MODEL_FAMILIES:
        if name not in used and not configured[name]:
            continue
        key = f"detection.{keys[name]}"
        if name == "yunet" and not configured[name]:
            continue  # checked above
        try:
            if name == "yunet":
                path = resolve_yunet(configured[name])
            else:
                path = resolve_model(BLAZEFACE_RANGES[name], configured[name] or None)
        except InstallationError as exc:
            fix = "reinstall mediapipe==0.10.21"
            if configured[name]:
                fix = f"point {key} at the model file, or leave it empty for the shipped one"
            yield Check(FAIL, "model", str(exc), fix)
            continue
        try:
            detector = create_detector(name, model_paths={name: configured[name] or None})
            detector.close()
        except Exception as exc:  # noqa: BLE001 - a model that does not load, whatever the reason
            yield Check(
                FAIL,
                "model",
                f"{name} model {path} does not load: {exc}",
                f"point {key} at a {name} model file, or leave it empty",
            )
            continue
        own = " (your copy: loads; its hash is not checked)" if name == "yunet" else ""
        yield Check(OK, "model", f"{name} face model {path}{own}")


def _audit_models(ctx: Context) -> Iterator[Check]:
    """The MTCNN files ``installation audit`` runs: each one's sha256, and that they load."""
    from installation.detect.mtcnn import MTCNN_SHA256, MtcnnDetector, resolve_mtcnn

    try:
        paths = resolve_mtcnn()
        MtcnnDetector(paths).close()
    except InstallationError as exc:
        yield Check(FAIL, "audit", str(exc), REINSTALL)
        return
    folder = paths["pnet"].parent
    hashes = ", ".join(f"{name} {MTCNN_SHA256[name][:16]}..." for name in paths)
    yield Check(OK, "audit", f"MTCNN face models in {folder}: sha256 {hashes} as shipped")


def probe_source(spec: str, timeout: float, frames: int = 20) -> tuple[int, int, float]:
    """Open a source, read a few frames: ``(width, height, fps)``; SourceError or TimeoutError otherwise."""
    from installation.sources import open_source

    result: dict[str, Any] = {}

    def work() -> None:
        try:
            source = open_source(spec, name=spec)
            try:
                first = source.read()
                if first is None:
                    raise InstallationError(f"{spec}: opened but sends no picture")
                began, n = time.monotonic(), 0
                while n < frames and time.monotonic() - began < 2.0:
                    if source.read() is None:
                        break
                    n += 1
                elapsed = time.monotonic() - began
                realtime = getattr(source, "realtime", False)
                fps = n / elapsed if realtime and elapsed > 0 else float(getattr(source, "fps", 0.0))
                result["value"] = (first.width, first.height, fps)
            finally:
                source.close()
        except Exception as exc:  # noqa: BLE001 - reported as the probe's result
            result["error"] = exc

    thread = threading.Thread(target=work, name=f"probe {spec}", daemon=True)
    thread.start()
    thread.join(timeout + 3.0)
    if thread.is_alive():
        raise TimeoutError(f"{spec}: no picture within {timeout + 3:g} s")
    if "error" in result:
        raise result["error"]
    return result["value"]  # type: ignore[no-any-return]


def _device_indices() -> list[int]:
    if sys.platform.startswith("linux"):
        found = sorted(int(p.name[5:]) for p in Path("/dev").glob("video*") if p.name[5:].isdigit())
        return found[:PROBE_DEVICES]
    return list(range(PROBE_DEVICES))


def _cameras(ctx: Context) -> Iterator[Check]:
    if ctx.kiosk_pid is not None:
        yield Check(
            WARN,
            "camera",
            f"not probed: a kiosk is running (pid {ctx.kiosk_pid}) and holds the cameras",
            "quit it from its facilitator panel to probe them",
        )
        return
    configured = [(cam.name, cam.source) for cam in ctx.config.cameras] if ctx.config is not None else []
    failed = False
    for name, spec in configured:
        try:
            w, h, fps = probe_source(spec, ctx.timeout)
        except Exception as exc:  # noqa: BLE001
            failed = True
            yield Check(
                FAIL,
                "camera",
                f"{name} ({spec}) does not open: {exc}",
                "check the cable and the source string; the lines below list the cameras found",
            )
        else:
            yield Check(OK, "camera", f"{name} ({spec}): {w}x{h} at {fps:.0f} fps")
    specs = {spec for _, spec in configured}
    indices = _device_indices()
    found = 0
    for index in indices:
        spec = f"camera:{index}"
        if spec in specs or f"/dev/video{index}" in specs:
            continue
        try:
            w, h, fps = probe_source(spec, ctx.timeout)
        except Exception:  # noqa: BLE001 - many /dev/video nodes are metadata nodes, not cameras
            continue
        found += 1
        yield Check(OK, "camera", f"{spec} opens: {w}x{h} at {fps:.0f} fps (not in the config)")
    # Without a camera in the config, or with one that does not open, say what else there is,
    # even when that is nothing: a FAIL above promises the list.
    if not found and (failed or not configured):
        what = "no other camera found" if configured else "no camera found"
        tried = ", ".join(f"camera:{i}" for i in indices)
        yield Check(
            WARN,
            "camera",
            what + (f" (tried {tried})" if indices else " (no /dev/video* devices)"),
            "plug in a USB camera; `installation demo` runs on recorded footage without one",
        )


def _serial(ctx: Context) -> Iterator[Check]:
    from installation.hardware import IncompatiblePanel, PortNotFound, arduino_ports, list_serial_ports, probe

    ports = list_serial_ports()
    candidates = arduino_ports(ports)
    for port in ports:
        maker = f" ({port.maker}; `auto` would try it)" if port in candidates else ""
        yield Check(OK, "serial", f"{port}{maker}")
    configured = ctx.config.hardware.port if ctx.config is not None else "auto"
    if configured == "none":
        targets = [p.device for p in candidates]
        if not targets:
            yield Check(OK, "panel", "hardware.port = 'none': the room runs with its on-screen panel only")
            return
    elif configured == "auto":
        targets = [p.device for p in candidates]
        if not targets:
            yield Check(
                WARN,
                "panel",
                "hardware.port = 'auto', but no Arduino is plugged in",
                'plug in the panel\'s USB cable, or set hardware.port = "none"',
            )
            return
    else:
        targets = [configured]
    if ctx.kiosk_pid is not None:
        yield Check(WARN, "panel", f"not probed: a kiosk is running (pid {ctx.kiosk_pid}) and holds the port")
        return
    for target in targets:
        try:
            ready = probe(target, timeout=ctx.timeout)
        except PortNotFound as exc:
            yield Check(WARN, "panel", str(exc), "plug it in, or correct hardware.port")
        except IncompatiblePanel as exc:
            yield Check(WARN, "panel", str(exc))
        except (InstallationError, OSError) as exc:
            said = str(exc)
            yield Check(
                WARN,
                "panel",
                f"{target} does not answer the handshake: {said}",
                ""
                if "make -C hardware upload" in said
                else "is the monitoring_panel firmware flashed? make -C hardware upload",
            )
        else:
            hint = ' (set hardware.port = "auto" to use it)' if configured == "none" else ""
            head = ", camera head" if ready.head else " (lights only, no camera head)"
            yield Check(
                OK,
                "panel",
                f"{target} answers: firmware {ready.firmware}, "
                f"protocol {ready.protocol}, {ready.tally_leds} tally LEDs{head}{hint}",
            )


def _displays(ctx: Context) -> Iterator[Check]:
    has_display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    if sys.platform.startswith("linux") and not has_display:
        yield Check(
            WARN,
            "display",
            "no display: DISPLAY and WAYLAND_DISPLAY are not set",
            "run the kiosk in the desktop session (its autostart does), or attach a screen",
        )
        return
    driver = os.environ.get("SDL_VIDEODRIVER", "")
    if driver in ("dummy", "offscreen"):
        yield Check(
            WARN,
            "display",
            f"SDL_VIDEODRIVER={driver}: nothing would reach a screen",
            "unset SDL_VIDEODRIVER",
        )
        return
    import pygame

    try:
        pygame.display.init()
        sizes = pygame.display.get_desktop_sizes()
        driver = pygame.display.get_driver()
    except pygame.error as exc:
        yield Check(
            FAIL, "display", f"cannot start video: {exc}", "check the screen and the session's DISPLAY"
        )
        return
    finally:
        pygame.display.quit()
    if not sizes:
        yield Check(FAIL, "display", f"no display found ({driver})", "attach a screen or projector")
        return
    listed = ", ".join(f"{i}: {w}x{h}" for i, (w, h) in enumerate(sizes))
    yield Check(OK, "display", f"{len(sizes)} display(s) via {driver}: {listed}")
    index = ctx.config.display.index if ctx.config is not None else 0
    if index >= len(sizes):
        yield Check(
            FAIL,
            "display",
            f"display.index = {index}, but only {len(sizes)} display(s) are attached",
            f"set display.index to 0..{len(sizes) - 1}",
        )


def _blanking(ctx: Context) -> Iterator[Check]:
    """``xset``, with which the kiosk keeps an X display from blanking and powering down."""
    if not sys.platform.startswith("linux"):
        return
    if os.environ.get("WAYLAND_DISPLAY") and not os.environ.get("DISPLAY"):
        yield Check(
            WARN,
            "blanking",
            "a Wayland session: the kiosk can only ask SDL to keep the screen on",
            "turn screen blanking off in the desktop's power settings",
        )
        return
    xset = shutil.which("xset")
    if xset is None:
        yield Check(
            WARN,
            "blanking",
            "xset not found: the kiosk cannot stop the X display from blanking "
            "or powering down after a few idle minutes",
            "install it: sudo apt install x11-xserver-utils (Debian, Ubuntu, Raspberry Pi OS)",
        )
    else:
        yield Check(
            OK, "blanking", f"{xset}: the kiosk turns screen blanking and power saving off while it runs"
        )


def _fonts(ctx: Context) -> Iterator[Check]:
    import pygame.freetype

    from installation.display.captions import load_captions
    from installation.display.text import STRINGS
    from installation.resources import font_file

    languages = list(ctx.config.room.languages) if ctx.config is not None else list(LANGUAGES)
    own = ctx.config.room.captions_file if ctx.config is not None else ""
    try:
        captions = load_captions(own)
    except InstallationError as exc:
        yield Check(FAIL, "captions", str(exc), "correct room.captions_file" if own else REINSTALL)
        captions = []
    pygame.freetype.init()
    for language in languages:
        texts = [entry.get(language, "") for entry in STRINGS.values()]
        texts += [getattr(c, language, "") for c in captions]
        chars = {ch for s in texts for ch in s if not ch.isspace()}
        missing: set[str] = set()
        for path in (font_file("regular"), font_file("bold")):
            try:
                font = pygame.freetype.Font(str(path), 20)
            except (OSError, pygame.error) as exc:
                yield Check(FAIL, "fonts", f"{path} does not load: {exc}", REINSTALL)
                missing = set()
                break
            missing |= {ch for ch in chars if font.get_metrics(ch)[0] is None}
        if missing:
            yield Check(
                FAIL,
                "fonts",
                f"{language}: no glyph for {''.join(sorted(missing))!r}",
                "rewrite those words in room.captions_file, or make the fonts again with "
                "assets/fonts/make_subset.py in a checkout"
                if own
                else "rerun assets/fonts/make_subset.py",
            )
        else:
            yield Check(OK, "fonts", f"{language}: all {len(chars)} characters of the interface and captions")


def _disk(ctx: Context) -> Iterator[Check]:
    from installation.logs import log_dir

    where = log_dir()
    probe_at = where
    while not probe_at.exists() and probe_at != probe_at.parent:
        probe_at = probe_at.parent
    free = shutil.disk_usage(probe_at).free
    text = f"{free / 1024**3:.1f} GiB free for the logs in {where}"
    if free < FAIL_DISK_BYTES:
        yield Check(FAIL, "disk", text, "free some space: logs and statistics need a little")
    elif free < WARN_DISK_BYTES:
        yield Check(WARN, "disk", text, "free some space")
    else:
        yield Check(OK, "disk", text)


def _kiosk(ctx: Context) -> Iterator[Check]:
    from installation.autostart import installed
    from installation.modes.kiosk.files import heartbeat_path
    from installation.modes.kiosk.watchdog import heartbeat_age

    if ctx.kiosk_pid is not None:
        age = heartbeat_age()
        if age is None or age > STALE_HEARTBEAT:
            said = "no heartbeat" if age is None else f"its heartbeat is {age:.0f} s old"
            yield Check(
                WARN,
                "kiosk",
                f"running (pid {ctx.kiosk_pid}), but {said} ({heartbeat_path()})",
                "it may hang: systemctl --user restart monitoring-room",
            )
        else:
            yield Check(OK, "kiosk", f"running (pid {ctx.kiosk_pid}), heartbeat {age:.0f} s ago")
    else:
        yield Check(OK, "kiosk", "not running")
    methods = installed()
    if len(methods) > 1:
        yield Check(
            WARN,
            "autostart",
            "both a systemd unit and an XDG autostart entry are installed",
            "installation kiosk --uninstall, then --install once",
        )
    elif methods:
        yield Check(OK, "autostart", f"{methods[0]} autostart installed")
    else:
        yield Check(WARN, "autostart", "the kiosk does not start by itself", "installation kiosk --install")


CHECKS: list[Callable[[Context], Iterator[Check]]] = [
    _python,
    _config,
    _models,
    _audit_models,
    _cameras,
    _serial,
    _displays,
    _blanking,
    _fonts,
    _disk,
    _kiosk,
]


def run_checks(config_path: Path | None = None, *, timeout: float = 3.0) -> Iterator[Check]:
    """Every check, in order, as it completes; a check that breaks is a FAIL, not a crash."""
    from installation.modes.kiosk.files import running_pid

    ctx = Context(config_path=config_path, timeout=timeout, kiosk_pid=running_pid())
    for check in CHECKS:
        try:
            yield from check(ctx)
        except Exception as exc:  # noqa: BLE001 - the doctor reports, it never falls over
            logging.getLogger(__name__).debug("check %s", check.__name__, exc_info=True)
            yield Check(FAIL, check.__name__.strip("_"), f"could not be checked: {exc!r}")
