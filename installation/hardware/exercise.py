"""Finding and exercising the physical panel by hand (``installation panel``): the serial ports and
which ones ``auto`` would try, and every light in turn while presses, turns and the joystick are
printed."""

from __future__ import annotations

import itertools
import queue
import sys
import time
from collections.abc import Iterator

from installation.control.state import IndicatorState, PanelEvent
from installation.errors import HardwareError
from installation.hardware.link import PanelLink, SteerInput
from installation.hardware.serialport import arduino_ports, list_serial_ports


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


def describe_steering(steer: SteerInput) -> str:
    """One line for a joystick reading, so a technician can check which way is which.

    >>> describe_steering(SteerInput("move", 0.5, -1.0, 0.0))
    'joystick: pan +50% (right) tilt -100% (down) zoom +0%'
    """
    if steer.kind == "home":
        return "joystick: pushed down (home)"
    pan = " (right)" if steer.pan > 0 else " (left)" if steer.pan < 0 else ""
    tilt = " (up)" if steer.tilt > 0 else " (down)" if steer.tilt < 0 else ""
    return (
        f"joystick: pan {round(100 * steer.pan):+d}%{pan} tilt {round(100 * steer.tilt):+d}%{tilt} "
        f"zoom {round(100 * steer.zoom):+d}%"
    )


def exercise(port: str, seconds: float, timeout: float) -> int:
    events: queue.SimpleQueue[PanelEvent] = queue.SimpleQueue()
    with PanelLink(port, events=events, adopt_knob=False) as link:
        if not link.wait_connected(timeout):
            raise HardwareError(link.status.text.removeprefix("panel: "))
        print(link.status.text)
        controls = "press the buttons and turn the knob"
        if link.status.head:
            controls += "; push the joystick (right and up should read +) and the zoom buttons"
        print(f"lighting each indicator in turn; {controls} (Ctrl-C stops)")
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
                while not link.steering.empty():
                    print(f"  {describe_steering(link.steering.get_nowait())}", flush=True)
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
