"""``installation demo``: the monitoring room on the bundled recorded footage (no camera, no board)."""

from __future__ import annotations

import argparse
from typing import Any

from installation.commands.options import add_screen_options, add_steer_options, room_options


def demo_command(args: argparse.Namespace) -> int:
    from installation.config import demo_config
    from installation.room import Room
    from installation.stats.counter import attach_stats

    options = room_options(args, live=False)
    room = Room(demo_config(), options)
    attach_stats(room)
    return room.run()


def register(subparsers: Any) -> None:
    """Add ``demo`` to the ``installation`` command's sub-parsers."""
    summary = "open the monitoring room on the bundled recorded footage (no camera, no board)"
    p = subparsers.add_parser("demo", help=summary, description=summary)
    add_screen_options(p, windowed=False)
    add_steer_options(p)
    p.set_defaults(func=demo_command)
