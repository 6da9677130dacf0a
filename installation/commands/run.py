"""``installation run``: the monitoring room on the cameras in a config file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from installation.commands.options import add_screen_options, add_steer_options, room_options


def run_command(args: argparse.Namespace) -> int:
    from installation.config import load_config
    from installation.room import Room
    from installation.stats.counter import attach_stats

    options = room_options(args, live=True)
    room = Room(load_config(args.config), options)
    attach_stats(room)
    return room.run()


def register(subparsers: Any) -> None:
    """Add ``run`` to the ``installation`` command's sub-parsers."""
    summary = "open the monitoring room on the cameras in a config file"
    p = subparsers.add_parser("run", help=summary, description=summary)
    p.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="the installation's TOML config (default: the bundled demo footage)",
    )
    add_screen_options(p, windowed=False)
    add_steer_options(p)
    p.set_defaults(func=run_command)
