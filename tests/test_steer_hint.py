"""What a head's turn does to the picture (installation/steer/hint.py): poses to the image motion of a
camera a servo or network head turns, the hint a camera's worker is given, and which heads give one."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from installation.config import CameraConfig, Config
from installation.effects import Effect
from installation.frames import Detection, Frame
from installation.geometry import Box
from installation.hardware import PanelLink
from installation.pipeline import Processor
from installation.pipeline.fakes import FakeFeed
from installation.room import Room, RoomOptions
from installation.steer import DigitalHead, NoHead, Pose
from installation.steer.head import HOME
from installation.steer.hint import HeadHint, Optics, head_hint
from installation.steer.servo import ServoGeometry, ServoHead
from installation.steer.simulated import SimulatedHead
from installation.steer.visca import open_head
from installation.steer.viscasim import SimulatedCamera
from installation.track import Tracker

WIDTH, HEIGHT = 1280, 720
#: The focal length of a 60-degree lens on a picture 1280 pixels across.
FOCAL = (WIDTH / 2) / math.tan(math.radians(30))


def shift(degrees: float, zoom: float = 1.0) -> float:
    """How far the middle of the picture moves when a 60-degree camera turns by ``degrees``."""
    return zoom * FOCAL * math.tan(math.radians(degrees))


def optics(**options: Any) -> Optics:
    """A head whose pan reaches 40 degrees each way and whose tilt 20, with a 60-degree lens."""
    return Optics(lambda pose: (40.0 * pose.pan, 20.0 * pose.tilt), fov=60.0, **options)


def test_a_turn_right_slides_the_picture_left_and_a_tilt_up_slides_it_down() -> None:
    turn = optics().motion(Pose(), Pose(pan=0.05, tilt=0.1), WIDTH, HEIGHT)  # 2 degrees right, 2 up
    assert turn.method == "head" and turn.known and turn.moving
    assert turn.shift == pytest.approx((-shift(2.0), shift(2.0)))
    assert turn.scale == pytest.approx(1.0)
    back = optics().motion(Pose(pan=0.05, tilt=0.1), Pose(), WIDTH, HEIGHT)
    assert back.shift == pytest.approx((shift(2.0), -shift(2.0)))


def test_zooming_scales_the_picture_about_its_middle_and_a_turn_moves_it_further() -> None:
    zoom = optics().motion(Pose(zoom=1.5), Pose(zoom=3.0), WIDTH, HEIGHT)
    assert zoom.scale == pytest.approx(2.0)
    assert zoom.apply(WIDTH / 2, HEIGHT / 2) == pytest.approx((WIDTH / 2, HEIGHT / 2))
    assert zoom.apply(0, 0) == pytest.approx((-WIDTH / 2, -HEIGHT / 2))
    zoomed = optics().motion(Pose(zoom=3.0), Pose(pan=0.05, zoom=3.0), WIDTH, HEIGHT)
    assert zoomed.shift[0] == pytest.approx(-shift(2.0, zoom=3.0))


def test_a_narrower_lens_sees_the_same_turn_move_the_picture_further() -> None:
    turn = (Pose(), Pose(pan=0.05))
    narrow = Optics(lambda pose: (40.0 * pose.pan, 0.0), fov=30.0).motion(*turn, WIDTH, HEIGHT)
    assert narrow.shift[0] == pytest.approx(
        -shift(2.0) * math.tan(math.radians(30)) / math.tan(math.radians(15))
    )


@pytest.mark.parametrize(
    ("orientation", "direction"),
    [
        ({}, (-1, 0)),
        ({"mirror": True}, (1, 0)),
        ({"flip": True}, (-1, 0)),
        ({"rotate": 90}, (0, -1)),
        ({"rotate": 180}, (1, 0)),
        ({"rotate": 270}, (0, 1)),
    ],
)
def test_a_turned_camera_s_picture_moves_as_it_is_shown(
    orientation: dict[str, Any], direction: tuple[int, int]
) -> None:
    # Turned a quarter, the processed picture is 720 wide and 1280 high; the lens is still 1280 across.
    width, height = (HEIGHT, WIDTH) if orientation.get("rotate") in (90, 270) else (WIDTH, HEIGHT)
    turn = optics(**orientation).motion(Pose(), Pose(pan=0.05), width, height)
    assert turn.shift == pytest.approx((direction[0] * shift(2.0), direction[1] * shift(2.0)), abs=1e-6)


@pytest.mark.parametrize("ends", [(30.0, 150.0), (150.0, 30.0)])
def test_a_servo_that_turns_the_other_way_slides_the_picture_the_same_way(ends: tuple[float, float]) -> None:
    geometry = ServoGeometry(pan_degrees=ends)
    # A tenth of the way from home to the right end: 6 degrees to the right.
    turn = Optics(geometry.degrees).motion(Pose(), Pose(pan=0.1), WIDTH, HEIGHT)
    assert turn.shift[0] == pytest.approx(-shift(6.0))


def test_a_field_of_view_no_lens_has_is_refused() -> None:
    for fov in (5.0, 170.0, math.nan):
        with pytest.raises(ValueError, match="field of view"):
            Optics(lambda pose: (0.0, 0.0), fov=fov)


def test_the_hint_is_the_motion_between_the_poses_of_two_processed_frames() -> None:
    asked: list[float] = []
    poses = {0.0: Pose(), 0.1: Pose(pan=0.05), 0.2: Pose(pan=0.05), 0.3: Pose(pan=0.5)}

    def pose_at(t: float) -> Pose:
        asked.append(t)
        return poses[t]

    hint = HeadHint(pose_at, optics())
    assert hint.motion(0.0, WIDTH, HEIGHT) is None  # the first frame: nothing before it
    turned = hint.motion(0.1, WIDTH, HEIGHT)
    assert turned is not None and turned.shift[0] == pytest.approx(-shift(2.0))
    still = hint.motion(0.2, WIDTH, HEIGHT)
    assert still is not None and not still.moving
    hint.reset()
    assert hint.motion(0.3, WIDTH, HEIGHT) is None  # after a reset, a first frame again
    assert asked == [0.0, 0.1, 0.2, 0.3]


def test_the_hint_asks_where_the_head_was_when_the_picture_was_taken() -> None:
    # The head turned from 1.0 s to 1.2 s; its camera's pictures reach the host 0.1 s after they
    # are taken. Matched by arrival, the hint would say the picture arriving at 1.05 s moved
    # (taken at 0.95 s, before the turn) and the one arriving at 1.3 s did not (taken at 1.2 s,
    # the turn's last moment).
    def pose_at(t: float) -> Pose:
        return Pose(pan=0.5 * min(max(t - 1.0, 0.0), 0.2))

    for delay, moved in ((0.0, [True, True, True, False]), (0.1, [False, False, True, True])):
        hint = HeadHint(pose_at, optics(), delay=delay)
        hint.motion(1.0, WIDTH, HEIGHT)
        motions = [hint.motion(t, WIDTH, HEIGHT) for t in (1.05, 1.1, 1.2, 1.3)]
        assert [m is not None and m.moving for m in motions] == moved, delay
    # A room's hint uses the delay in the camera's config (its default: a tenth of a second).
    turning = SimpleNamespace(pose_at=pose_at, degrees=lambda pose: (0.0, 0.0))
    made = head_hint(turning, CameraConfig(source="pattern:bars"))
    assert made is not None and made.delay == 0.1


def test_only_heads_that_turn_the_camera_give_a_hint(links: list[PanelLink]) -> None:
    camera = CameraConfig(source="pattern:bars", name="Door", mirror=True, rotate=90)
    camera.steer.fov = 70.0
    links.append(link := PanelLink("mock"))
    servo = ServoHead(link)
    hint = head_hint(servo, camera)
    assert isinstance(hint, HeadHint)
    assert (hint.optics.fov, hint.optics.mirror, hint.optics.rotate) == (70.0, True, 90)
    assert hint.pose_at == servo.pose_at and hint.optics.degrees == servo.degrees
    with SimulatedCamera() as simulated:
        network = open_head(simulated.spec)
        try:
            assert head_hint(network, camera) is not None
        finally:
            network.close()
    assert head_hint(DigitalHead(), camera) is None
    assert head_hint(NoHead(), camera) is None


class _Told(FakeFeed):
    """A camera that can be told how its head turns, as a camera's worker can."""

    head_hint: HeadHint | None = None


