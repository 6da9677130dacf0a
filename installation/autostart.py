"""Starting the kiosk at login: a systemd user unit, or an XDG autostart entry. Never both.

``installation kiosk --install`` writes ``~/.config/systemd/user/monitoring-room.service``
and enables it: systemd restarts the kiosk when it crashes or its watchdog
asks (``Restart=on-failure``), but not after a configuration error, which a
restart cannot fix (``RestartPreventExitStatus=3``). The unit belongs to the
graphical session, so it starts once the desktop is up.

``installation kiosk --install --xdg`` writes
``~/.config/autostart/monitoring-room.desktop`` instead, for desktops whose
sessions do not run systemd user units: the desktop starts
``installation kiosk --supervise``, which restarts the kiosk itself.

Installing one removes the other; ``--uninstall`` removes whichever is there.
``$XDG_CONFIG_HOME`` is honoured, and ``systemctl`` is found on ``PATH``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from installation.config import APP_NAME
from installation.errors import ConfigError, InstallationError

SYSTEMD = "systemd"
XDG = "xdg"
UNIT_NAME = f"{APP_NAME}.service"
DESKTOP_NAME = f"{APP_NAME}.desktop"

Runner = Callable[..., subprocess.CompletedProcess[str]]


class AutostartError(InstallationError):
    """Autostart could not be installed or removed."""


def config_home() -> Path:
    value = os.environ.get("XDG_CONFIG_HOME")
    return Path(value) if value and Path(value).is_absolute() else Path.home() / ".config"


def unit_path() -> Path:
    """``~/.config/systemd/user/monitoring-room.service``."""
    return config_home() / "systemd" / "user" / UNIT_NAME


def desktop_path() -> Path:
    """``~/.config/autostart/monitoring-room.desktop``."""
    return config_home() / "autostart" / DESKTOP_NAME


def kiosk_command(config: Path | None, *, demo: bool = False, supervise: bool = False) -> list[str]:
    """The command line that starts the kiosk with this Python and this config.

    >>> kiosk_command(Path("/srv/room.toml"))[-4:]
    ['installation', 'kiosk', '--config', '/srv/room.toml']
    """
    command = [sys.executable, "-m", "installation", "kiosk"]
    if supervise:
        command.append("--supervise")
    if config is not None:
        command += ["--config", str(config)]
    elif demo:
        command.append("--demo")
    return command


def unit_text(command: Sequence[str]) -> str:
    """The systemd user unit that runs ``command``.

    >>> text = unit_text(["/usr/bin/python3", "-m", "installation", "kiosk"])
    >>> "Restart=on-failure" in text, "RestartPreventExitStatus=3" in text
    (True, True)
    """
    return f"""# Written by `installation kiosk --install`; remove with `installation kiosk --uninstall`.
[Unit]
Description=Monitoring Room gallery kiosk
PartOf=graphical-session.target
After=graphical-session.target

[Service]
Type=simple
ExecStart={" ".join(_systemd_quote(arg) for arg in command)}
# Restart after a crash (exit 1) or when the watchdog asks (exit 75), but not after a
# configuration error (exit {ConfigError.exit_code}): fix the file, then
# `systemctl --user restart {UNIT_NAME}`.
Restart=on-failure
RestartSec=5
RestartPreventExitStatus={ConfigError.exit_code}
Environment=PYTHONUNBUFFERED=1

[Install]
WantedBy=graphical-session.target
"""


def _systemd_quote(arg: str) -> str:
    if arg and all(c.isalnum() or c in "/._-=:+@," for c in arg):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _desktop_quote(arg: str) -> str:
    # The desktop entry spec: quote arguments with reserved characters, escape \ " ` $ inside.
    if arg and all(c.isalnum() or c in "/._-=:+@," for c in arg):
        return arg
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return f'"{escaped}"'.replace("%", "%%")


def desktop_text(command: Sequence[str]) -> str:
    """The XDG autostart entry that runs ``command`` at login.

    >>> entry = desktop_text(["/opt/room/bin/python", "-m", "installation", "kiosk", "--supervise"])
    >>> print(entry.splitlines()[4])
    Exec=/opt/room/bin/python -m installation kiosk --supervise
    """
    return f"""[Desktop Entry]
