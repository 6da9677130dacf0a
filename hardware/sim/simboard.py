"""Drives the panel firmware in the emulator (build-uno/panel_sim) from Python.

Used by tests/test_firmware_sim.py, tests/test_servo_sim.py and
benchmarks/bench_hardware.py::

    with SimBoard("mega") as board:     # starts the harness, learns its pty
        link = PanelLink(board.pty)     # the real host code, on the emulated UART
        board.wait_level("LIVE", 1)     # pins by their pins.h names
        board.press("BUTTON_EFFECT")
        board.turn(0.75)
        board.push_stick(0.5, 0.0)      # the joystick, half right
        board.wait_pulse("SERVO_PAN", lambda us: us > 1500)

Pin changes, servo pulse widths and the frames the firmware received are read
from the harness's output by a thread; each is kept with its emulated time and
the wall-clock time it arrived.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any


def _load_pinmap() -> ModuleType:
    """hardware/pinmap.py, loaded by path: hardware/ is not a package."""
    name = "panel_pinmap"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parents[1] / "pinmap.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


pinmap = _load_pinmap()

HARDWARE = Path(__file__).resolve().parents[1]
HARNESS = HARDWARE / "build-sim" / "panel_sim"
#: The microcontroller the harness emulates for each board.
MCU = {"uno": "atmega328p", "mega": "atmega2560"}
VCC_MV = 5000
#: Longer than the firmware's 15 ms debounce, as a finger would be.
PRESS_SECONDS = 0.06
#: The firmware's lamp test after reset (LAMP_TEST_MS in monitoring_panel.ino).
LAMP_TEST_SECONDS = 0.4


def firmware_elf(board: str = "uno") -> Path:
    """The firmware ELF ``make -C hardware`` builds for ``board``."""
    return HARDWARE / f"build-{board}" / "monitoring_panel.elf"


def missing(board: str = "uno") -> str | None:
    """Why the emulator cannot run ``board``'s firmware here, or None if it can."""
    for path, what in ((firmware_elf(board), f"{board} firmware ELF"), (HARNESS, "emulator harness")):
        if not path.exists():
            return f"{what} {path} not built (needs gcc-avr, arduino-mk, libsimavr-dev: make -C hardware)"
    return None


@dataclass(frozen=True)
class Change:
    pin: str  # AVR name, PD4
    level: int
    emulated: float  # seconds since reset, as the MCU counts them
    wall: float  # time.monotonic() when the host read it


@dataclass(frozen=True)
class Pulse:
    """A servo's pulses changed width (0: they stopped)."""

    pin: str  # AVR name, PL3
    width: float  # microseconds
    emulated: float  # the falling edge of the first pulse of this width
    wall: float


@dataclass(frozen=True)
class Received:
    """A frame the firmware received, as the harness fed it to the UART."""

    body: str  # between '$' and the newline, checksum included
    emulated: float  # when its '$' reached the UART
    wall: float


