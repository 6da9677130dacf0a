"""The real firmware in the emulator, driven by the real host code over its pty.

Every test runs on both boards the firmware is built for: the Mega (with the
camera head) and the Uno (lights and controls only). The camera head has its
own tests in test_servo_sim.py.

Needs the firmware ELFs and the harness from `make -C hardware` (gcc-avr,
arduino-mk, libsimavr-dev); without them these tests are skipped.
"""

from __future__ import annotations

import os
import queue
import random
import time
from collections.abc import Iterator
from typing import Any

import pytest

from installation.control.state import ControlState, IndicatorState, PanelEvent, drain_panel_events
from installation.hardware import PanelLink, probe
from tests.conftest import hardware_module

simboard = hardware_module("sim/simboard.py")
Board = Any  # hardware/sim/simboard.py's SimBoard, loaded from its path above
BOARDS = ("mega", "uno")
# CI installs the toolchain and builds everything, so there a missing build is a failure, not a skip.
for _name in BOARDS:
    if os.environ.get("CI") and simboard.missing(_name) is not None:
        raise RuntimeError(f"firmware-in-the-loop tests cannot run in CI: {simboard.missing(_name)}")

# Generous: the emulator is held to the wall clock, but CI machines stall now and then.
WAIT = 3.0


@pytest.fixture(params=BOARDS)
def board(request: pytest.FixtureRequest) -> Iterator[Board]:
    reason = simboard.missing(request.param)
    if reason is not None:
        pytest.skip(reason)
    with simboard.SimBoard(request.param) as sim:
        yield sim
        assert sim.running, f"the firmware emulator stopped: {sim.output[-5:]}"
        assert not any(line.startswith("STATE") for line in sim.output), sim.output[-5:]


def connect(links: list[PanelLink], board: Board, **options: object) -> PanelLink:
    link = PanelLink(board.pty, **options)  # type: ignore[arg-type]
    links.append(link)
    link.start()
    assert link.wait_connected(WAIT), link.status.text
    return link


def expected_levels(board: Board, state: IndicatorState) -> dict[str, int]:
    """What every output pin should read for a state, from pins.h."""
    pins = board.pins
    levels = {
        "EXPOSURE_GREEN": int(not state.exposed),
        "EXPOSURE_RED": int(state.exposed),
        "LIVE": int(state.live),
        "LINK": 1,
    }
    tallies = [p.name for p in pins.values() if p.group == "TALLY"]
    bar = [p.name for p in pins.values() if p.group == "FACES"]
    for i, name in enumerate(tallies):
        levels[name] = int(i == state.tally and i < state.cameras)
    for i, name in enumerate(bar):
        levels[name] = int(i < state.faces)
    return levels


def offline_pattern_seen(board: Board) -> bool:
    """Exposure light amber (both colours), everything but LIVE dark, LIVE blinking."""
    dark = {p.name: 0 for p in board.pins.values() if p.group in ("TALLY", "FACES")}
    if not board.wait_levels({"EXPOSURE_GREEN": 1, "EXPOSURE_RED": 1, "LINK": 0, **dark}, WAIT):
        return False
    since = time.monotonic()
    deadline = since + WAIT
    while time.monotonic() < deadline:
        if board.toggles("LIVE", since) >= 2 and board.toggles("EXPOSURE_RED", since) >= 2:
            return True
        time.sleep(0.05)
    return False


def test_handshake_reports_the_firmware(board: Board, links: list[PanelLink]) -> None:
    ready = probe(board.pty, timeout=WAIT)
    assert ready.protocol == 2
    assert (ready.tally_leds, ready.bar_leds) == (4, 6)
    assert ready.head == (board.board == "mega")  # only a Mega has the pins for a camera head
    link = connect(links, board)
    assert link.status.firmware == ready.firmware
    assert board.wait_level("LINK", 1, WAIT)


def test_every_indicator_follows_the_application_state(board: Board, links: list[PanelLink]) -> None:
    link = connect(links, board)
    controls = ControlState(cameras=3)
    sequence = [
        IndicatorState.derive(controls, [1, 0, 0]),  # blurred: green
        IndicatorState(exposed=True, live=True, tally=0, faces=1, cameras=3),
        IndicatorState(exposed=True, live=False, tally=2, faces=4, cameras=3),
        IndicatorState(exposed=False, live=True, tally=1, faces=0, cameras=2),
        IndicatorState(exposed=False, live=True, tally=3, faces=9, cameras=4),  # bar full
        IndicatorState(exposed=False, live=True, tally=3, faces=2, cameras=2),  # tally beyond cameras: dark
    ]
    for state in sequence:
        link.show(state)
        wanted = expected_levels(board, state)
        assert board.wait_levels(wanted, WAIT), (state, {n: board.level(n) for n in wanted})


