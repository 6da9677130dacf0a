"""Reads the panel's pin map from the firmware's pins.h, the one place it is written.

Used by the wiring diagram (wiring.py), the emulator harness wrapper
(sim/simboard.py), the firmware tests and the latency benchmark, so all of them
follow the firmware when a pin moves.

The panel is built on an Arduino Mega 2560 (``mega``, with the camera head) or
an Arduino Uno (``uno``, lights and controls only). Pins inside an
``#if defined(__AVR_ATmega2560__)`` block of pins.h exist on the Mega only.

>>> pins = load_pins("uno")
>>> pins["EXPOSURE_RED"].avr
'PD5'
>>> [p.name for p in pins.values() if p.group == "TALLY"]
['TALLY_1', 'TALLY_2', 'TALLY_3', 'TALLY_4']
>>> mega = load_pins("mega")
>>> mega["EXPOSURE_RED"].avr, mega["SERVO_PAN"].avr, "SERVO_PAN" in pins
('PE3', 'PL3', False)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

PINS_H = Path(__file__).resolve().parent / "firmware" / "monitoring_panel" / "pins.h"

#: The boards the firmware builds for: name -> (what is printed on it, its microcontroller).
BOARDS = {"mega": ("Arduino Mega 2560", "ATmega2560"), "uno": ("Arduino Uno", "ATmega328P")}
#: The compiler's macro for each board's microcontroller, as pins.h tests it.
MCU_MACROS = {"__AVR_ATmega2560__": "mega", "__AVR_ATmega328P__": "uno"}

_LINE = re.compile(
    r"^#define\s+PIN_(?P<name>\w+)\s+(?P<pin>A?\d+)\s*//\s*(?P<kind>\w+):(?P<colour>\w+)\s+(?P<label>.+?)\s*$"
)
_IF = re.compile(r"^#\s*if\s+defined\s*\(\s*(?P<macro>\w+)\s*\)\s*$")

# The Mega's pin names (as on its header) to ATmega2560 port pins: D0-D53, then A0-A15.
_MEGA_DIGITAL = (
    "E0 E1 E4 E5 G5 E3 H3 H4 H5 H6 B4 B5 B6 B7 J1 J0 H1 H0 D3 D2 D1 D0 "
    "A0 A1 A2 A3 A4 A5 A6 A7 C7 C6 C5 C4 C3 C2 C1 C0 D7 G2 G1 G0 L7 L6 L5 L4 L3 L2 L1 L0 B3 B2 B1 B0"
).split()


@dataclass(frozen=True)
class Pin:
    """One line of pins.h: ``PIN_<name> <pin> // <kind>:<colour> <label>``, on one board."""

    name: str
    pin: str  # Arduino name: "4", "13", "A1"
    kind: str  # led, button, knob, onboard, servo, stick
    colour: str
    label: str
    board: str = "uno"
    mega_only: bool = False

    @property
    def arduino(self) -> str:
        """The pin as printed on the board's header: D4, A1."""
        return self.pin if self.pin.startswith("A") else f"D{self.pin}"

    @property
    def avr(self) -> str:
        """The microcontroller's port pin, as the emulator reports it: PD4 on an Uno, PG5 on a Mega."""
        return avr_pin(self.pin, self.board)

    @property
    def group(self) -> str:
        """The name without a trailing number: TALLY_2 -> TALLY."""
        return re.sub(r"_\d+$", "", self.name)

    @property
    def adc_channel(self) -> int | None:
        return int(self.pin[1:]) if self.pin.startswith("A") else None


def avr_pin(pin: str, board: str = "uno") -> str:
    """Arduino pin name to the microcontroller's port pin.

    >>> avr_pin("2"), avr_pin("13"), avr_pin("A4")
    ('PD2', 'PB5', 'PC4')
    >>> avr_pin("2", "mega"), avr_pin("46", "mega"), avr_pin("A6", "mega"), avr_pin("A9", "mega")
    ('PE4', 'PL3', 'PF6', 'PK1')
    """
    if board == "mega":
        if pin.startswith("A"):
            n = int(pin[1:])
            if not 0 <= n <= 15:
                raise ValueError(f"no analog pin {pin} on a Mega")
            return f"PF{n}" if n < 8 else f"PK{n - 8}"
        n = int(pin)
        if not 0 <= n < len(_MEGA_DIGITAL):
            raise ValueError(f"no digital pin {pin} on a Mega")
        return f"P{_MEGA_DIGITAL[n]}"
    if board != "uno":
        raise ValueError(f"no board {board!r} (one of {', '.join(BOARDS)})")
    if pin.startswith("A"):
        n = int(pin[1:])
        if not 0 <= n <= 5:
            raise ValueError(f"no analog pin {pin} on an Uno")
        return f"PC{n}"
    n = int(pin)
    if 0 <= n <= 7:
        return f"PD{n}"
    if 8 <= n <= 13:
        return f"PB{n - 8}"
    raise ValueError(f"no digital pin {pin} on an Uno")


def load_pins(board: str = "uno", path: Path = PINS_H) -> dict[str, Pin]:
    """Every pin pins.h defines for ``board``, in file order, keyed by name (without PIN_)."""
    if board not in BOARDS:
        raise ValueError(f"no board {board!r} (one of {', '.join(BOARDS)})")
    pins: dict[str, Pin] = {}
    # One entry per open #if/#ifndef: the board it is limited to, or None.
    blocks: list[str | None] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("#if"):
            match_if = _IF.match(stripped)
            if match_if is not None and match_if["macro"] not in MCU_MACROS:
                raise ValueError(f"{path}:{number}: unknown board macro {match_if['macro']}")
            blocks.append(MCU_MACROS[match_if["macro"]] if match_if is not None else None)
            continue
        if stripped.startswith("#endif"):
            if blocks:
                blocks.pop()
            continue
        if not line.startswith("#define PIN_"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise ValueError(f"{path}:{number}: expected '#define PIN_NAME PIN  // kind:colour label'")
        only = {b for b in blocks if b is not None}
        if only and board not in only:
            continue
        pin = Pin(**match.groupdict(), board=board, mega_only="mega" in only)
        try:
            avr_pin(pin.pin, board)
        except ValueError as exc:
            raise ValueError(f"{path}:{number}: {exc}") from None
        if pin.avr in {p.avr for p in pins.values()}:
            raise ValueError(f"{path}:{number}: pin {pin.arduino} is used twice")
        pins[pin.name] = pin
    return pins
