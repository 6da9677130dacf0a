"""``installation workshop``: the room with the workshop screen instead of the wall."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from installation.commands.options import add_screen_options, room_options


def workshop_command(args: argparse.Namespace) -> int:
    from installation.config import load_config
    from installation.modes.workshop.room import WORKSHOP_DEFAULTS, WorkshopRoom

    # A workshop runs in a window (a laptop beside the facilitator's notes) unless --fullscreen.
    options = room_options(args, live=args.config is not None, windowed=True)
    config = load_config(args.config, defaults=WORKSHOP_DEFAULTS)
    room = WorkshopRoom(config, options)
    if not args.no_stats:
        from installation.stats.counter import attach_stats

        attach_stats(room)
    return room.run()


def register(subparsers: Any) -> None:
    """Add ``workshop`` to the ``installation`` command's sub-parsers."""
    summary = "open the workshop screen: what the model sees, a live threshold, the evasion challenge"
    p = subparsers.add_parser(
        "workshop", help=summary, description=summary + ". In a window unless --fullscreen."
    )
    p.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="the installation's TOML config (default: the bundled demo footage)",
    )
    add_screen_options(p, windowed=True)
    p.add_argument("--no-stats", action="store_true", help="do not count anonymous statistics for this run")
    p.set_defaults(func=workshop_command)