def test_buttons_and_knob_reach_the_control_state(board: Board, links: list[PanelLink]) -> None:
    events: queue.SimpleQueue[PanelEvent] = queue.SimpleQueue()
    link = connect(links, board, events=events, adopt_knob=False)
    controls = ControlState(cameras=3, strength=0.2)

    board.press("BUTTON_EFFECT")
    assert link.wait_events(1, WAIT)
    drain_panel_events(events, controls)
    assert controls.effect.value == "pixelate"

    board.press("BUTTON_CAMERA")
    assert link.wait_events(2, WAIT)
    drain_panel_events(events, controls)
    assert controls.selected == 1

    board.turn(0.8)
    assert link.wait_events(3, WAIT)
    # A turn landing inside the firmware's four-sample average is first reported half-way.
    time.sleep(0.1)
    turns = []
    while not events.empty():
        turns.append(events.get_nowait())
    event = turns[-1]
    assert event.kind == "strength" and event.value == pytest.approx(0.8, abs=0.01)
    event.apply(controls)
    assert controls.strength == pytest.approx(0.8, abs=0.01)


def test_bounces_and_knob_noise_are_not_sent(board: Board, links: list[PanelLink]) -> None:
    events: queue.SimpleQueue[PanelEvent] = queue.SimpleQueue()
    board.turn(0.5)
    time.sleep(0.1)  # read and reported before the host is there
    link = connect(links, board, events=events, adopt_knob=False)
    for _ in range(4):  # a contact chattering for a few milliseconds, then held down
        board.drive("BUTTON_EFFECT", 0)
        time.sleep(0.002)
        board.drive("BUTTON_EFFECT", 1)
        time.sleep(0.002)
    board.press("BUTTON_EFFECT")
    for wobble in (0.502, 0.498, 0.503, 0.5):  # a few ADC steps either way
        board.turn(wobble)
        time.sleep(0.03)
    board.press("BUTTON_CAMERA")
    assert link.wait_events(2, WAIT)
    time.sleep(0.1)
    got = []
    while not events.empty():
        got.append(events.get_nowait())
    assert got == [PanelEvent("effect"), PanelEvent("camera")]


def test_the_knob_position_becomes_the_strength_on_connect(board: Board, links: list[PanelLink]) -> None:
    board.turn(0.25)
    time.sleep(0.1)
    events: queue.SimpleQueue[PanelEvent] = queue.SimpleQueue()
    link = connect(links, board, events=events)
    assert link.wait_events(1, WAIT)
    controls = ControlState(strength=0.9)
    drain_panel_events(events, controls)
    assert controls.strength == pytest.approx(0.25, abs=0.01)


def test_offline_pattern_when_the_host_is_silent_and_recovery(board: Board, links: list[PanelLink]) -> None:
    state = IndicatorState(exposed=True, live=True, tally=1, faces=2, cameras=2)
    link = connect(links, board)
    link.show(state)
    assert board.wait_levels(expected_levels(board, state), WAIT)

    link.stop()  # the host goes quiet; the board must notice alone
    assert offline_pattern_seen(board)

    link = connect(links, board)
    link.show(state)
    assert board.wait_levels(expected_levels(board, state), WAIT)


def test_garbage_does_not_crash_or_hang_the_firmware(board: Board, links: list[PanelLink]) -> None:
    rng = random.Random(1234)
    assert board.wait_booted(WAIT)
    since = time.monotonic()
    fd = os.open(board.pty, os.O_RDWR | os.O_NOCTTY)
    try:
        noise = bytes(rng.randrange(256) for _ in range(3000))
        overlong = b"$S," + b"1," * 400 + b"*00\n"
        unterminated = b"$" + b"A" * 2000
        for chunk in (noise, overlong, unterminated, noise[::-1], b"$S,1,1,1,0,3,1*00\n$HELLO*ZZ\n"):
            os.write(fd, chunk)
            time.sleep(0.05)
    finally:
        os.close(fd)
    link = connect(links, board)
    state = IndicatorState(exposed=False, live=True, tally=0, faces=5, cameras=1)
    link.show(state)
    assert board.wait_levels(expected_levels(board, state), WAIT)
    # No watchdog reset either: that would show as the lamp test (every LED on) again.
    assert board.toggles("FACES_6", since) == 0, [
        line for line in board.output if "PIN P" not in line or "PC4" in line
    ]


def test_reopening_the_port_and_a_board_reset_are_recovered(board: Board, links: list[PanelLink]) -> None:
    state = IndicatorState(exposed=True, live=False, tally=0, faces=3, cameras=1)
    link = connect(links, board)
    link.show(state)
    assert board.wait_levels(expected_levels(board, state), WAIT)
    link.stop()

    link = connect(links, board)  # closed and opened again, as after an unplug
    state = state.with_(exposed=False)
    link.show(state)
    assert board.wait_levels(expected_levels(board, state), WAIT)

    board.reset()  # the board restarts under a running link (power glitch, reflash)
    assert board.wait_level("FACES_6", 1, WAIT)  # lamp test after reset
    assert board.wait_levels(expected_levels(board, state), WAIT)
    assert link.status.connected