class SimBoard:
    """The firmware running in panel_sim, with its pins readable and its inputs drivable.

    ``board`` is ``uno`` or ``mega``; the pins are read from pins.h for it, and a
    joystick (if the board has one) starts at rest.
    """

    def __init__(self, board: str = "uno", firmware: Path | None = None, harness: Path = HARNESS) -> None:
        self.board = board
        self.pins: dict[str, Any] = pinmap.load_pins(board)  # pinmap.Pin by name
        self.firmware = firmware if firmware is not None else firmware_elf(board)
        self.harness = harness
        self.pty = ""
        self.changes: list[Change] = []
        self.levels: dict[str, int] = {}
        self.pulses: list[Pulse] = []
        self.widths: dict[str, float] = {}
        self.received: list[Received] = []
        self.output: list[str] = []
        self._cond = threading.Condition()
        self._proc: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None

    # -- lifetime ----------------------------------------------------------------
    def start(self, timeout: float = 5.0) -> SimBoard:
        released = [f"-i{p.avr}=1" for p in self.pins.values() if p.kind == "button"]
        at_rest = [f"-a{p.adc_channel}={VCC_MV // 2}" for p in self.pins.values() if p.kind == "stick"]
        servos = [f"-p{p.avr}" for p in self.pins.values() if p.kind == "servo"]
        self._proc = subprocess.Popen(
            [str(self.harness), f"-m{MCU[self.board]}", *released, *at_rest, *servos, str(self.firmware)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self._reader = threading.Thread(target=self._read, name="panel-sim", daemon=True)
        self._reader.start()
        if not self._wait(lambda: bool(self.pty) or self._proc.poll() is not None, timeout) or not self.pty:
            self.stop()
            raise RuntimeError(f"panel_sim did not report its pty: {self.output[-5:]}")
        return self

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin:
                proc.stdin.write("QUIT\n")
                proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        try:
            proc.wait(2.0)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if self._reader is not None:
            self._reader.join(2.0)

    def __enter__(self) -> SimBoard:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _read(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        for line in proc.stdout:
            now = time.monotonic()
            words = line.split()
            with self._cond:
                self.output.append(line.rstrip("\n"))
                if len(words) == 4 and words[0] == "PIN" and words[3].startswith("t="):
                    change = Change(words[1], int(words[2]), float(words[3][2:]), now)
                    self.changes.append(change)
                    self.levels[change.pin] = change.level
                elif len(words) == 4 and words[0] == "PULSE" and words[3].startswith("t="):
                    pulse = Pulse(words[1], float(words[2]), float(words[3][2:]), now)
                    self.pulses.append(pulse)
                    self.widths[pulse.pin] = pulse.width
                elif len(words) == 3 and words[0] == "RX" and words[2].startswith("t="):
                    self.received.append(Received(words[1], float(words[2][2:]), now))
                elif len(words) == 2 and words[0] == "PTY":
                    self.pty = words[1]
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def _wait(self, predicate: object, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():  # type: ignore[operator]
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
            return True

    def wait_until(self, predicate: Any, timeout: float = 2.0) -> bool:
        """Waits until ``predicate()`` holds, re-checked whenever the harness reports something."""
        return self._wait(predicate, timeout)

    @property
    def emulated(self) -> float:
        """The latest emulated time the harness has reported (seconds since reset)."""
        with self._cond:
            times = [x[-1].emulated for x in (self.changes, self.pulses, self.received) if x]
            return max(times, default=0.0)

    # -- pins ----------------------------------------------------------------------
    def avr(self, name: str) -> str:
        """PD4 for "EXPOSURE_GREEN" (a pins.h name) or for "PD4" itself."""
        return self.pins[name].avr if name in self.pins else name

    def level(self, name: str) -> int | None:
        with self._cond:
            return self.levels.get(self.avr(name))

    def wait_level(self, name: str, level: int, timeout: float = 2.0) -> bool:
        pin = self.avr(name)
        return self._wait(lambda: self.levels.get(pin) == level, timeout)

    def wait_levels(self, wanted: dict[str, int], timeout: float = 2.0) -> bool:
        pins = {self.avr(name): level for name, level in wanted.items()}
        return self._wait(lambda: all(self.levels.get(p) == v for p, v in pins.items()), timeout)

    def wait_booted(self, timeout: float = 2.0) -> bool:
        """Waits until the lamp test after power-up is over and its pin changes are all read."""
        if not self._wait(lambda: any(c.emulated >= LAMP_TEST_SECONDS for c in self.changes), timeout):
            return False
        time.sleep(0.05)
        return True

    def width(self, name: str) -> float | None:
        """A servo's pulse width now, in microseconds (0 without pulses, None before any)."""
        with self._cond:
            return self.widths.get(self.avr(name))

    def wait_pulse(self, name: str, predicate: Any, timeout: float = 2.0) -> bool:
        """Waits until ``predicate(width)`` holds for a servo's pulse width in microseconds."""
        pin = self.avr(name)
        return self._wait(lambda: pin in self.widths and predicate(self.widths[pin]), timeout)

    def pulses_of(self, name: str, since: float = 0.0) -> list[Pulse]:
        """A servo's width changes, oldest first, from emulated time ``since`` on."""
        pin = self.avr(name)
        with self._cond:
            return [p for p in self.pulses if p.pin == pin and p.emulated >= since]

    def frames(self, prefix: str = "") -> list[Received]:
        """The frames the firmware received whose body starts with ``prefix``."""
        with self._cond:
            return [r for r in self.received if r.body.startswith(prefix)]

    def wait_frame(self, prefix: str, timeout: float = 2.0, since: float = 0.0) -> Received | None:
        """The first frame starting with ``prefix`` received at emulated time ``since`` or later."""
        found: list[Received] = []

        def arrived() -> bool:
            found[:] = [r for r in self.received if r.body.startswith(prefix) and r.emulated >= since]
            return bool(found)

        return found[0] if self._wait(arrived, timeout) else None

    def toggles(self, name: str, since: float) -> int:
        """How many times a pin changed after wall time ``since`` (time.monotonic())."""
        pin = self.avr(name)
        with self._cond:
            return sum(1 for c in self.changes if c.pin == pin and c.wall >= since)

    # -- inputs ----------------------------------------------------------------------
    def command(self, line: str) -> None:
        if self._proc is None or self._proc.stdin is None:
            raise RuntimeError("panel_sim is not running")
        self._proc.stdin.write(line + "\n")
        self._proc.stdin.flush()

    def drive(self, name: str, level: int) -> None:
        self.command(f"PIN {self.avr(name)} {level}")

    def press(self, name: str, hold: float = PRESS_SECONDS) -> None:
        """Presses a button (pulls its pin low) for ``hold`` seconds and lets go.

        The harness lets go after ``hold`` seconds of emulated time, so the firmware sees the
        press last that long even when the emulator lags behind the wall clock (on a busy
        machine it runs flat out to catch up, which would squeeze a press timed here).
        """
        self.command(f"PIN {self.avr(name)} 0 {round(hold * 1e6)}")
        time.sleep(hold)

    def turn(self, fraction: float, name: str = "KNOB") -> None:
        """Puts the knob's wiper at ``fraction`` of the supply voltage."""
        channel = self.pins[name].adc_channel
        self.command(f"ADC {channel} {round(min(1.0, max(0.0, fraction)) * VCC_MV)}")

    def push_stick(self, pan: float, tilt: float) -> None:
        """Puts the joystick at ``pan``, ``tilt`` (each -1 to 1 of its travel, 0 at rest)."""
        for name, value in (("STICK_PAN", pan), ("STICK_TILT", tilt)):
            self.turn((min(1.0, max(-1.0, value)) + 1) / 2, name)

    def reset(self) -> None:
        self.command("RESET")
