"""Draws the panel's wiring diagram (wiring.png) from the firmware's pin map.

    .venv/bin/python hardware/wiring.py          # or: make -C hardware diagram
    .venv/bin/python hardware/wiring.py --board uno -o wiring-uno.png

Every row comes from firmware/monitoring_panel/pins.h through pinmap.py, so
moving a pin there and running this again redraws the diagram and rewrites the
pin table in WIRING.md. The parts list in the picture is counted from the same
pins. The diagram is drawn for the Mega (with the camera head) unless another
board is named; an Uno is wired the same, without the camera head.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyBboxPatch, Polygon, Rectangle  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pinmap import BOARDS, Pin, load_pins  # noqa: E402

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "wiring.png"
WIRING_MD = HERE / "WIRING.md"
TABLE_BEGIN = "<!-- pin table: written by wiring.py -->"
TABLE_END = "<!-- end of pin table -->"

#: Series resistor for each LED colour on 5 V (about 6-9 mA each).
RESISTOR = {"red": "330 Ω", "green": "330 Ω", "yellow": "330 Ω", "white": "330 Ω", "blue": "330 Ω"}
LED_FACE = {
    "red": "#e53935",
    "green": "#43a047",
    "yellow": "#fdd835",
    "white": "#f5f5f5",
    "blue": "#1e88e5",
    "amber": "#ffb300",
}
GROUP_NOTES = {
    "EXPOSURE": "exposure light: two LEDs, or one bicolour\nred/green LED (common cathode)",
    "TALLY": "tally: one LED per camera",
    "FACES": "face bar: faces seen\n(a WS2812 strip on one pin is an option)",
    "HEAD": "camera head: a Mega only\n(an Uno is wired as far as A0)",
}
#: The servos' own supply, kept apart from the board's 5 V: a servo starting draws an amp or more.
SERVO_SUPPLY = "#ef6c00"
SERVO_WIRE = {"orange": "#fb8c00", "red": "#c62828", "brown": "#6d4c41"}

BOARD_X, BOARD_W = 0.0, 3.2
WIRE_END = 4.6  # where each pin's wire meets its part
GND_X = 7.5
LABEL_X = 7.85
NOTE_X = 14.5
V5_X = 4.0
SERVO_V_X = 6.95  # the servo supply's + rail
ROW = 1.0


def led(ax: plt.Axes, x: float, y: float, colour: str) -> None:
    """A diode pointing right (anode left), with its colour and two light arrows."""
    face = LED_FACE.get(colour, "#cccccc")
    ax.add_patch(
        Polygon([(x, y - 0.28), (x, y + 0.28), (x + 0.5, y)], closed=True, fc=face, ec="black", lw=1.2)
    )
    ax.plot([x + 0.5, x + 0.5], [y - 0.28, y + 0.28], color="black", lw=1.6)
    for dx in (0.12, 0.3):
        ax.annotate(
            "",
            xy=(x + dx + 0.25, y + 0.55),
            xytext=(x + dx, y + 0.3),
            arrowprops={"arrowstyle": "->", "lw": 0.9, "color": "#555555"},
        )


def resistor(ax: plt.Axes, x: float, y: float, label: str, width: float = 1.1) -> None:
    ax.add_patch(Rectangle((x, y - 0.16), width, 0.32, fc="#fff8e1", ec="black", lw=1.2))
    ax.text(x + width / 2, y, label, ha="center", va="center", fontsize=8.5)


def button(ax: plt.Axes, x: float, y: float) -> None:
    """A normally-open push button between x and x + 0.9."""
    ax.plot([x, x + 0.15], [y, y], color="black", lw=1.4)
    ax.plot([x + 0.75, x + 0.9], [y, y], color="black", lw=1.4)
    ax.plot([x + 0.15, x + 0.15], [y, y], marker="o", ms=4, mfc="white", mec="black")
    ax.plot([x + 0.75, x + 0.75], [y, y], marker="o", ms=4, mfc="white", mec="black")
    ax.plot([x + 0.1, x + 0.8], [y + 0.25, y + 0.25], color="black", lw=1.6)
    ax.plot([x + 0.45, x + 0.45], [y + 0.25, y + 0.5], color="black", lw=1.6)
    ax.plot([x + 0.3, x + 0.6], [y + 0.5, y + 0.5], color="black", lw=1.6)


def servo(ax: plt.Axes, x: float, y: float) -> None:
    """A hobby servo: a box with its horn, signal in on the left, + and - out on the right."""
    ax.add_patch(
        FancyBboxPatch(
            (x, y - 0.3), 1.1, 0.6, boxstyle="round,pad=0.02,rounding_size=0.08", fc="#263238", ec="black"
        )
    )
    ax.add_patch(Rectangle((x + 0.72, y - 0.06), 0.34, 0.12, fc="white", ec="black", lw=0.8))
    ax.text(x + 0.38, y, "servo", color="white", fontsize=8, ha="center", va="center")


def wire(ax: plt.Axes, xs: list[float], ys: list[float], colour: str = "#37474f") -> None:
    ax.plot(xs, ys, color=colour, lw=1.6, solid_capstyle="round")


def dot(ax: plt.Axes, x: float, y: float) -> None:
    ax.plot([x], [y], marker="o", ms=4.5, color="#37474f")


def draw(pins: dict[str, Pin], output: Path, board: str = "mega") -> None:
    name, mcu = BOARDS[board]
    # The servos go last, next to their supply below the board.
    servos = [p for p in pins.values() if p.kind == "servo"]
    rows = [p for p in pins.values() if p.kind != "servo"] + servos
    rows += [Pin("5V", "5V", "power", "red", "+5 V"), Pin("GND", "GND", "power", "black", "ground")]
    # A potentiometer is drawn under its pin's wire: its row is taller.
    heights = [1.7 * ROW if pin.kind in ("knob", "stick") else ROW for pin in rows]
    n = sum(heights)
    below = 2.2 if servos else 0.0  # room for the servo supply
    fig, ax = plt.subplots(figsize=(18, 0.62 * (n + below) + 5.6), dpi=110)
    ax.set_xlim(-0.6, 19.5)
    ax.set_ylim(-(n + below) - 4.0, 2.2)
    ax.axis("off")
    ax.set_aspect("equal")

    ax.text(-0.4, 1.55, f"Monitoring Room panel: {name} wiring", fontsize=17, weight="bold", va="center")
    ax.text(
        -0.4,
        0.95,
        "Generated by hardware/wiring.py from hardware/firmware/monitoring_panel/pins.h",
        fontsize=9.5,
        color="#555555",
        va="center",
    )

    top, bottom = 0.3, -n + 0.2
    ax.add_patch(
        FancyBboxPatch(
            (BOARD_X, bottom),
            BOARD_W,
            top - bottom,
            boxstyle="round,pad=0.02,rounding_size=0.25",
            fc="#00838f",
            ec="#004d52",
            lw=2,
        )
    )
    ax.text(
        BOARD_X + 0.75,
        (top + bottom) / 2,
        f"{name}  ({mcu})",
        color="white",
        fontsize=15,
        weight="bold",
        va="center",
        ha="center",
        rotation=90,
    )
    ax.text(
        BOARD_X + 0.25, bottom + 0.3, "USB to the host\ncomputer", color="#e0f7fa", fontsize=8.5, va="bottom"
    )

    y_of: dict[str, float] = {}
    for i, pin in enumerate(rows):
        y = -(sum(heights[:i]) + 0.5 * ROW)
        y_of[pin.name] = y
        ax.add_patch(Rectangle((BOARD_W - 0.45, y - 0.14), 0.28, 0.28, fc="#212121", ec="#cfd8dc"))
        ax.text(
            BOARD_W - 0.55,
            y,
            pin.arduino if pin.kind != "power" else pin.pin,
            color="white",
            ha="right",
            va="center",
            fontsize=9.5,
            family="monospace",
            weight="bold",
        )

    gnd_ys: list[float] = []
    v5_ys: list[float] = []
    servo_ys: list[float] = []
    for pin in rows:
        y = y_of[pin.name]
        x0 = BOARD_W - 0.17
        if pin.kind == "led":
            wire(ax, [x0, WIRE_END], [y, y])
            resistor(ax, WIRE_END, y, RESISTOR.get(pin.colour, "330 Ω"))
            wire(ax, [WIRE_END + 1.1, 6.4], [y, y])
            led(ax, 6.4, y, pin.colour)
            wire(ax, [6.9, GND_X], [y, y])
            dot(ax, GND_X, y)
            gnd_ys.append(y)
            ax.text(LABEL_X, y, f"{pin.label}: {pin.colour} LED", fontsize=9.5, va="center")
        elif pin.kind == "button":
            wire(ax, [x0, 6.0], [y, y])
            button(ax, 6.0, y)
            wire(ax, [6.9, GND_X], [y, y])
            dot(ax, GND_X, y)
            gnd_ys.append(y)
            ax.text(LABEL_X, y, f"{pin.label}: push button to GND", fontsize=9.5, va="center")
        elif pin.kind == "servo":
            wire(ax, [x0, 5.2], [y, y], SERVO_WIRE["orange"])
            servo(ax, 5.2, y)
            wire(ax, [6.3, SERVO_V_X], [y + 0.15, y + 0.15], SERVO_WIRE["red"])
            dot(ax, SERVO_V_X, y + 0.15)
            servo_ys.append(y + 0.15)
            wire(ax, [6.3, GND_X], [y - 0.15, y - 0.15], SERVO_WIRE["brown"])
            dot(ax, GND_X, y - 0.15)
            gnd_ys.append(y - 0.15)
            ax.text(
                LABEL_X,
                y,
                f"{pin.label}: servo, orange wire to {pin.arduino},\nred to the servo supply, brown to GND",
                fontsize=9.5,
                va="center",
            )
        elif pin.kind in ("knob", "stick"):
            wire(ax, [x0, 6.5], [y, y])
            ax.annotate(
                "",
                xy=(6.5, y - 0.42),
                xytext=(6.5, y),
                arrowprops={"arrowstyle": "-|>", "lw": 1.4, "color": "black"},
            )
            py = y - 0.6
            resistor(ax, 5.6, py, "10 kΩ linear", width=1.8)
            wire(ax, [V5_X, 5.6], [py, py], "#c62828")
            dot(ax, V5_X, py)
            v5_ys.append(py)
            wire(ax, [7.4, GND_X], [py, py])
            dot(ax, GND_X, py)
            gnd_ys.append(py)
            if pin.kind == "knob":
                what = (
                    f"{pin.label}: potentiometer, wiper to {pin.arduino},\n"
                    "ends to +5 V and GND (optional 100 nF wiper to GND)"
                )
            else:
                axis = "VRx" if pin.name.endswith("PAN") else "VRy"
                what = (
                    f"{pin.label}: joystick module {axis} to {pin.arduino},\n"
                    "its +5V and GND to the board's (a potentiometer)"
                )
            ax.text(LABEL_X, y - 0.3, what, fontsize=9.5, va="center")
        elif pin.kind == "onboard":
            wire(ax, [x0, 3.8], [y, y], "#90a4ae")
            ax.text(
                4.0,
                y,
                f"{pin.label}: the board's own LED 'L' on {pin.arduino}, nothing to wire",
                fontsize=9,
                va="center",
                color="#455a64",
                style="italic",
            )
        elif pin.name == "5V":
            wire(ax, [x0, V5_X], [y, y], "#c62828")
            v5_ys.append(y)
        elif pin.name == "GND":
            wire(ax, [x0, GND_X], [y, y])
            gnd_ys.append(y)

    if v5_ys:
        wire(ax, [V5_X, V5_X], [min(v5_ys), max(v5_ys)], "#c62828")
        ax.text(
            V5_X - 0.1,
            (min(v5_ys) + max(v5_ys)) / 2,
            "+5 V",
            color="#c62828",
            fontsize=9,
            ha="right",
            va="center",
        )
    if servos:
        # The servos' own 5-6 V supply: its + only to the servos, its - joined to GND (common ground).
        top = -n - 0.35
        ax.add_patch(
            FancyBboxPatch(
                (4.0, top - 1.3),
                2.3,
                1.05,
                boxstyle="round,pad=0.02,rounding_size=0.12",
                fc="#fff3e0",
                ec=SERVO_SUPPLY,
                lw=1.6,
            )
        )
        ax.text(5.15, top - 0.78, "servo supply\n5-6 V, 2 A or more", fontsize=8.5, ha="center", va="center")
        supply_plus, supply_minus = top - 0.45, top - 1.1
        wire(ax, [6.3, SERVO_V_X], [supply_plus, supply_plus], SERVO_SUPPLY)
        wire(ax, [SERVO_V_X, SERVO_V_X], [supply_plus, max(servo_ys)], SERVO_SUPPLY)
        ax.text(6.42, supply_plus + 0.2, "+", fontsize=10, weight="bold", color=SERVO_SUPPLY, va="center")
        wire(ax, [6.3, GND_X], [supply_minus, supply_minus])
        ax.text(6.42, supply_minus + 0.2, "−", fontsize=10, weight="bold", va="center")
        dot(ax, GND_X, supply_minus)
        gnd_ys.append(supply_minus)
        # 1000 uF across the supply, where it meets the servos.
        cy = (supply_plus + supply_minus) / 2
        wire(ax, [SERVO_V_X, SERVO_V_X + 0.2], [cy + 0.12, cy + 0.12], SERVO_SUPPLY)
        ax.plot([SERVO_V_X + 0.2, SERVO_V_X + 0.2], [cy - 0.02, cy + 0.26], color="black", lw=2)
        ax.plot([SERVO_V_X + 0.3, SERVO_V_X + 0.3], [cy - 0.02, cy + 0.26], color="black", lw=2)
        wire(ax, [SERVO_V_X + 0.3, GND_X], [cy + 0.12, cy + 0.12])
        dot(ax, GND_X, cy + 0.12)
        ax.text(
            LABEL_X,
            top - 0.75,
            "Servo supply: its own 5-6 V (a USB charger or a UBEC, 2 A or more), + to the servos' red\n"
            "wires only, never to the board's 5V; - to GND: one common ground. 1000 µF across it.",
            fontsize=9.5,
            va="center",
        )

    wire(ax, [GND_X, GND_X], [min(gnd_ys), max(gnd_ys)])
    ax.text(GND_X, max(gnd_ys) + 0.45, "GND", fontsize=9.5, weight="bold", ha="center")

    # Brackets naming the groups, on the right of the GND rail.
    groups: dict[str, list[float]] = {}
    for pin in rows:
        group = "EXPOSURE" if pin.name.startswith("EXPOSURE") else "HEAD" if pin.mega_only else pin.group
        if group in GROUP_NOTES:
            groups.setdefault(group, []).append(y_of[pin.name])
    for group, ys in groups.items():
        x = NOTE_X
        ax.plot(
            [x, x + 0.15, x + 0.15, x],
            [max(ys) + 0.3, max(ys) + 0.3, min(ys) - 0.3, min(ys) - 0.3],
            color="#607d8b",
            lw=1.2,
        )
        ax.text(
            x + 0.3, (max(ys) + min(ys)) / 2, GROUP_NOTES[group], fontsize=9, va="center", color="#37474f"
        )

    # Parts list, counted from the pin map.
    leds = Counter(p.colour for p in pins.values() if p.kind == "led")
    parts = [f"1 × {name} ({mcu}) + USB cable"]
    parts += [f"{count} × 5 mm {colour} LED" for colour, count in sorted(leds.items())]
    parts.append(f"{sum(leds.values())} × 330 Ω resistor, 1/4 W (one per LED)")
    # The joystick's own push is in its module, not a separate button.
    buttons = sum(1 for p in pins.values() if p.kind == "button" and p.name != "STICK_HOME")
    parts.append(f"{buttons} × momentary push button (normally open)")
    parts += ["1 × 10 kΩ linear potentiometer", "1 × 100 nF capacitor (optional, knob)"]
    if servos:
        parts += [
            "1 × thumb joystick module with push (KY-023)",
            f"{len(servos)} × hobby servo (SG90 / MG90S) + pan-tilt bracket",
            "1 × 5-6 V supply, 2 A or more, for the servos",
            "1 × 1000 µF 10 V electrolytic capacitor",
        ]
    parts.append("hook-up wire, a board or perfboard")
    notes = [
        "Each LED: pin → resistor → anode (long leg),",
        "cathode (flat side) → GND.",
        "Buttons need no resistor: the firmware turns",
        "on the pin's internal pull-up.",
        f"{sum(leds.values())} LEDs at about 6-9 mA each stay well",
        f"inside the {mcu}'s 200 mA total.",
    ]
    if servos:
        notes += ["Servos never run from the board's 5 V:", "their own supply, one common ground."]
    py = -(n + below) - 0.5
    ax.text(0.0, py, "Parts", fontsize=12, weight="bold", va="top")
    half = (len(parts) + 1) // 2
    for i, line in enumerate(parts):
        ax.text(0.0 + (i // half) * 7.8, py - 0.6 - (i % half) * 0.45, line, fontsize=9.5, va="top")
    ax.text(15.3, py, "Notes", fontsize=12, weight="bold", va="top")
    for i, line in enumerate(notes):
        ax.text(15.3, py - 0.6 - i * 0.45, line, fontsize=9, va="top", color="#455a64", wrap=True)

    fig.savefig(output, bbox_inches="tight", facecolor="white")
    plt.close(fig)


def pin_table(pins: dict[str, Pin], uno: dict[str, Pin] | None = None) -> str:
    """The Markdown pin table for WIRING.md: the Mega's pins, and where an Uno has the same."""
    uno = uno if uno is not None else load_pins("uno")
    lines = [
        "| pin | ATmega2560 (Mega) | ATmega328P (Uno) | part | what it does |",
        "| --- | --- | --- | --- | --- |",
    ]
    for pin in pins.values():
        part = {
            "led": f"{pin.colour} LED + {RESISTOR.get(pin.colour, '330 Ω')} to GND",
            "button": "joystick module SW" if pin.name == "STICK_HOME" else "push button to GND",
            "knob": "10 kΩ potentiometer wiper",
            "onboard": "on-board LED L",
            "servo": "servo signal (orange)",
            "stick": f"joystick module {'VRx' if pin.name.endswith('PAN') else 'VRy'}",
        }.get(pin.kind, pin.kind)
        on_uno = uno[pin.name].avr if pin.name in uno else "—"
        lines.append(f"| {pin.arduino} | {pin.avr} | {on_uno} | {part} | {pin.label} |")
    return "\n".join(lines)


def with_table(text: str, pins: dict[str, Pin]) -> str:
    """WIRING.md's text with the pin table between its markers written from ``pins`` (the Mega's)."""
    start, end = text.index(TABLE_BEGIN) + len(TABLE_BEGIN), text.index(TABLE_END)
    return text[:start] + "\n" + pin_table(pins) + "\n" + text[end:]


def update_table(pins: dict[str, Pin], path: Path = WIRING_MD) -> bool:
    """Rewrites the pin table between its markers in WIRING.md; True if it changed."""
    text = path.read_text(encoding="utf-8")
    new = with_table(text, pins)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT, help="PNG or SVG to write")
    parser.add_argument("--board", choices=sorted(BOARDS), default="mega", help="the board to draw")
    args = parser.parse_args(argv)
    draw(load_pins(args.board), args.output, args.board)
    print(f"wrote {args.output}")
    if WIRING_MD.exists() and update_table(load_pins("mega")):
        print(f"updated the pin table in {WIRING_MD}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
