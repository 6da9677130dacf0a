"""The digital head: a window that stays inside the sensor frame and moves like a camera, not a crop."""

from __future__ import annotations

import itertools

import pytest

from installation.errors import ConfigError
from installation.steer import (
    DigitalHead,
    HeadLimits,
    HeadSettings,
    Motion,
    NoHead,
    Pose,
    check_head,
    create_head,
)
from installation.steer.digital import MAX_STEP_SECONDS

SENSOR = (1920, 1080)
FPS = 60


def run(head: DigitalHead, seconds: float, start: float = 0.0) -> list[Pose]:
    """The head's pose at every frame for ``seconds`` at 60 fps, from ``start``."""
    frames = round(seconds * FPS)
    return [head.tick(start + i / FPS) for i in range(frames + 1)]


def centre(head: DigitalHead, pose: Pose) -> tuple[float, float]:
    box = head.window(*SENSOR, pose)
    return box.cx, box.cy


def test_the_window_stays_inside_the_sensor_frame_at_every_pose() -> None:
    for view in (0.2, 0.5, 0.9):
        head = DigitalHead(HeadLimits(zoom=(1.0, 8.0)), view=view)
        steps = [-1.0, -0.5, 0.0, 0.7, 1.0]
        for pan, tilt, zoom in itertools.product(steps, steps, (1.0, 1.5, 3.0, 8.0)):
            box = head.window(*SENSOR, Pose(pan, tilt, zoom))
            assert box.x >= -1e-9 and box.y >= -1e-9
            assert box.x + box.w <= SENSOR[0] + 1e-9 and box.y + box.h <= SENSOR[1] + 1e-9
            # The window keeps the sensor's shape, and zoom divides its size.
            assert box.w / box.h == pytest.approx(SENSOR[0] / SENSOR[1])
            assert box.w == pytest.approx(SENSOR[0] * view / zoom)


def test_pan_and_tilt_point_the_window_as_a_camera_points() -> None:
    head = DigitalHead(view=0.5)
    assert centre(head, Pose()) == (960.0, 540.0)
    left = head.window(*SENSOR, Pose(pan=-1.0))
    right = head.window(*SENSOR, Pose(pan=1.0))
    up = head.window(*SENSOR, Pose(tilt=1.0))
    down = head.window(*SENSOR, Pose(tilt=-1.0))
    assert left.x == 0.0 and right.x + right.w == SENSOR[0]
    assert up.y == 0.0 and down.y + down.h == SENSOR[1]
    # Zooming in magnifies about the same centre, as a camera's zoom does.
    assert centre(head, Pose(0.6, -0.3, 1.0)) == pytest.approx(centre(head, Pose(0.6, -0.3, 3.5)))


def test_a_move_starts_gently_never_exceeds_its_speed_and_stops_on_the_target() -> None:
    motion = Motion(speed=1.0, acceleration=4.0)
    head = DigitalHead(motion=motion)
    head.go_to(Pose(pan=0.9))
    pans = [p.pan for p in run(head, 2.0)]
    steps = [b - a for a, b in itertools.pairwise(pans)]
    dt = 1 / FPS
    # It accelerates over several frames, not in one jump (a crop would jump).
    assert 0 < steps[1] < steps[5] < steps[10]
    assert max(steps) <= motion.speed * dt + 1e-9
    # Changes of speed stay within the acceleration, speeding up and slowing down.
    assert max(abs(b - a) for a, b in itertools.pairwise(steps)) <= motion.acceleration * dt * dt + 1e-9
    # It never passes the target and stands on it at the end.
    assert max(pans) <= 0.9 + 1e-9
    assert pans[-1] == 0.9 and steps[-1] == 0.0
    assert not head.moving


def test_limits_hold_for_every_command() -> None:
    limits = HeadLimits(pan=(-0.5, 0.25), tilt=(-0.2, 0.2), zoom=(1.0, 2.0))
    head = DigitalHead(limits)
    head.go_to(Pose(pan=1.0, tilt=-1.0, zoom=6.0))
    assert head.aim == Pose(0.25, -0.2, 2.0)
    run(head, 3.0)
    assert head.pose == Pose(0.25, -0.2, 2.0)
    head.move(-1.0, 1.0, -1.0)
    poses = run(head, 5.0, start=3.0)
    assert all(-0.5 <= p.pan <= 0.25 and -0.2 <= p.tilt <= 0.2 and 1.0 <= p.zoom <= 2.0 for p in poses)
    assert poses[-1] == Pose(-0.5, 0.2, 1.0)
    head.place(Pose(pan=-3.0))
    assert head.pose.pan == -0.5