Type=Application
Name=Monitoring Room
Comment=Gallery kiosk: starts the monitoring room at login (installation kiosk --install --xdg)
Exec={" ".join(_desktop_quote(arg) for arg in command)}
Terminal=false
NoDisplay=true
X-GNOME-Autostart-enabled=true
"""


def _systemctl(args: Sequence[str], run: Runner) -> subprocess.CompletedProcess[str]:
    systemctl = shutil.which("systemctl")
    if systemctl is None:
        raise AutostartError(
            "systemctl not found: this system has no systemd; use `installation kiosk --install --xdg`"
        )
    try:
        result = run([systemctl, "--user", *args], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        raise AutostartError(f"systemctl --user {' '.join(args)}: {exc}") from None
    if result.returncode != 0:
        detail = (result.stderr or result.stdout or "").strip().splitlines()
        said = detail[-1] if detail else f"exit {result.returncode}"
        raise AutostartError(
            f"systemctl --user {' '.join(args)} failed ({said}); "
            "without a systemd user session use `installation kiosk --install --xdg`"
        )
    return result


def installed() -> list[str]:
    """Which autostart methods are installed now."""
    return [name for name, path in ((SYSTEMD, unit_path()), (XDG, desktop_path())) if path.exists()]


def install(
    method: str = SYSTEMD,
    *,
    config: Path | None = None,
    demo: bool = False,
    run: Runner = subprocess.run,
) -> list[str]:
    """Install autostart by ``method`` (removing the other one); lines saying what was done."""
    done: list[str] = []
    if method == SYSTEMD:
        path = unit_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(unit_text(kiosk_command(config, demo=demo)), encoding="utf-8")
        done.append(f"wrote {path}")
        try:
            _systemctl(["daemon-reload"], run)
            _systemctl(["enable", UNIT_NAME], run)
        except AutostartError:
            path.unlink(missing_ok=True)
            raise
        done.append(f"enabled {UNIT_NAME}: the kiosk starts with the desktop session")
        if desktop_path().exists():
            desktop_path().unlink()
            done.append(f"removed {desktop_path()} (one autostart only)")
        done.append(f"start it now with: systemctl --user start {UNIT_NAME}")
        done.append(f"follow it with: journalctl --user -u {UNIT_NAME} -f")
    elif method == XDG:
        if unit_path().exists():
            done += _remove_unit(run)
        path = desktop_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(desktop_text(kiosk_command(config, demo=demo, supervise=True)), encoding="utf-8")
        done.append(f"wrote {path}: the kiosk starts at the next login (and restarts itself)")
    else:
        raise AutostartError(f"autostart method {method!r}: choose {SYSTEMD} or {XDG}")
    return done


def _remove_unit(run: Runner) -> list[str]:
    done = []
    try:
        _systemctl(["disable", "--now", UNIT_NAME], run)
        done.append(f"stopped and disabled {UNIT_NAME}")
    except AutostartError as exc:  # the file goes anyway: a unit without its file cannot start
        done.append(f"could not disable {UNIT_NAME} ({exc}); removing its file anyway")
    unit_path().unlink(missing_ok=True)
    done.append(f"removed {unit_path()}")
    try:
        _systemctl(["daemon-reload"], run)
    except AutostartError:
        pass
    return done


def uninstall(*, run: Runner = subprocess.run) -> list[str]:
    """Remove whatever autostart is installed; lines saying what was done."""
    done: list[str] = []
    if unit_path().exists():
        done += _remove_unit(run)
    if desktop_path().exists():
        desktop_path().unlink()
        done.append(f"removed {desktop_path()}")
    return done or ["no autostart installed: nothing to remove"]
