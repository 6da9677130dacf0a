"""The panel's pin map (hardware/firmware/monitoring_panel/pins.h), as the wiring diagram, the
pin table in hardware/WIRING.md and the emulator read it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import hardware_module

HARDWARE = Path(__file__).resolve().parents[1] / "hardware"


pinmap = hardware_module("pinmap.py")
wiring = hardware_module("wiring.py")


def test_an_uno_panel_moves_to_a_mega_wire_for_wire() -> None:
    uno, mega = pinmap.load_pins("uno"), pinmap.load_pins("mega")
    assert {name: p.arduino for name, p in uno.items()} == {
        name: p.arduino for name, p in mega.items() if not p.mega_only
    }
    assert not any(p.mega_only for p in uno.values())
    head = {name for name, p in mega.items() if p.mega_only}
    assert head == {"SERVO_PAN", "SERVO_TILT", "STICK_PAN", "STICK_TILT", "STICK_HOME", "ZOOM_IN", "ZOOM_OUT"}


def test_the_servos_sit_on_the_pins_timer5_drives() -> None:
    # The firmware makes the pulses with Timer5's compare outputs OC5A and OC5B, in hardware.
    mega = pinmap.load_pins("mega")
    assert (mega["SERVO_PAN"].avr, mega["SERVO_TILT"].avr) == ("PL3", "PL4")
    assert mega["STICK_PAN"].adc_channel is not None and mega["STICK_TILT"].adc_channel is not None
    assert [p.kind for p in mega.values() if p.name.startswith(("ZOOM", "STICK_HOME"))] == ["button"] * 3


def test_the_pin_table_in_wiring_md_is_the_one_pins_h_gives() -> None:
    text = (HARDWARE / "WIRING.md").read_text(encoding="utf-8")
    assert wiring.with_table(text, pinmap.load_pins("mega")) == text, "run make -C hardware diagram"


@pytest.mark.parametrize("board", ["mega", "uno"])
def test_the_diagram_is_drawn_for_each_board(tmp_path: Path, board: str) -> None:
    out = tmp_path / f"wiring-{board}.png"
    wiring.draw(pinmap.load_pins(board), out, board)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["#define PIN_A 2  // led:red A", "#define PIN_B 2  // led:red B"], "pin D2 is used twice"),
        (
            ["#if defined(__AVR_ATmega32U4__)", "#define PIN_A 2  // led:red A", "#endif"],
            "unknown board macro",
        ),
        (["#define PIN_A A7  // knob:blue A"], "no analog pin A7 on an Uno"),
        (["#define PIN_A 4"], "expected '#define PIN_NAME PIN  // kind:colour label'"),
    ],
)
def test_a_pin_map_that_cannot_be_wired_is_refused(tmp_path: Path, lines: list[str], message: str) -> None:
    pins_h = tmp_path / "pins.h"
    pins_h.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        pinmap.load_pins("uno", pins_h)
