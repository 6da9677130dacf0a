"""Reads the panel's pin map from the firmware's pins.h, the one place it is written.

Used by the wiring diagram (wiring.py), the emulator harness wrapper
(sim/simboard.py), the firmware tests and the latency benchmark, so all of them
follow the firmware when a pin moves.

>>> pins = load_pins()
>>> pins["EXPOSURE_RED"].avr
'PD5'
>>> [p.name for p in pins.values() if p.group == "TALLY"]
['TALLY_1', 'TALLY_2', 'TALLY_3', 'TALLY_4']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

PINS_H = Path(__file__).resolve().parent / "firmware" / "monitoring_panel" / "pins.h"

_LINE = re.compile(
    r"^#define\s+PIN_(?P<name>\w+)\s+(?P<pin>A?\d+)\s*//\s*(?P<kind>\w+):(?P<colour>\w+)\s+(?P<label>.+?)\s*$"
)


@dataclass(frozen=True)
class Pin:
    """One line of pins.h: ``PIN_<name> <pin> // <kind>:<colour> <label>``."""

    name: str
    pin: str  # Arduino name: "4", "13", "A1"
    kind: str  # led, button, knob, onboard
    colour: str
    label: str

    @property
    def arduino(self) -> str:
        """The pin as printed on the Uno's header: D4, A1."""
        return self.pin if self.pin.startswith("A") else f"D{self.pin}"

    @property
    def avr(self) -> str:
        """The ATmega328P port pin, as the emulator reports it: PD4, PB5, PC1."""
        return avr_pin(self.pin)

    @property
    def group(self) -> str:
        """The name without a trailing number: TALLY_2 -> TALLY."""
        return re.sub(r"_\d+$", "", self.name)

    @property
    def adc_channel(self) -> int | None:
        return int(self.pin[1:]) if self.pin.startswith("A") else None


def avr_pin(pin: str) -> str:
    """Uno pin name to ATmega328P port pin.

    >>> avr_pin("2"), avr_pin("13"), avr_pin("A4")
    ('PD2', 'PB5', 'PC4')
    """
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


def load_pins(path: Path = PINS_H) -> dict[str, Pin]:
    """Every pin defined in pins.h, in file order, keyed by name (without PIN_)."""
    pins: dict[str, Pin] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.startswith("#define PIN_"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise ValueError(f"{path}:{number}: expected '#define PIN_NAME PIN  // kind:colour label'")
        pin = Pin(**match.groupdict())
        avr_pin(pin.pin)
        if pin.avr in {p.avr for p in pins.values()}:
            raise ValueError(f"{path}:{number}: pin {pin.arduino} is used twice")
        pins[pin.name] = pin
    return pins