def test_the_room_tells_a_servo_camera_how_its_head_turns_and_a_digital_one_nothing(
    links: list[PanelLink],
) -> None:
    cameras = [
        CameraConfig(source="pattern:bars", name="Door", head="servo"),
        CameraConfig(source="pattern:bars", name="Gallery", head="digital"),
    ]
    cameras[0].steer.fov = 75.0
    feeds = [_Told(camera.name) for camera in cameras]
    room = Room(Config(cameras=cameras), RoomOptions(headless=True), feeds=feeds)
    room.feeds = list(feeds)
    links.append(link := PanelLink("mock"))
    room.link = link
    steering = room.make_steering()
    try:
        head = steering.head(0)
        assert isinstance(head, ServoHead)
        told = feeds[0].head_hint
        assert told is not None and told.optics.fov == 75.0 and told.pose_at == head.pose_at
        assert feeds[1].head_hint is None
    finally:
        steering.close()


class _NoFaces:
    def detect(self, image: np.ndarray) -> list[Detection]:
        return []

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    "pose", [Pose(pan=0.3), Pose(pan=-0.25, tilt=0.4), Pose(pan=0.1, tilt=-0.3, zoom=2.0), Pose(zoom=3.0)]
)
def test_a_privacy_zone_keeps_to_the_part_of_the_room_it_covers_wherever_the_head_turns(pose: Pose) -> None:
    # The room as the head sees it (the simulated head of the steering bench): fine texture, and a
    # staff door the technician covered with a zone while the camera was at home.
    room = np.random.default_rng(3).integers(0, 256, (1080, 1920, 3), dtype=np.uint8)
    head = SimulatedHead((1920, 1080), zoom=(1.0, 4.0))
    door = Box(1000, 420, 90, 200)
    at_home = head.in_view(door, HOME)
    zone = (at_home.x / 1280, at_home.y / 720, at_home.w / 1280, at_home.h / 720)
    hint = HeadHint(head.reported, head.optics)
    head.tick(0.0)
    head.go_to(pose)
    head.tick(10.0)
    assert head.pose == pose
    view = head.view(room)
    seen = head.in_view(door, pose)  # where the door is in the picture now
    assert seen.w > 0 and seen.h > 0
    zones = hint.zones(10.0, [zone], 1280, 720)
    processor = Processor(_NoFaces(), Tracker(), zones=[zone])  # type: ignore[arg-type]
    out = processor.process(Frame(view, 0, 0.0), Effect.EXPOSED, 0.0, zones=zones)
    x0, y0, x1, y1 = seen.pixel_bounds(1280, 720)
    same = (out.image[y0:y1, x0:x1] == view[y0:y1, x0:x1]).all(axis=2)
    assert same.mean() < 0.05  # hidden, even with the effect off
    # Left where it was in the picture, the zone would show the door after the turn.
    fixed = Processor(_NoFaces(), Tracker(), zones=[zone]).process(Frame(view, 0, 0.0), Effect.EXPOSED, 0.0)  # type: ignore[arg-type]
    assert (fixed.image[y0:y1, x0:x1] == view[y0:y1, x0:x1]).all(axis=2).mean() > 0.5
