"""``installation config``: write a commented default config, check one, say where it lives
(:mod:`installation.configtool`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from installation.config import default_config_path, load_config
from installation.configtool import default_text, init, summary
from installation.errors import UsageError


def _chosen_path(args: argparse.Namespace) -> Path | None:
    """The file ``PATH`` or ``--config FILE`` names (either; both only when they agree)."""
    given = [p for p in (args.path, args.config) if p is not None]
    if len(given) == 2 and str(given[0]) != str(given[1]):
        raise UsageError(f"config {args.action}: give the file once, as PATH or as --config FILE, not both")
    return given[0] if given else None


def config_command(args: argparse.Namespace) -> int:
    args.path = _chosen_path(args)
    if args.action == "path":
        print(default_config_path())
        return 0
    if args.action == "init":
        if args.path is not None and str(args.path) == "-":
            sys.stdout.write(default_text())
            return 0
        target = init(args.path, force=args.force)
        print(f"wrote {target}")
        print(f"edit it, then check it with: installation config check {target}")
        return 0
    path = Path(args.path).expanduser() if args.path is not None else default_config_path()
    config = load_config(path)
    print(f"{path}: OK")
    for line in summary(config):
        print(f"  {line}")
    return 0


def register(subparsers: Any) -> None:
    """Add ``config`` (init, check, path) to the ``installation`` command's sub-parsers."""
    p = subparsers.add_parser(
        "config",
        help="write a commented default config, or check one",
        description="Write a fully commented default config (init), validate one (check), "
        f"or print where the default one lives (path: {default_config_path()}).",
    )
    p.add_argument("action", choices=("init", "check", "path"), help="init, check or path")
    p.add_argument(
        "path",
        nargs="?",
        type=Path,
        default=None,
        help="the config file (default: the default location; init: - prints it)",
    )
    p.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="the config file, as for every other command (the same as PATH)",
    )
    p.add_argument("--force", action="store_true", help="init: replace an existing file")
    p.set_defaults(func=config_command)
