"""``installation panel``: find, check and exercise the physical panel.

installation panel --list             serial ports, and which ones `auto` would try
installation panel --port auto        is a panel there, and what firmware?
installation panel --test             walk through every light, print presses and turns
"""

from __future__ import annotations

import argparse

from installation.hardware.exercise import exercise, list_ports
from installation.hardware.link import probe
from installation.hardware.protocol import KNOB_MAX, PROTOCOL_VERSION


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Adds the ``panel`` subcommand to the ``installation`` command line."""
    parser = subparsers.add_parser(
        "panel",
        help="find and check the Arduino indicator panel",
        description="Find, check and exercise the Arduino indicator and control panel.",
    )
    parser.add_argument(
        "--port",
        default="auto",
        help="auto, a device path, serial:NUMBER, a pyserial URL or mock (default: auto)",
    )
    parser.add_argument("--list", action="store_true", help="list serial ports and exit")
    parser.add_argument(
        "--test",
        action="store_true",
        help="light every indicator in turn and print button presses and knob turns",
    )
    parser.add_argument(
        "--seconds", type=float, default=0.0, help="with --test: stop after this long (default: until Ctrl-C)"
    )
    parser.add_argument(
        "--timeout", type=float, default=5.0, help="seconds to wait for the board to answer (default: 5)"
    )
    parser.set_defaults(func=panel_command)


def panel_command(args: argparse.Namespace) -> int:
    if args.list:
        return list_ports()
    if args.test:
        return exercise(args.port, args.seconds, args.timeout)
    ready = probe(args.port, timeout=args.timeout)
    knob = "" if ready.knob is None else f", knob at {round(100 * ready.knob / KNOB_MAX)}%"
    if ready.protocol < PROTOCOL_VERSION:
        head = " (lights only: flash this release's firmware to steer a camera)"
    else:
        head = ", camera head" if ready.head else ""
    print(
        f"panel on {args.port}: firmware {ready.firmware}, protocol {ready.protocol}, "
        f"{ready.tally_leds} tally LEDs, {ready.bar_leds} face-bar LEDs{knob}{head}"
    )
    return 0