def test_the_picture_moves_at_one_pace_at_every_zoom() -> None:
    """Pan slows down as the view narrows: in picture widths a second, zoomed or not, the same."""
    paces = []
    for zoom in (1.0, 2.0, 4.0):
        head = DigitalHead(view=0.5)
        head.place(Pose(pan=-1.0, zoom=zoom))
        head.move(1.0, 0.0)
        run(head, 1.0)  # up to its top speed
        before = head.window(*SENSOR)
        run(head, 0.25, start=1.0 + 1 / FPS)
        after = head.window(*SENSOR)
        paces.append((after.x - before.x) / before.w)
    assert paces[0] > 0
    assert paces == pytest.approx([paces[0]] * 3, rel=0.02)


def test_a_drag_keeps_what_was_under_the_finger_under_it() -> None:
    head = DigitalHead(view=0.5)
    for start in (Pose(), Pose(0.3, -0.2, 2.0)):
        before = head.window(*SENSOR, start)
        # A finger at 70 % across the picture drags it 10 % of its width to the right.
        point = before.x + 0.7 * before.w
        after = head.window(*SENSOR, head.shifted(start, 0.1, 0.0))
        assert after.x + 0.8 * after.w == pytest.approx(point)
        assert after.w == before.w


def test_zooming_at_a_point_keeps_that_point_where_it_is() -> None:
    head = DigitalHead(view=0.5)
    start = Pose(0.1, 0.2, 1.2)
    before = head.window(*SENSOR, start)
    point = (before.x + 0.8 * before.w, before.y + 0.3 * before.h)  # (0.3, -0.2) from the centre
    zoomed = head.zoomed(start, 1.5, at=(0.3, -0.2))
    after = head.window(*SENSOR, zoomed)
    assert zoomed.zoom == pytest.approx(1.8)
    assert (after.x + 0.8 * after.w, after.y + 0.3 * after.h) == pytest.approx(point)


def test_stop_slows_down_within_the_acceleration_and_home_returns() -> None:
    head = DigitalHead()
    head.move(1.0, 0.0)
    run(head, 1.0)
    moving = head.pose.pan
    head.stop()
    pans = [p.pan for p in run(head, 1.0, start=1.0 + 1 / FPS)]
    assert pans[-1] > moving  # it slowed down, it did not freeze
    assert pans[-1] == pans[-2]
    head.home()
    run(head, 3.0, start=2.1)
    assert head.pose == Pose()


def test_a_stalled_screen_does_not_make_the_view_jump() -> None:
    head = DigitalHead()
    head.move(1.0, 0.0)
    head.tick(0.0)
    head.tick(5.0)  # five seconds without a frame
    assert head.pose.pan <= Motion().acceleration * MAX_STEP_SECONDS**2 + 1e-9


def test_a_view_outside_its_range_is_refused() -> None:
    with pytest.raises(ValueError, match="view 1.0"):
        DigitalHead(view=1.0)


# -- the head string --------------------------------------------------------------------------


def test_a_head_string_names_its_backend() -> None:
    assert check_head("none") == "none"
    assert check_head("  DIGITAL ") == "digital"
    assert isinstance(create_head("none", HeadSettings()), NoHead)
    head = create_head("digital", HeadSettings(limits=HeadLimits(zoom=(1.0, 3.0)), view=0.4))
    assert isinstance(head, DigitalHead) and head.view == 0.4 and head.limits.zoom == (1.0, 3.0)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("gimbal", "'gimbal': unknown head (expected none, digital, servo or visca://ADDRESS[:PORT])"),
        ("servo://x", "'servo://x': a servo head takes no address (write 'servo')"),
        ("digital://x", "'digital://x': a digital head takes no address (write 'digital')"),
    ],
)
def test_a_head_string_this_build_cannot_use_is_refused_in_one_line(spec: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        check_head(spec)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
