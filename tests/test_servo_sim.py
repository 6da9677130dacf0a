"""The camera head in the real firmware: servo pulse widths read from the emulated Mega's pins.

The harness (hardware/sim/panel_sim.c) measures each servo pin's pulses edge to edge and
reports every change of width with its emulated time, and every frame the firmware received
with the emulated time its first byte reached the UART; the host side is the real
PanelLink and ServoHead on the emulator's pty.

Needs the Mega firmware and the harness from `make -C hardware`; skipped without them.
"""

from __future__ import annotations

import os
import queue
import random
import statistics
import time
from collections.abc import Iterator
from typing import Any

import pytest

from installation.hardware import PanelLink, SteerInput
from installation.hardware.protocol import Ping, encode, frame
from installation.steer.head import HeadLimits, Pose
from installation.steer.servo import PARK_RATE, ServoGeometry, ServoHead
from tests.conftest import hardware_module

simboard = hardware_module("sim/simboard.py")
Board = Any  # hardware/sim/simboard.py's SimBoard
if os.environ.get("CI") and simboard.missing("mega") is not None:
    raise RuntimeError(f"firmware-in-the-loop tests cannot run in CI: {simboard.missing('mega')}")
pytestmark = pytest.mark.skipif(simboard.missing("mega") is not None, reason=str(simboard.missing("mega")))

WAIT = 3.0
#: The firmware's pulse for 0 and 180 degrees, in microseconds (SERVO_MIN_US, SERVO_MAX_US).
PULSE_0, PULSE_180 = 544.0, 2400.0
US_PER_DEGREE = (PULSE_180 - PULSE_0) / 180
#: The firmware's ceiling on a servo's rate (RATE_MAX), degrees per second.
BOARD_RATE_MAX = 180
GEOMETRY = ServoGeometry(pan_degrees=(30, 150), tilt_degrees=(60, 120), top_speed=90)


def pulse(degrees: float) -> float:
    return PULSE_0 + degrees * US_PER_DEGREE


@pytest.fixture
def board() -> Iterator[Board]:
    with simboard.SimBoard("mega") as sim:
        yield sim
        assert sim.running, f"the firmware emulator stopped: {sim.output[-5:]}"
        assert not any(line.startswith("STATE") for line in sim.output), sim.output[-5:]


def connect(
    links: list[PanelLink], board: Board, geometry: ServoGeometry = GEOMETRY, **options: Any
) -> ServoHead:
    limits = options.pop("limits", None)
    link = PanelLink(board.pty, **options)
    links.append(link)
    head = ServoHead(link, geometry, limits)
    link.start()
    assert link.wait_connected(WAIT), link.status.text
    assert link.wait_until(lambda lk: head.steerable, WAIT), head.status
    return head


def at(board: Board, name: str, degrees: float, timeout: float = WAIT) -> bool:
    """Waits until a servo's pulses point it at ``degrees`` (within a microsecond)."""
    return bool(board.wait_pulse(name, lambda us: abs(us - pulse(degrees)) <= 1.0, timeout))


def slope(points: list[Any]) -> float:
    """Least-squares rate of change of the pulse width, microseconds per emulated second."""
    ts = [p.emulated for p in points]
    ws = [p.width for p in points]
    return statistics.linear_regression(ts, ws).slope


def during_move(board: Board, name: str, since: float, start: float, end: float) -> list[Any]:
    """The width changes of one move, from ``start`` to ``end`` degrees, arrival left out."""
    low, high = sorted((pulse(start), pulse(end)))
    return [p for p in board.pulses_of(name, since) if low + 1 < p.width < high - 1]


def test_no_pulses_until_the_host_speaks_of_the_head(board: Board) -> None:
    assert board.wait_booted(WAIT)
    time.sleep(0.3)
    assert board.width("SERVO_PAN") is None and board.width("SERVO_TILT") is None


def test_a_command_moves_the_servos_within_the_limits_at_the_limited_rate(
    board: Board, links: list[PanelLink]
) -> None:
    head = connect(links, board, limits=HeadLimits(pan=(-0.5, 0.5), tilt=(-1.0, 1.0)))
    assert at(board, "SERVO_PAN", 90) and at(board, "SERVO_TILT", 90)  # pulses start at park: home
    since = board.emulated
    head.go_to(Pose(pan=1.0, tilt=1.0))  # pan beyond its limit of 0.5
    assert at(board, "SERVO_PAN", 120) and at(board, "SERVO_TILT", 120)
    time.sleep(0.2)
    widths = [p.width for p in board.pulses_of("SERVO_PAN", since)]
    assert max(widths) <= pulse(120) + 1.0  # never beyond the limit, not even on the way
    assert board.width("SERVO_PAN") == pytest.approx(pulse(120), abs=1.0)
    # Both have 30 degrees to go at the top speed of 90 deg/s: 928 us per second, the limited rate.
    for name in ("SERVO_PAN", "SERVO_TILT"):
        steps = during_move(board, name, since, 90, 120)
        assert len(steps) >= 10
        assert slope(steps) == pytest.approx(90 * US_PER_DEGREE, rel=0.05)
        biggest = max(b.width - a.width for a, b in zip(steps, steps[1:], strict=False))
        assert biggest <= 90 * US_PER_DEGREE * 0.02 * 1.2  # no jump: one 20 ms period's worth


