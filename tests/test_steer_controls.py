"""Steering from the room: drag, pinch, the wheel and double tap on the large monitor, the keys, the
panel's joystick and its on-screen copy, and the starting view from the command line."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"

import queue
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pygame
import pytest

from installation.cli import main
from installation.config import CameraConfig, Config
from installation.control.state import PanelEvent
from installation.effects import Effect
from installation.frames import Frame, Processed
from installation.pipeline.fakes import FakeFeed
from installation.room import Room, RoomOptions
from installation.steer import HOME, DigitalHead, Pose

SIZE = (1280, 720)
PICTURE = np.full((720, 1280, 3), 90, np.uint8)


def _feed(name: str) -> FakeFeed:
    def make(n: int) -> Processed:
        frame = Frame(PICTURE, n, n / 30, name, captured=time.monotonic())
        return Processed(frame, PICTURE, Effect.BLUR, [], [])

    return FakeFeed(name, make=make)


@pytest.fixture
def room(video: None) -> Iterator[Room]:
    """A room with a steered camera (on the large monitor) and a fixed one."""
    cameras = [
        CameraConfig(source="pattern:bars", name="Gallery", head="digital"),
        CameraConfig(source="pattern:bars", name="Door"),
    ]
    cameras[0].steer.presets = {"door": [0.5, 0.5, 2.0]}
    config = Config(cameras=cameras)
    config.display.fps = 240
    events: queue.SimpleQueue[PanelEvent] = queue.SimpleQueue()
    app = Room(
        config,
        RoomOptions(headless=True, size=SIZE, live=False),
        feeds=[_feed(c.name) for c in cameras],
        events=events,
    )
    app.start()
    app.step()
    yield app
    app.close(keep_screen=True)


def head(room: Room, index: int = 0) -> DigitalHead:
    assert room.steering is not None
    found = room.steering.heads[index]
    assert isinstance(found, DigitalHead)
    return found


def settle(room: Room, seconds: float = 2.5) -> None:
    """Run the room until the heads have arrived (real time: the heads move on the room's clock)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        room.step()
        time.sleep(0.005)


def picture(room: Room) -> pygame.Rect:
    assert room.renderer is not None
    return room.renderer.shown[0][1]


def mouse(room: Room, kind: int, pos: tuple[int, int]) -> None:
    pygame.event.post(pygame.event.Event(kind, pos=pos, button=1, buttons=(1, 0, 0), touch=False))
    room.step()


def finger(room: Room, kind: int, finger_id: int, pos: tuple[int, int]) -> None:
    x, y = pos[0] / SIZE[0], pos[1] / SIZE[1]
    pygame.event.post(pygame.event.Event(kind, x=x, y=y, finger_id=finger_id, touch_id=1))
    room.step()


def key(room: Room, k: int) -> None:
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="", scancode=0))
    room.step()


def test_the_steered_camera_s_monitor_shows_its_window_and_a_fixed_one_all_of_its_picture(room: Room) -> None:
    assert room.model is not None
    steered, fixed = room.model.views
    assert steered.window is not None and steered.window.w == pytest.approx(640) and steered.pose == HOME
    assert steered.steerable and fixed.window is None and fixed.pose is None and not fixed.steerable


