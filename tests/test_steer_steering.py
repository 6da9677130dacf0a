"""Steering the room's cameras: commands, the joystick, presets, idle home and the lock."""

from __future__ import annotations

import pytest

from installation.steer import HOME, DigitalHead, Joystick, NoHead, Pose, Steering


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def run(self, steering: Steering, seconds: float, selected: int = 0) -> None:
        for _ in range(round(seconds * 60)):
            self.now += 1 / 60
            steering.tick(self.now, selected)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make(clock: Clock, **kwargs: object) -> Steering:
    heads = [DigitalHead(clock=clock), NoHead(), DigitalHead(clock=clock)]
    return Steering(heads, clock=clock, **kwargs)  # type: ignore[arg-type]


def test_keys_turn_and_zoom_the_way_they_say(clock: Clock) -> None:
    steering = make(clock)
    steering.nudge(0, pan=1.0, tilt=1.0)
    clock.run(steering, 2.0)
    pose = steering.heads[0].pose
    assert pose.pan > 0 and pose.tilt > 0 and pose.zoom == 1.0
    steering.nudge(0, pan=-1.0, tilt=-1.0)
    clock.run(steering, 2.0)
    assert steering.heads[0].pose == pytest.approx(HOME)
    steering.nudge(0, zoom=2)
    clock.run(steering, 2.0)
    assert steering.heads[0].pose.zoom == pytest.approx(1.25**2)
    steering.nudge(0, zoom=-1)
    clock.run(steering, 2.0)
    assert steering.heads[0].pose.zoom == pytest.approx(1.25)


def test_a_fixed_camera_ignores_every_command(clock: Clock) -> None:
    steering = make(clock)
    assert not steering.steerable(1) and steering.steerable(0)
    steering.nudge(1, pan=1.0)
    steering.drag(1, HOME, 0.3, 0.0)
    steering.zoom_by(1, 2.0)
    clock.run(steering, 1.0, selected=1)
    assert steering.heads[1].pose == HOME


def test_the_joystick_drives_the_camera_on_the_large_monitor_and_stops_when_let_go(clock: Clock) -> None:
    stick = Joystick()
    steering = make(clock, joystick=stick)
    stick.set(pan=1.0, zoom=0.5)
    clock.run(steering, 0.5, selected=2)
    moved = steering.heads[2].pose
    assert moved.pan > 0 and moved.zoom > 1 and steering.heads[0].pose == HOME
    stick.release()
    clock.run(steering, 1.0, selected=2)
    stopped = steering.heads[2].pose
    clock.run(steering, 1.0, selected=2)
    assert steering.heads[2].pose == stopped
    # Another camera on the large monitor: the stick moves it, and the first one stops.
    stick.set(tilt=-1.0)
    clock.run(steering, 0.2, selected=2)
    clock.run(steering, 1.0, selected=0)
    assert steering.heads[0].pose.tilt < 0
    held = steering.heads[2].pose
    clock.run(steering, 1.0, selected=0)
    assert steering.heads[2].pose == held


def test_readings_near_the_centre_count_as_let_go() -> None:
    stick = Joystick()
    stick.set(pan=0.05, tilt=-0.07, zoom=float("nan"))
    assert stick.centred
    stick.set(pan=3.0)
    assert stick.speeds == (1.0, 0.0, 0.0)


def test_an_idle_camera_goes_home_after_its_time_and_not_before(clock: Clock) -> None:
    steering = make(clock, idle_home=[10.0, 0.0, 0.0])
    steering.nudge(0, pan=2.0)
    steering.nudge(2, pan=2.0)
    clock.run(steering, 9.0)
    assert steering.heads[0].pose.pan > 0
    clock.run(steering, 4.0)
    assert steering.heads[0].pose == HOME
    assert steering.heads[2].pose.pan > 0  # idle_home 0: it stays where visitors left it


def test_steering_again_restarts_the_idle_time(clock: Clock) -> None:
    steering = make(clock, idle_home=[5.0])
    steering.nudge(0, pan=1.0)
    clock.run(steering, 4.0)
    steering.nudge(0, pan=1.0)
    clock.run(steering, 4.0)
    assert steering.heads[0].pose.pan > 0.3


def test_presets_are_visited_in_turn_then_home(clock: Clock) -> None:
    door = Pose(0.8, -0.2, 2.0)
    desk = Pose(-0.5, 0.1, 1.5)
    steering = make(clock, presets=[{"door": door, "desk": desk}])
    assert steering.next_preset(0) == "door"
    clock.run(steering, 3.0)
    assert steering.heads[0].pose == door
    assert steering.next_preset(0) == "desk"
    assert steering.next_preset(0) == "home"
    clock.run(steering, 3.0)
    assert steering.heads[0].pose == HOME
    assert steering.preset(0, "door") and not steering.preset(0, "street")
    assert steering.next_preset(1) is None  # a fixed camera has none


def test_a_lock_sends_every_camera_home_and_refuses_commands_until_every_reason_is_gone(clock: Clock) -> None:
    stick = Joystick()
    steering = make(clock, joystick=stick)
    steering.nudge(0, pan=2.0, zoom=2)
    clock.run(steering, 2.0)
    steering.lock("facilitator")
    steering.lock("hours")
    assert steering.locked and not steering.steerable(0)
    steering.nudge(0, pan=2.0)
    stick.set(pan=1.0)
    clock.run(steering, 3.0)
    assert steering.heads[0].pose == HOME
    steering.lock("facilitator", on=False)
    assert steering.reasons == {"hours"}
    steering.nudge(0, pan=2.0)
    clock.run(steering, 1.0)
    assert steering.heads[0].pose == HOME
    steering.lock("hours", on=False)
    steering.nudge(0, pan=2.0)
    clock.run(steering, 1.0)
    assert steering.heads[0].pose.pan > 0


def test_the_config_makes_each_camera_s_head_with_its_limits_presets_and_idle_time() -> None:
    from installation.config import parse_config
    from installation.steer import build_steering

    config = parse_config(
        '[[cameras]]\nsource = "pattern:bars"\n'
        '[[cameras]]\nsource = "pattern:noise"\nhead = "digital"\n'
        "[cameras.steer]\npan = [-0.5, 0.5]\nzoom = [1.0, 2.0]\nview = 0.6\nspeed = 2.0\nidle_home = 12\n"
        "presets = { door = [0.5, 0.0, 2.0] }\n"
    )
    steering = build_steering(config.cameras)
    fixed, steered = steering.heads
    assert isinstance(fixed, NoHead) and isinstance(steered, DigitalHead)
    assert steered.limits.pan == (-0.5, 0.5) and steered.limits.zoom == (1.0, 2.0) and steered.view == 0.6
    assert steered.motion.speed == 2.0
    assert steering.idle_home == [60.0, 12.0]
    assert steering.presets[1] == {"door": Pose(0.5, 0.0, 2.0)}