def test_the_firmware_caps_the_rate_whatever_the_host_asks(board: Board, links: list[PanelLink]) -> None:
    head = connect(links, board)
    assert at(board, "SERVO_PAN", 90)
    since = board.emulated
    head.link.aim(30, 90, 999, 0)  # past the firmware's 180 deg/s
    assert at(board, "SERVO_PAN", 30)
    steps = during_move(board, "SERVO_PAN", since, 90, 30)
    assert slope(steps) == pytest.approx(-BOARD_RATE_MAX * US_PER_DEGREE, rel=0.05)
    assert board.width("SERVO_TILT") == pytest.approx(pulse(90), abs=1.0)  # rate 0: held


def test_stop_holds_the_servos_where_they_are(board: Board, links: list[PanelLink]) -> None:
    head = connect(links, board)
    assert at(board, "SERVO_PAN", 90)
    head.move(0.5, 0.0)  # 45 deg/s: over a second to the end, time enough to stop on the way
    assert board.wait_pulse("SERVO_PAN", lambda us: us > pulse(100), WAIT)
    head.stop()
    assert head.link.wait_until(lambda lk: lk.head is not None and not lk.head.moving, WAIT)
    time.sleep(0.06)  # the pulse under way when it stopped ends with the width before
    held = board.width("SERVO_PAN")
    assert pulse(100) < held < pulse(150)
    time.sleep(0.3)
    assert board.width("SERVO_PAN") == held
    assert head.pose.pan == pytest.approx(GEOMETRY.pose((held - PULSE_0) / US_PER_DEGREE, 90).pan, abs=0.01)


def test_silence_parks_the_servos_slowly(board: Board, links: list[PanelLink]) -> None:
    park = Pose(pan=0.25, tilt=-0.5)  # 105 and 75 degrees
    head = connect(links, board, ServoGeometry(pan_degrees=(30, 150), tilt_degrees=(60, 120), park=park))
    assert at(board, "SERVO_PAN", 105) and at(board, "SERVO_TILT", 75)
    head.go_to(Pose(pan=0.0, tilt=0.0))
    assert at(board, "SERVO_PAN", 90) and at(board, "SERVO_TILT", 90)

    time.sleep(0.1)
    head.link.stop()  # the host falls silent; the board must notice alone
    stopped = board.emulated
    last_frame = board.received[-1].emulated
    assert at(board, "SERVO_PAN", 105, timeout=5.0) and at(board, "SERVO_TILT", 75, timeout=5.0)
    steps = during_move(board, "SERVO_PAN", stopped, 90, 105)
    assert 2.0 <= steps[0].emulated - last_frame <= 2.05  # two seconds of silence, then it parks
    assert slope(steps) == pytest.approx(PARK_RATE * US_PER_DEGREE, rel=0.05)
    assert slope(during_move(board, "SERVO_TILT", stopped, 90, 75)) == pytest.approx(
        -PARK_RATE * US_PER_DEGREE, rel=0.05
    )
    time.sleep(0.3)
    assert board.width("SERVO_PAN") == pytest.approx(pulse(105), abs=1.0)  # and holds there


def test_garbage_does_not_move_the_servos(board: Board, links: list[PanelLink]) -> None:
    head = connect(links, board)  # its heartbeats keep the board from parking meanwhile
    head.go_to(Pose(pan=-0.5, tilt=0.5))
    assert at(board, "SERVO_PAN", 60) and at(board, "SERVO_TILT", 105)
    time.sleep(0.1)
    since = board.emulated
    rng = random.Random(77)
    flipped = bytearray(frame("H,9,1800,0,90,90"))
    flipped[5] ^= 0x04
    attempts = [
        bytes(rng.randrange(256) for _ in range(2000)),
        b"$H,2,1800,0,90,90*00\n",  # wrong checksum
        bytes(flipped),
        frame("H,3,1801,900,90,90"),  # beyond 180 degrees
        frame("H,4,900,900,1000,90"),  # rate out of range
        frame("H,5,-1,900,90,90"),
        frame("H,6,1800,0,90"),  # a field missing
        frame("H,7,1800,0,90,90,1"),  # one too many
        b"$H," + b"1" * 200 + b"*00\n",  # overlong
        frame("H,8,1800,0,90,90")[:6] + b"\x01" + frame("H,8,1800,0,90,90")[6:],  # a control byte
        b"$H,10,1800,0,90" + encode(Ping(11)),  # cut short by a new frame
    ]
    fd = os.open(board.pty, os.O_RDWR | os.O_NOCTTY)
    try:
        for chunk in attempts:
            os.write(fd, chunk)
            time.sleep(0.05)
    finally:
        os.close(fd)
    time.sleep(0.5)
    assert board.pulses_of("SERVO_PAN", since) == [] and board.pulses_of("SERVO_TILT", since) == []
    assert head.steerable
    head.go_to(Pose(pan=0.0, tilt=0.0))  # and it still takes a good command
    assert at(board, "SERVO_PAN", 90) and at(board, "SERVO_TILT", 90)