def test_dragging_the_picture_turns_the_camera_the_other_way(room: Room) -> None:
    rect = picture(room)
    start = rect.center
    mouse(room, pygame.MOUSEBUTTONDOWN, start)
    mouse(room, pygame.MOUSEMOTION, (start[0] - rect.width // 4, start[1] + rect.height // 8))
    mouse(room, pygame.MOUSEBUTTONUP, (start[0] - rect.width // 4, start[1] + rect.height // 8))
    aim = head(room).aim
    # A quarter of the picture dragged left and an eighth down (an eighth and a sixteenth of the
    # sensor frame, whose pan and tilt run over half of it): the view turned right and up.
    assert aim.pan == pytest.approx(0.5, abs=0.01) and aim.tilt == pytest.approx(0.25, abs=0.01)
    settle(room)
    assert head(room).pose == aim


def test_a_double_tap_sends_the_camera_home(room: Room) -> None:
    head(room).place(Pose(0.5, 0.5, 2.0))
    centre = picture(room).center
    for _ in range(2):
        mouse(room, pygame.MOUSEBUTTONDOWN, centre)
        mouse(room, pygame.MOUSEBUTTONUP, centre)
    assert head(room).aim == HOME


def test_the_wheel_zooms_in_about_the_pointer(room: Room) -> None:
    rect = picture(room)
    at = (rect.left + rect.width * 3 // 4, rect.centery)
    pygame.event.post(pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=2, precise_y=2.0, pos=at, touch=False))
    room.step()
    aim = head(room).aim
    assert aim.zoom == pytest.approx(1.15**2)
    assert aim.pan > 0  # the point at the right stays put: the view turns right as it narrows
    pygame.event.post(pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=-9, precise_y=-9.0, pos=at, touch=False))
    room.step()
    assert head(room).aim.zoom == 1.0


def test_two_fingers_pinch_to_zoom_and_stop_dragging(room: Room) -> None:
    rect = picture(room)
    cx, cy = rect.center
    finger(room, pygame.FINGERDOWN, 1, (cx - 50, cy))
    finger(room, pygame.FINGERDOWN, 2, (cx + 50, cy))
    finger(room, pygame.FINGERMOTION, 2, (cx + 150, cy))  # twice as far apart
    finger(room, pygame.FINGERMOTION, 1, (cx - 100, cy))  # two and a half times
    aim = head(room).aim
    assert aim.zoom == pytest.approx(2.5, rel=0.02)
    assert 0.0 < aim.pan < 0.1  # about their midpoint, a little right of the centre
    finger(room, pygame.FINGERUP, 2, (cx + 150, cy))
    finger(room, pygame.FINGERMOTION, 1, (cx - 300, cy))  # the finger left behind drags nothing
    finger(room, pygame.FINGERUP, 1, (cx - 300, cy))
    assert head(room).aim.pan == pytest.approx(aim.pan)


def test_the_workshop_keys_steer_the_camera_on_the_large_monitor(room: Room) -> None:
    key(room, pygame.K_k)  # right
    key(room, pygame.K_u)  # up
    key(room, pygame.K_i)  # in
    aim = head(room).aim
    assert aim.pan > 0 and aim.tilt > 0 and aim.zoom > 1
    key(room, pygame.K_m)
    assert head(room).aim == HOME
    key(room, pygame.K_v)
    assert head(room).aim == Pose(0.5, 0.5, 2.0)  # the camera's preset
    key(room, pygame.K_HOME)
    key(room, pygame.K_h)  # left
    key(room, pygame.K_j)  # down
    key(room, pygame.K_o)  # out: already at 1
    aim = head(room).aim
    assert aim.pan < 0 and aim.tilt < 0 and aim.zoom == 1.0
    # The keys of the room's other controls still do what they did.
    key(room, pygame.K_p)
    assert room.controls.effect is Effect.PIXELATE


def test_the_keys_leave_a_fixed_camera_alone(room: Room) -> None:
    key(room, pygame.K_2)
    key(room, pygame.K_k)
    assert room.model is not None and room.model.views[1].pose is None
    assert head(room).aim == HOME


def test_the_panel_s_joystick_steers_and_its_copy_on_screen_follows_it(room: Room) -> None:
    assert room.renderer is not None and room.steering is not None
    room.events.put(PanelEvent("joystick.pan", 1.0))
    room.events.put(PanelEvent("joystick.zoom", 0.5))
    settle(room, 0.5)
    assert head(room).pose.pan > 0.2 and head(room).pose.zoom > 1.0
    assert room.steering.joystick.speeds == (1.0, 0.0, 0.5)
    stick = room.renderer.pointer.find("panel.stick")
    assert stick is not None
    # The copy's stick is drawn pushed right: brighter to the right of its centre than to the left.
    screen = pygame.surfarray.array3d(room.screen).swapaxes(0, 1)  # type: ignore[arg-type]
    x, y, r = stick.rect.centerx, stick.rect.centery, stick.rect.width // 4
    assert screen[y, x + r].mean() > screen[y, x - r].mean() + 50
    room.events.put(PanelEvent("joystick.pan", 0.0))
    room.events.put(PanelEvent("joystick.zoom", 0.0))
    settle(room, 1.0)
    stopped = head(room).pose
    settle(room, 0.3)
    assert head(room).pose == stopped


def test_touching_the_joystick_s_copy_steers_and_letting_go_centres_it(room: Room) -> None:
    assert room.renderer is not None and room.steering is not None
    stick = room.renderer.pointer.find("panel.stick")
    assert stick is not None
    cx, cy = stick.rect.center
    mouse(room, pygame.MOUSEBUTTONDOWN, (cx, cy))
    mouse(room, pygame.MOUSEMOTION, (cx, cy - stick.rect.height))  # pushed all the way up
    assert room.steering.joystick.speeds == (0.0, 1.0, 0.0)
    settle(room, 0.4)
    assert head(room).pose.tilt > 0
    mouse(room, pygame.MOUSEBUTTONUP, (cx, cy - stick.rect.height))
    assert room.steering.joystick.centred


def test_a_locked_room_takes_no_steering_and_says_so_on_the_panel(room: Room) -> None:
    assert room.steering is not None and room.model is not None
    room.steering.lock("facilitator")
    key(room, pygame.K_k)
    room.events.put(PanelEvent("joystick.pan", 1.0))
    settle(room, 0.3)
    assert head(room).pose == HOME and not room.model.views[0].steerable


# -- the starting view from the command line ------------------------------------------------------------


def _config_file(tmp_path: Path, head: str) -> Path:
    path = tmp_path / "room.toml"
    path.write_text(
        f'[[cameras]]\nname = "Door"\nsource = "pattern:bars"\n'
        f'[[cameras]]\nname = "Gallery"\nsource = "pattern:noise"\nhead = "{head}"\n'
        "[cameras.steer]\nzoom = [1.0, 2.0]\n",
        encoding="utf-8",
    )
    return path


def test_run_starts_the_first_steerable_camera_at_the_view_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    seen: list[Room] = []
    start = Room.start

    def starting(self: Room) -> None:
        seen.append(self)
        start(self)

    monkeypatch.setattr(Room, "start", starting)
    path = _config_file(tmp_path, "digital")
    code = main(["run", "--config", str(path), "--headless", "--frames", "2", "--pan", "0.5", "--zoom", "3"])
    assert code == 0
    (app,) = seen
    assert app.controls.selected == 1
    assert app.steering is not None
    # Zoom 3 is past this camera's limit of 2: the limit holds.
    assert app.steering.heads[1].pose == Pose(0.5, 0.0, 2.0)


@pytest.mark.parametrize(
    ("head", "extra", "message"),
    [
        ("none", ["--tilt", "0.2"], "--pan/--tilt/--zoom: no camera here can be steered"),
        ("digital", ["--pan", "1.5"], "--pan: expected a number from -1 to 1, got 1.5"),
        ("digital", ["--zoom", "0.5"], "--zoom: expected 1 (not zoomed) or more, got 0.5"),
    ],
)
def test_a_starting_view_that_cannot_be_had_is_refused_in_one_line(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str], head: str, extra: list[str], message: str
) -> None:
    path = _config_file(tmp_path, head)
    code = main(["run", "--config", str(path), "--headless", "--frames", "2", *extra])
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("installation ")]
    assert code == 2 and len(err) == 1 and message in err[0], err


def test_a_camera_the_config_does_not_describe_is_fixed(video: None) -> None:
    config = Config(cameras=[CameraConfig(source="pattern:bars", name="Gallery", head="digital")])
    config.display.fps = 240
    app = Room(
        config, RoomOptions(headless=True, size=SIZE, live=False), feeds=[_feed("Gallery"), _feed("Extra")]
    )
    app.start()
    try:
        for _ in range(3):
            app.step()
        assert app.steering is not None and app.model is not None
        assert [head.kind for head in app.steering.heads] == ["digital", "none"]
        assert app.model.views[1].pose is None and app.model.views[0].pose == HOME
    finally:
        app.close(keep_screen=True)
