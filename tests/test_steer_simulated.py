"""A camera on a moving head, simulated over a wide picture (installation/steer/simulated.py): what it
delivers, how it moves, and that its picture moves as the head's hint says."""

from __future__ import annotations

import numpy as np
import pytest

from installation.geometry import Box
from installation.steer import Pose
from installation.steer.simulated import SimulatedHead, Speeds, Timing

WIDE = (1920, 1080)


def test_the_camera_delivers_its_window_of_the_wide_picture_at_its_own_size() -> None:
    head = SimulatedHead(WIDE)
    pose = Pose(pan=0.4, tilt=-0.3, zoom=1.0)
    window = head.window(pose)
    assert (
        0 <= window.x and window.x + window.w <= WIDE[0] and 0 <= window.y and window.y + window.h <= WIDE[1]
    )
    picture = np.zeros((WIDE[1], WIDE[0], 3), np.uint8)
    marker = Box(round(window.cx) - 20, round(window.cy) + 40, 40, 40)
    picture[int(marker.y) : int(marker.y + marker.h), int(marker.x) : int(marker.x + marker.w)] = 255
    view = head.view(picture, pose)
    assert view.shape == (720, 1280, 3)
    seen = head.in_view(marker, pose)
    inside = view[int(seen.y) + 2 : int(seen.y + seen.h) - 2, int(seen.x) + 2 : int(seen.x + seen.w) - 2]
    assert inside.min() == 255  # the marker is where in_view puts it
    assert view.mean() == pytest.approx(255 * seen.w * seen.h / (1280 * 720), rel=0.05)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (Pose(pan=0.1), Pose(pan=0.15, tilt=0.1)),
        (Pose(pan=-0.5, tilt=0.2, zoom=1.5), Pose(pan=-0.45, tilt=0.2, zoom=1.8)),
    ],
)
def test_the_picture_moves_as_the_head_s_hint_says(before: Pose, after: Pose) -> None:
    head = SimulatedHead(WIDE, zoom=(1.0, 4.0))
    motion = head.optics.motion(before, after, 1280, 720)
    for x, y in ((640, 360), (400, 300), (900, 500)):
        # The point of the room at (x, y) of the picture before the move, in the picture after it.
        old, new = head.window(before), head.window(after)
        room = (old.x + x * old.w / 1280, old.y + y * old.h / 720)
        seen = ((room[0] - new.x) * 1280 / new.w, (room[1] - new.y) * 720 / new.h)
        # Exact at the middle; a turn of two degrees over a flat picture is a fraction off elsewhere.
        assert seen == pytest.approx(motion.apply(x, y), abs=1.0)


def test_pan_and_tilt_arrive_together_and_a_network_camera_turns_slower_zoomed_in() -> None:
    head = SimulatedHead(WIDE, speeds=Speeds(turn=60.0))
    head.tick(0.0)
    head.go_to(Pose(pan=1.0, tilt=1.0))
    halfway = head.tick(head.reach[0] / 60.0 / 2)
    assert halfway.pan == pytest.approx(0.5) and halfway.tilt == pytest.approx(0.5)
    assert head.tick(10.0) == Pose(1.0, 1.0, 1.0)
    zoomed = SimulatedHead(WIDE, zoom=(1.0, 4.0), speeds=Speeds(turn=60.0, zoom=10.0, proportional=True))
    zoomed.tick(0.0)
    zoomed.go_to(Pose(zoom=4.0))
    zoomed.tick(1.0)
    zoomed.move(1.0, 0.0)
    turned = zoomed.tick(1.5)
    assert turned.zoom == 4.0
    assert turned.pan * zoomed.reach[0] == pytest.approx(60.0 * 0.5 / 4)  # a quarter of the speed


def lit_columns(view: np.ndarray) -> int:
    return int((view[360].max(axis=1) > 2).sum())


def test_a_turn_smears_the_picture_while_the_shutter_is_open_and_a_still_head_s_is_sharp() -> None:
    picture = np.zeros((WIDE[1], WIDE[0], 3), np.uint8)
    picture[:, 959:961] = 255  # a thin upright line across the middle of the room
    head = SimulatedHead(WIDE, speeds=Speeds(turn=180.0), timing=Timing(exposure=1 / 60))
    head.tick(0.0)
    assert lit_columns(head.capture(picture, 0.0)) <= 4
    head.move(1.0, 0.0)
    head.tick(1 / 30)
    head.tick(2 / 30)
    smeared = head.capture(picture, 2 / 30)
    # 180 degrees a second for 1/60 s is 3 degrees: 48 pixels of the room, 58 of the camera's.
    assert 52 <= lit_columns(smeared) <= 70
    assert smeared[360].max() < 64  # the line's light spread over the smear
    assert head.pose_then(1.5 / 30).pan == pytest.approx((head.pose_then(1 / 30).pan + head.pose.pan) / 2)


def test_the_host_of_a_network_camera_knows_its_pose_from_readings_a_servo_s_from_its_commands() -> None:
    network = SimulatedHead(WIDE, speeds=Speeds(turn=60.0), timing=Timing(readings=0.1))
    servo = SimulatedHead(WIDE, speeds=Speeds(turn=60.0))
    for head in (network, servo):
        head.tick(0.0)
        head.move(0.5, 0.0)  # 30 degrees a second: halfway to the end in half a second
        for n in range(1, 16):
            head.tick(n / 30)
        head.stop()
        for n in range(16, 19):
            head.tick(n / 30)
    # Turning at a steady rate, the readings' extrapolation is right; just after the stop it
    # carries on for up to one reading's interval, where the servo's host knows at once.
    assert network.reported(15 / 30).pan == pytest.approx(network.pose_then(15 / 30).pan, abs=1e-3)
    assert network.reported(18 / 30).pan > network.pose.pan + 0.01
    assert servo.reported(18 / 30) == servo.pose
    # Never past the end of its travel, where the camera stops whatever its speed was.
    network.move(1.0, 0.0)
    for n in range(19, 60):
        network.tick(n / 30)
    # It arrives just before 0.8 s: the readings at 0.7 and 0.8 s, carried on, would put it past
    # the end at 0.85 s.
    assert network.pose_then(0.8).pan == 1.0 and network.pose_then(0.7).pan < 0.9
    assert network.reported(0.85).pan == 1.0
