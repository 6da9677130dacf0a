"""The screen options every command that opens the room shares (``run``, ``demo``, ``workshop``,
``kiosk``), defined once."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from installation.errors import UsageError

if TYPE_CHECKING:
    from installation.room.options import RoomOptions
    from installation.steer import Pose


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


def add_steer_options(parser: argparse.ArgumentParser) -> None:
    """``--pan``, ``--tilt`` and ``--zoom``: the starting view of the camera on the large monitor
    (``run`` and ``demo``)."""
    group = parser.add_argument_group(
        "starting view",
        "where the camera on the large monitor points at the start; it must be one that can be steered "
        '(head = "digital"); if it is not, the first camera that can be is put there',
    )
    group.add_argument(
        "--pan", type=float, default=None, metavar="P", help="-1 (far left) to 1 (far right), 0 home"
    )
    group.add_argument(
        "--tilt", type=float, default=None, metavar="T", help="-1 (lowest) to 1 (highest), 0 home"
    )
    group.add_argument("--zoom", type=float, default=None, metavar="Z", help="1 (not zoomed) or more")


def start_pose(args: argparse.Namespace) -> Pose | None:
    """The starting view ``--pan``, ``--tilt`` and ``--zoom`` ask for (None: none of them given);
    each is checked against its range (the camera's own limits apply after).

    >>> start_pose(argparse.Namespace(pan=0.5, tilt=None, zoom=2))
    Pose(pan=0.5, tilt=0.0, zoom=2.0)
    >>> start_pose(argparse.Namespace(pan=None, tilt=-3.0, zoom=None))
    Traceback (most recent call last):
    ...
    installation.errors.UsageError: --tilt: expected a number from -1 to 1, got -3
    """
    import math

    from installation.steer import Pose

    pan, tilt, zoom = (getattr(args, name, None) for name in ("pan", "tilt", "zoom"))
    if pan is None and tilt is None and zoom is None:
        return None
    for name, value in (("pan", pan), ("tilt", tilt)):
        if value is not None and not (math.isfinite(value) and -1.0 <= value <= 1.0):
            raise UsageError(f"--{name}: expected a number from -1 to 1, got {value:g}")
    if zoom is not None and not (math.isfinite(zoom) and zoom >= 1.0):
        raise UsageError(f"--zoom: expected 1 (not zoomed) or more, got {zoom:g}")
    return Pose(float(pan or 0.0), float(tilt or 0.0), float(zoom or 1.0))


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
        pose=start_pose(args),
    )
