"""``installation panel``: find, check and exercise the physical panel.

installation panel --list             serial ports, and which ones `auto` would try
installation panel --port auto        is a panel there, and what firmware?
installation panel --test             walk through every light, print presses and turns
"""

from __future__ import annotations

import argparse
import itertools
import queue
import sys
import time
from collections.abc import Iterator

from installation.control.state import IndicatorState, PanelEvent
from installation.errors import HardwareError
from installation.hardware.link import PanelLink, probe
from installation.hardware.protocol import KNOB_MAX
from installation.hardware.serialport import arduino_ports, list_serial_ports


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
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.list:
        return list_ports()
    if args.test:
        return exercise(args.port, args.seconds, args.timeout)
    ready = probe(args.port, timeout=args.timeout)
    knob = "" if ready.knob is None else f", knob at {round(100 * ready.knob / KNOB_MAX)}%"
    print(
        f"panel on {args.port}: firmware {ready.firmware}, protocol {ready.protocol}, "
        f"{ready.tally_leds} tally LEDs, {ready.bar_leds} face-bar LEDs{knob}"
    )
    return 0


def list_ports() -> int:
    ports = list_serial_ports()
    candidates = {p.device for p in arduino_ports(ports)}
    if not ports:
        print("no serial ports")
    for port in ports:
        mark = f"  <- auto ({port.maker})" if port.device in candidates else ""
        print(f"{port}{mark}")
    return 0


def walk() -> Iterator[tuple[str, IndicatorState]]:
    """Each light alone, then the face bar filling up, forever."""
    base = IndicatorState(exposed=False, live=False, tally=15, faces=0, cameras=4)
    steps = [
        ("exposure green", base),
        ("exposure red", base.with_(exposed=True)),
        ("LIVE", base.with_(live=True)),
    ]
    steps += [(f"tally {i + 1}", base.with_(tally=i)) for i in range(4)]
    steps += [(f"face bar {n}", base.with_(faces=n)) for n in range(1, 7)]
    return itertools.cycle(steps)


def exercise(port: str, seconds: float, timeout: float) -> int:
    events: queue.SimpleQueue[PanelEvent] = queue.SimpleQueue()
    with PanelLink(port, events=events, adopt_knob=False) as link:
        if not link.wait_connected(timeout):
            raise HardwareError(link.status.text.removeprefix("panel: "))
        print(link.status.text)
        print("lighting each indicator in turn; press the buttons and turn the knob (Ctrl-C stops)")
        deadline = time.monotonic() + seconds if seconds > 0 else float("inf")
        steps = walk()
        next_step = 0.0
        try:
            while time.monotonic() < deadline:
                if time.monotonic() >= next_step:
                    name, state = next(steps)
                    link.show(state)
                    print(f"  light: {name}", flush=True)
                    next_step = time.monotonic() + 0.7
                try:
                    event = events.get(timeout=0.05)
                except queue.Empty:
                    continue
                if event.kind == "strength":
                    print(f"  knob: {round(100 * event.value)}%", flush=True)
                else:
                    print(f"  button: {event.kind}", flush=True)
        except KeyboardInterrupt:
            pass
        if not link.status.connected:
            print(link.status.text, file=sys.stderr)
            return 1
    return 0
