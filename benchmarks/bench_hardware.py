"""Panel latency, firmware in the loop: how fast does the physical panel follow?

    .venv/bin/python benchmarks/bench_hardware.py [--changes 50] [--json]

Runs the real firmware in the emulator (make -C hardware first), held to the
wall clock, with the real host link on its pty, and measures:

- state -> LED: ``PanelLink.show()`` with a new exposure state until the red
  LED's pin changes;
- button -> control: the effect button's pin pulled low until ``ControlState``
  changes after ``drain_panel_events`` (polled every millisecond, so a render
  loop's frame period comes on top);
- knob -> control: the knob's voltage changed until the strength follows;
- command -> servo (on an emulated Mega): ``ServoHead.go_to()`` until a servo's
  pulse width changes, in emulated time, from the moment the command's first
  byte reached the board's UART to the end of the first pulse of the new width.

Each is repeated ``--changes`` times; p50, p95 and max are printed in ms.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import queue
import random
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType

from installation.control.state import ControlState, IndicatorState, PanelEvent, drain_panel_events
from installation.hardware import PanelLink
from installation.steer.head import Pose
from installation.steer.servo import ServoGeometry, ServoHead

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 50.0


def _load_simboard() -> ModuleType:
    spec = importlib.util.spec_from_file_location("panel_simboard", ROOT / "hardware" / "sim" / "simboard.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["panel_simboard"] = module
    spec.loader.exec_module(module)
    return module


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(p95 * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


def wait_change(
    controls: ControlState,
    events: queue.SimpleQueue[PanelEvent],
    before: object,
    read: object,
    timeout: float = 1.0,
) -> float | None:
    """Drains events every millisecond until ``read()`` differs from ``before``; when it did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        drain_panel_events(events, controls)
        if read() != before:  # type: ignore[operator]
            return time.monotonic()
        time.sleep(0.001)
    return None


def run(changes: int) -> dict[str, object]:
    simboard = _load_simboard()
    reason = simboard.missing()
    if reason:
        raise SystemExit(f"bench_hardware: {reason}")
    rng = random.Random(7)
    results: dict[str, object] = {}
    with simboard.SimBoard() as board:
        events: queue.SimpleQueue[PanelEvent] = queue.SimpleQueue()
        link = PanelLink(board.pty, events=events, adopt_knob=False).start()
        try:
            if not link.wait_connected(5.0):
                raise SystemExit(f"bench_hardware: {link.status.text}")
            board.wait_booted(2.0)
            state = IndicatorState(exposed=False, live=True, faces=1)
            link.show(state)
            board.wait_level("EXPOSURE_RED", 0, 2.0)

            led: list[float] = []
            missed = 0
            for _ in range(changes):
                time.sleep(0.05 + rng.random() * 0.05)
                state = state.with_(exposed=not state.exposed)
                start = time.monotonic()
                link.show(state)
                if not board.wait_level("EXPOSURE_RED", int(state.exposed), 1.0):
                    missed += 1
                    continue
                pin = board.avr("EXPOSURE_RED")
                change = next(c for c in reversed(board.changes) if c.pin == pin)
                led.append(change.wall - start)
            results["state_to_led"] = {**summary(led), "missed": missed}

            controls = ControlState(cameras=2)
            drain_panel_events(events, controls)
            press: list[float] = []
            missed = 0
            for _ in range(changes):
                time.sleep(0.05 + rng.random() * 0.05)
                before = controls.effect
                start = time.monotonic()
                board.drive("BUTTON_EFFECT", 0)
                done = wait_change(controls, events, before, lambda: controls.effect)
                board.drive("BUTTON_EFFECT", 1)
                if done is None:
                    missed += 1
                else:
                    press.append(done - start)
            results["button_to_control"] = {**summary(press), "missed": missed}

            knob: list[float] = []
            missed = 0
            for i in range(changes):
                time.sleep(0.05 + rng.random() * 0.05)
                strength = round(controls.strength, 3)
                start = time.monotonic()
                board.turn(0.2 + 0.6 * (i % 2))
                done = wait_change(controls, events, strength, lambda: round(controls.strength, 3))
                if done is None:
                    missed += 1
                else:
                    knob.append(done - start)
            results["knob_to_control"] = {**summary(knob), "missed": missed}

            # How far the emulated clock drifted from the wall clock over the run.
            first, last = board.changes[0], board.changes[-1]
            results["emulator_drift_ms"] = round(
                ((last.wall - first.wall) - (last.emulated - first.emulated)) * 1000, 1
            )
        finally:
            link.stop()
    if simboard.missing("mega") is None:
        results["command_to_servo"] = run_servo(simboard, changes, rng)
    return results


def run_servo(simboard: ModuleType, changes: int, rng: random.Random) -> dict[str, object]:
    """Host command to servo pulse change on the emulated Mega, in emulated time."""
    with simboard.SimBoard("mega") as board:
        link = PanelLink(board.pty)
        head = ServoHead(link, ServoGeometry(pan_degrees=(30, 150), tilt_degrees=(60, 120), top_speed=180))
        link.start()
        try:
            if not link.wait_until(lambda lk: head.steerable, 5.0):
                raise SystemExit(f"bench_hardware: {head.status}")
            board.wait_pulse("SERVO_PAN", lambda us: us > 0, 2.0)
            latencies: list[float] = []
            missed = 0
            for i in range(changes):
                time.sleep(0.05 + rng.random() * 0.05)
                sent = len(board.frames("H,"))
                head.go_to(Pose(pan=0.1 if i % 2 == 0 else 0.0))
                if not board.wait_until(lambda n=sent: len(board.frames("H,")) > n, 1.0):
                    missed += 1
                    continue
                since = board.frames("H,")[sent].emulated
                if not board.wait_until(lambda t=since: bool(board.pulses_of("SERVO_PAN", t)), 1.0):
                    missed += 1
                    continue
                latencies.append(board.pulses_of("SERVO_PAN", since)[0].emulated - since)
                link.wait_until(lambda lk: lk.head is not None and not lk.head.moving, 1.0)
        finally:
            link.stop()
    if not latencies:
        return {"n": 0, "p50_ms": 0.0, "p95_ms": 0.0, "max_ms": 0.0, "missed": missed}
    return {**summary(latencies), "missed": missed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Panel latency with the firmware in the emulator.")
    parser.add_argument("--changes", type=int, default=50, help="changes measured per kind (default 50)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    results = run(args.changes)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"{'':20} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  (target < {TARGET_MS:g} ms)")
    for name in ("state_to_led", "button_to_control", "knob_to_control", "command_to_servo"):
        if name not in results:
            print(f"{name:20} not measured: the Mega firmware is not built (make -C hardware)")
            continue
        r = results[name]
        assert isinstance(r, dict)
        flag = "" if r["max_ms"] < TARGET_MS and not r["missed"] else "  OVER" if r["n"] else "  FAILED"
        missed = f"  missed {r['missed']}" if r["missed"] else ""
        print(f"{name:20} {r['n']:>4} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['max_ms']:>8}{flag}{missed}")
    print(f"emulated clock vs wall clock over the run: {results['emulator_drift_ms']} ms apart")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
