"""A camera's ``head`` string makes every kind of head the room can steer: a servo head turns
through the panel link the room opened, a network camera is spoken to at the one address the
config gives, and the board's joystick steers the camera on the large monitor."""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable, Iterator

import pytest

from installation.config import CameraConfig
from installation.hardware import MockBoard, PanelLink
from installation.hardware.link import SteerInput
from installation.hardware.protocol import Aim
from installation.room.link import take_board_stick
from installation.steer import NoHead, Pose, Steering, build_steering
from installation.steer.servo import ServoHead
from installation.steer.visca import ViscaHead, ViscaUnits
from installation.steer.viscasim import SimulatedCamera

WAIT = 5.0


def until(condition: Callable[[], bool], timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.fixture
def link() -> Iterator[tuple[PanelLink, MockBoard]]:
    made = PanelLink("mock")
    assert made.mock is not None
    yield made, made.mock
    made.stop()


def aims(board: MockBoard) -> list[Aim]:
    return [m for m in board.received if isinstance(m, Aim)]


def camera(head: str) -> CameraConfig:
    return CameraConfig(source="pattern:bars", name="Door", head=head)


def test_a_servo_camera_turns_through_the_panel_link_and_follows_the_boards_joystick(
    link: tuple[PanelLink, MockBoard],
) -> None:
    panel, board = link
    steering = build_steering([camera("servo")], panel=panel)
    try:
        head = steering.head(0)
        assert isinstance(head, ServoHead)
        panel.start()
        assert panel.wait_connected(WAIT) and until(lambda: steering.steerable(0))
        # The board's stick pushed right: the room hands it to the steering, which turns the camera.
        board.push_stick(1.0, 0.0)
        assert panel.wait_steering(1, WAIT)
        assert take_board_stick(panel.steering, steering, selected=0)
        assert steering.joystick.speeds[0] == 1.0
        start = len(aims(board))
        for _ in range(20):
            steering.tick(time.monotonic(), selected=0)
            time.sleep(0.02)
        assert board.wait_for(lambda b: len(aims(b)) > start, WAIT)
        assert aims(board)[-1].pan_rate > 0
    finally:
        steering.close()


def test_a_servo_camera_without_a_board_stays_fixed_and_the_log_says_why(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        steering = build_steering([camera("servo")])
    assert isinstance(steering.head(0), NoHead) and not steering.steerable(0)
    assert "camera 'Door': head 'servo' needs the panel's board" in caplog.text


def test_a_network_camera_in_the_config_is_steered_at_its_address() -> None:
    with SimulatedCamera() as cam:
        steering = build_steering([camera(cam.spec)])
        try:
            head = steering.head(0)
            assert isinstance(head, ViscaHead)
            assert until(lambda: steering.steerable(0)), head.status
            target = Pose(pan=0.5, tilt=0.0, zoom=1.0)
            steering.go_to(0, target)
            assert until(lambda: cam.position == ViscaUnits().to_camera(target)), cam.position
        finally:
            steering.close()


def test_a_push_on_the_boards_stick_sends_the_large_monitors_camera_home() -> None:
    class Homing(NoHead):
        steerable = True
        homed = 0

        def home(self) -> None:
            self.homed += 1

    heads = [Homing(), Homing()]
    steering = Steering(list(heads))
    readings: queue.SimpleQueue[SteerInput] = queue.SimpleQueue()
    readings.put(SteerInput("home"))
    assert take_board_stick(readings, steering, selected=1)
    assert (heads[0].homed, heads[1].homed) == (0, 1)
    assert not take_board_stick(readings, steering, selected=1)