def test_a_command_changes_the_pulses_within_50_ms_of_emulated_time(
    board: Board, links: list[PanelLink]
) -> None:
    head = connect(links, board, ServoGeometry(pan_degrees=(30, 150), tilt_degrees=(60, 120), top_speed=180))
    assert at(board, "SERVO_PAN", 90)
    latencies = []
    for i in range(20):
        sent = len(board.frames("H,"))
        target = 0.1 if i % 2 == 0 else 0.0  # six degrees each way
        head.go_to(Pose(pan=target))
        assert board.wait_until(lambda n=sent: len(board.frames("H,")) > n, WAIT)
        received = board.frames("H,")[sent]  # its '$' reached the UART then
        since = received.emulated
        assert board.wait_until(lambda t=since: bool(board.pulses_of("SERVO_PAN", t)), WAIT)
        changed = board.pulses_of("SERVO_PAN", since)[0]  # the first pulse of a new width ends
        latencies.append(changed.emulated - since)
        assert at(board, "SERVO_PAN", GEOMETRY.angles(Pose(pan=target))[0])
        time.sleep(0.05 + 0.02 * (i % 5))  # commands land at every phase of the 20 ms pulse period
    print(
        f"host command -> servo pulse change, emulated: median {1000 * statistics.median(latencies):.1f} ms, "
        f"max {1000 * max(latencies):.1f} ms over {len(latencies)} commands"
    )
    assert max(latencies) < 0.050


def test_the_joystick_zoom_rocker_and_home_reach_the_steering(board: Board, links: list[PanelLink]) -> None:
    steering: queue.SimpleQueue[SteerInput] = queue.SimpleQueue()
    link = PanelLink(board.pty, steering=steering)
    links.append(link)
    link.start()
    assert link.wait_connected(WAIT)
    time.sleep(0.2)
    assert steering.empty()  # at rest after reset: nothing to say

    board.push_stick(0.6, -1.0)  # 40 ADC steps around the centre read as rest: (818 - 552) / 471
    assert link.wait_until(lambda lk: lk.stick.tilt == -1.0 and abs(lk.stick.pan - 0.56) <= 0.02, WAIT)
    held = link.stick
    while not steering.empty():
        steering.get_nowait()
    time.sleep(0.3)  # held still: the board says it again every 0.2 s
    readings = []
    while not steering.empty():
        readings.append(steering.get_nowait())
    assert readings and all(r == held for r in readings)
    board.push_stick(0.0, 0.0)
    assert link.wait_until(lambda lk: lk.stick.at_rest, WAIT)

    board.drive("ZOOM_OUT", 0)
    assert link.wait_until(lambda lk: lk.stick == SteerInput("move", 0.0, 0.0, -1.0), WAIT)
    board.drive("ZOOM_OUT", 1)
    assert link.wait_until(lambda lk: lk.stick.at_rest, WAIT)
    while not steering.empty():
        steering.get_nowait()
    board.press("STICK_HOME")
    assert link.wait_until(lambda lk: not steering.empty(), WAIT)
    assert steering.get_nowait() == SteerInput("home")


def test_a_board_reset_stops_the_pulses_until_the_park_position_comes_again(
    board: Board, links: list[PanelLink]
) -> None:
    head = connect(
        links, board, ServoGeometry(pan_degrees=(30, 150), tilt_degrees=(60, 120), park=Pose(pan=-1))
    )
    assert at(board, "SERVO_PAN", 30)
    head.go_to(Pose(pan=0.0))
    assert at(board, "SERVO_PAN", 90)
    parks = len(board.frames("K,"))
    board.reset()
    assert board.wait_pulse("SERVO_PAN", lambda us: us == 0, WAIT)  # limp after reset
    assert board.wait_until(lambda: len(board.frames("K,")) > parks, WAIT)  # the link says it again
    assert at(board, "SERVO_PAN", 30)  # and the pulses start at the park position
    assert len(board.frames("H,")) == 1  # the command from before the reset is not resumed
