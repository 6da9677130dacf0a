"""``installation kiosk``: run the room unattended in a gallery (:mod:`installation.modes.kiosk`),
install it to start at login, or supervise it where there is no systemd."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from installation.commands.options import add_screen_options, room_options
from installation.config import Config, default_config_path, demo_config, load_config
from installation.errors import UsageError
from installation.modes.kiosk.exits import EXIT_CODES, EXIT_OK
from installation.modes.kiosk.files import InstanceLock, lock_path, runtime_dir
from installation.modes.kiosk.supervise import supervise

log = logging.getLogger(__name__)


def choose_config(path: Path | None, demo: bool = False) -> tuple[Config, Path | None]:
    """The config the kiosk runs: ``--config``, else the default file, else the bundled demo."""
    if demo:
        return demo_config(), None
    if path is not None:
        return load_config(path), Path(path).expanduser().resolve()
    default = default_config_path()
    if default.exists():
        return load_config(default), default
    log.warning(
        "no config file at %s (create one with `installation config init`); showing the bundled demo footage",
        default,
    )
    return demo_config(), None


def _child_arguments(args: argparse.Namespace) -> list[str]:
    argv: list[str] = []
    if args.config is not None:
        argv += ["--config", str(Path(args.config).expanduser().resolve())]
    if args.demo:
        argv.append("--demo")
    if args.window:
        argv.append("--window")
    if args.display is not None:
        argv += ["--display", str(args.display)]
    if args.size:
        argv += ["--size", args.size]
    return argv


def kiosk_command(args: argparse.Namespace) -> int:
    if args.install or args.uninstall:
        from installation import autostart

        if args.install and args.uninstall:
            raise UsageError("--install and --uninstall: choose one")
        if args.uninstall:
            messages = autostart.uninstall()
        else:
            config = args.config
            if config is None and not args.demo and default_config_path().exists():
                config = default_config_path()
            if config is not None:
                load_config(config)  # refuse to install a kiosk that cannot start
            messages = autostart.install(
                autostart.XDG if args.xdg else autostart.SYSTEMD,
                config=Path(config).expanduser().resolve() if config else None,
                demo=args.demo,
            )
        for line in messages:
            print(line)
        return EXIT_OK
    if args.xdg:
        raise UsageError("--xdg only goes with --install")
    if args.supervise:
        return supervise([sys.executable, "-m", "installation", "kiosk", *_child_arguments(args)])
    config, path = choose_config(args.config, args.demo)
    options = room_options(args, live=path is not None)
    from installation.modes.kiosk.loop import Kiosk

    with InstanceLock(lock_path()):
        return Kiosk(config, options, config_path=path, count_stats=True).run()


def register(subparsers: Any) -> None:
    """Add ``kiosk`` to the ``installation`` command's sub-parsers."""
    summary = "run the room unattended in a gallery: fullscreen, one instance, watchdog, opening hours"
    codes = "\n".join(f"  {code:>3}  {meaning}" for code, meaning in EXIT_CODES.items())
    p = subparsers.add_parser(
        "kiosk",
        help=summary,
        description=summary + ". The facilitator panel opens with a 3 s press in the top-left corner "
        "(or Ctrl+Alt+F) and the PIN from [kiosk] pin.",
        epilog=f"exit codes:\n{codes}\n\nlock and heartbeat files: {runtime_dir()}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help=f"the installation's TOML config (default: {default_config_path()})",
    )
    p.add_argument("--demo", action="store_true", help="run on the bundled recorded footage, not a config")
    p.add_argument(
        "--install",
        action="store_true",
        help="start the kiosk at login: a systemd user unit (or with --xdg an autostart entry)",
    )
    p.add_argument(
        "--xdg",
        action="store_true",
        help="with --install: an XDG autostart entry, for desktops without systemd user sessions",
    )
    p.add_argument("--uninstall", action="store_true", help="remove what --install installed")
    p.add_argument(
        "--supervise",
        action="store_true",
        help="run the kiosk in a child process and restart it when it asks (used by --install --xdg)",
    )
    add_screen_options(p, windowed=False)
    p.set_defaults(func=kiosk_command)
