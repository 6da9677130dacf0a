"""The screen options every command that opens the room shares (``run``, ``demo``, ``workshop``,
``kiosk``), defined once."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from installation.errors import UsageError

if TYPE_CHECKING:
    from installation.room.options import RoomOptions


def add_screen_options(parser: argparse.ArgumentParser, *, windowed: bool) -> None:
    """The screen options, meaning the same on every command that opens the room (``run``, ``demo``,
    ``workshop``): ``--window`` or ``--fullscreen``, ``--display``, ``--size``, ``--headless``,
    ``--frames``, ``--screenshot``. ``windowed``: a window unless asked otherwise."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--window",
        action="store_true",
        help="a window instead of fullscreen" + (" (the default here)" if windowed else ""),
    )
    group.add_argument(
        "--fullscreen",
        action="store_true",
        help="fullscreen instead of a window"
        + ("" if windowed else " (the default unless display.fullscreen = false)"),
    )
    parser.add_argument(
        "--display",
        type=int,
        default=None,
        metavar="N",
        help="which display to use, counting from 0 (default: display.index)",
    )
    parser.add_argument("--size", default=None, metavar="WxH", help="window or screen size, e.g. 1280x720")
    parser.add_argument("--headless", action="store_true", help="draw without any screen (tests, benchmarks)")
    parser.add_argument("--frames", type=int, default=None, metavar="N", help="stop after N frames")
    parser.add_argument(
        "--screenshot",
        type=Path,
        default=None,
        metavar="PNG",
        help="save the last frame as PNG (on live cameras: refused while a face is exposed)",
    )


def room_options(args: argparse.Namespace, live: bool, *, windowed: bool = False) -> RoomOptions:
    """The screen options of ``run``, ``demo`` and ``workshop``; ``windowed``: a window by default."""
    from installation.display.screen import parse_size
    from installation.room.options import RoomOptions

    if args.frames is not None and args.frames < 1:
        raise UsageError(f"--frames: expected a positive number, got {args.frames}")
    if args.display is not None and args.display < 0:
        raise UsageError(f"--display: expected 0 or more, got {args.display}")
    return RoomOptions(
        window=args.window or (windowed and not args.fullscreen),
        fullscreen=args.fullscreen,
        display=args.display,
        size=parse_size(args.size) if args.size else None,
        headless=args.headless,
        frames=args.frames,
        screenshot=args.screenshot,
        live=live,
    )
