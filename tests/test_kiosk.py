"""The gallery kiosk (installation/modes/kiosk/loop.py): no way out for visitors, the facilitator's
PIN panel, aiming, opening hours, reload, and the watchdog's view of the screen."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"

import logging
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pygame
import pytest

from installation.config import CameraConfig, Config
from installation.display.layout import Layout
from installation.effects import Effect
from installation.hardware import MockBoard
from installation.modes.kiosk.cameras import releasable_feeds
from installation.modes.kiosk.files import heartbeat_path
from installation.modes.kiosk.loop import Kiosk
from installation.modes.kiosk.watchdog import Heartbeat, Watchdog
from installation.pipeline.fakes import FakeFeed, FakeFeeds
from installation.room import FeedFactory, Room, RoomOptions
from tests.conftest import CONFIG_TOML, PIN

SIZE = (960, 540)
# A Monday afternoon.
MONDAY = datetime(2025, 12, 15, 14, 0, 0)


class Clock:
    """Wall-clock and monotonic time that only move when told to."""

    def __init__(self, wall: datetime = MONDAY) -> None:
        self.wall = wall
        self.mono = 1000.0

    def now(self) -> datetime:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.wall += timedelta(seconds=seconds)
        self.mono += seconds


def _config(**settings: object) -> Config:
    config = Config(
        cameras=[
            CameraConfig(source="pattern:bars", name="Door"),
            CameraConfig(source="pattern:bars", name="Hall"),
        ]
    )
    config.display.fps = 240  # tests count frames, not seconds
    config.kiosk.pin = PIN
    config.kiosk.aim_seconds = 0
    for key, value in settings.items():
        section, name = key.split("__")
        setattr(getattr(config, section), name, value)
    return config


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def stalls() -> list[str]:
    return []


@pytest.fixture
def make_kiosk(home: Path, clock: Clock, stalls: list[str], fake_feeds: FakeFeeds) -> Iterator[object]:
    made: list[Kiosk] = []

    def make(config: Config | None = None, *, feeds: FeedFactory = fake_feeds, **kwargs: object) -> Kiosk:
        watchdog = Watchdog(
            10.0, clock=clock.monotonic, on_stall=stalls.append, heartbeat=Heartbeat(heartbeat_path())
        )
        kiosk = Kiosk(
            config or _config(),
            RoomOptions(headless=True, size=SIZE, live=False),
            clock=clock.now,
            monotonic=clock.monotonic,
            feeds=feeds,
            watchdog=watchdog,
            **kwargs,  # type: ignore[arg-type]
        )
        kiosk.closed_fps = 1000  # tests count frames, not seconds
        kiosk.start()
        made.append(kiosk)
        return kiosk

    yield make
    for kiosk in made:
        kiosk.close()


def _room(kiosk: Kiosk) -> Room:
    assert kiosk.room is not None
    return kiosk.room


def _cameras(room: Room) -> list[FakeFeed]:
    """The room's cameras: the fakes the kiosk was given."""
    cameras = [feed for feed in room.feeds if isinstance(feed, FakeFeed)]
    assert cameras and len(cameras) == len(room.feeds)
    return cameras


def _screen(kiosk: Kiosk) -> np.ndarray:
    screen = _room(kiosk).screen
    assert screen is not None
    return pygame.surfarray.array3d(screen).swapaxes(0, 1)


def tap(kiosk: Kiosk, pos: tuple[int, int]) -> bool:
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1, touch=False))
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1, touch=False))
    return kiosk.step()


def key(kiosk: Kiosk, k: int, mod: int = 0, char: str = "") -> bool:
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod, unicode=char, scancode=0))
    return kiosk.step()


def tap_target(kiosk: Kiosk, name: str) -> bool:
    return tap(kiosk, kiosk.panel.targets[name].center)


def open_with_corner(kiosk: Kiosk, clock: Clock) -> None:
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(8, 8), button=1, touch=False))
    kiosk.step()
    clock.advance(3.1)
    kiosk.step()  # held long enough: the keypad opens and is drawn
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=(8, 8), button=1, touch=False))
    kiosk.step()


def type_pin(kiosk: Kiosk, pin: str) -> None:
    for digit in pin:
        tap_target(kiosk, f"key.{digit}")
    tap_target(kiosk, "key.ok")


def open_menu(kiosk: Kiosk, clock: Clock) -> None:
    open_with_corner(kiosk, clock)
    type_pin(kiosk, PIN)
    kiosk.step()  # draw the menu, so its buttons can be found
    assert kiosk.panel.mode == "menu"


# -- no way out ----------------------------------------------------------------------


def test_escape_and_q_do_not_end_the_kiosk(make_kiosk: object) -> None:
    kiosk = make_kiosk()  # type: ignore[operator]
    assert key(kiosk, pygame.K_ESCAPE) and key(kiosk, pygame.K_q)
    for _ in range(3):
        assert kiosk.step()
    assert _room(kiosk).running
    # the room's own keys still work
    key(kiosk, pygame.K_p)
    assert _room(kiosk).controls.effect is Effect.PIXELATE


def test_the_cursor_is_hidden(make_kiosk: object) -> None:
    make_kiosk()  # type: ignore[operator]
    assert not pygame.mouse.get_visible()


# -- the facilitator panel -------------------------------------------------------------


def test_a_short_press_in_the_corner_does_nothing_and_a_long_one_asks_for_the_pin(
    make_kiosk: object, clock: Clock
) -> None:
    kiosk = make_kiosk()  # type: ignore[operator]
    tap(kiosk, (8, 8))
    clock.advance(5)
    kiosk.step()
    assert kiosk.panel.mode == "closed"
    # a press elsewhere held for long does nothing either
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(480, 270), button=1, touch=False))
    kiosk.step()
    clock.advance(4)
    kiosk.step()
    assert kiosk.panel.mode == "closed"
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=(480, 270), button=1, touch=False))
    open_with_corner(kiosk, clock)
    assert kiosk.panel.mode == "pin"
    assert {"key.0", "key.9", "key.ok", "key.del", "cancel"} <= set(kiosk.panel.targets)


def test_a_finger_held_in_the_corner_opens_the_keypad_too(make_kiosk: object, clock: Clock) -> None:
    kiosk = make_kiosk()  # type: ignore[operator]
    pygame.event.post(pygame.event.Event(pygame.FINGERDOWN, x=0.005, y=0.01, finger_id=0, touch_id=0))
    kiosk.step()
    clock.advance(3.5)
    kiosk.step()
    assert kiosk.panel.mode == "pin"


def test_ctrl_alt_f_opens_the_keypad(make_kiosk: object) -> None:
    kiosk = make_kiosk()  # type: ignore[operator]
    key(kiosk, pygame.K_f, pygame.KMOD_LCTRL | pygame.KMOD_LALT)
    assert kiosk.panel.mode == "pin"
    assert not _room(kiosk).renderer.show_overlay  # type: ignore[union-attr]  # not the room's F key


def test_the_right_pin_opens_the_panel_and_a_wrong_one_does_not(make_kiosk: object, clock: Clock) -> None:
    kiosk = make_kiosk()  # type: ignore[operator]
    open_with_corner(kiosk, clock)
    type_pin(kiosk, "1111")
    assert kiosk.panel.mode == "pin" and kiosk.panel.message == "kiosk.wrong_pin"
    tap_target(kiosk, "key.1")
    tap_target(kiosk, "key.del")  # corrections work
    type_pin(kiosk, PIN)
    assert kiosk.panel.mode == "menu"
    kiosk.step()
    assert {"aim", "reload", "quit", "close"} <= set(kiosk.panel.targets)
    tap_target(kiosk, "close")
    assert kiosk.panel.mode == "closed"


def test_the_keyboard_types_the_pin(make_kiosk: object) -> None:
    kiosk = make_kiosk()  # type: ignore[operator]
    key(kiosk, pygame.K_f, pygame.KMOD_CTRL | pygame.KMOD_ALT)
    for digit in PIN:
        key(kiosk, pygame.K_0 + int(digit), char=digit)
    key(kiosk, pygame.K_RETURN)
    assert kiosk.panel.mode == "menu"
    key(kiosk, pygame.K_ESCAPE)  # closes the panel, never the kiosk
    assert kiosk.panel.mode == "closed" and kiosk.step()


def test_while_the_panel_is_open_visitors_cannot_reach_the_room(make_kiosk: object, clock: Clock) -> None:
    kiosk = make_kiosk()  # type: ignore[operator]
    kiosk.step()
    pixelate = _room(kiosk).renderer.pointer.find("effect.pixelate")  # type: ignore[union-attr]
    assert pixelate is not None
    open_with_corner(kiosk, clock)
    tap(kiosk, pixelate.rect.center)
    key(kiosk, pygame.K_s)
    assert _room(kiosk).controls.effect is Effect.BLUR
    tap_target(kiosk, "cancel")
    tap(kiosk, pixelate.rect.center)
    assert _room(kiosk).controls.effect is Effect.PIXELATE


def test_five_wrong_pins_lock_the_keypad_for_a_minute(make_kiosk: object, clock: Clock) -> None:
    kiosk = make_kiosk()  # type: ignore[operator]
    open_with_corner(kiosk, clock)
    for _ in range(5):
        type_pin(kiosk, "0000")
    type_pin(kiosk, PIN)
    assert kiosk.panel.mode == "pin"  # locked: even the right PIN is refused
    clock.advance(61)
    kiosk.step()  # the untouched keypad has closed itself meanwhile
    open_with_corner(kiosk, clock)
    type_pin(kiosk, PIN)
    assert kiosk.panel.mode == "menu"


def test_an_untouched_panel_closes_itself(make_kiosk: object, clock: Clock) -> None:
    kiosk = make_kiosk()  # type: ignore[operator]
    open_menu(kiosk, clock)
    clock.advance(59)
    kiosk.step()
    assert kiosk.panel.mode == "menu"
    clock.advance(2)
    kiosk.step()
    assert kiosk.panel.mode == "closed"


def test_quit_asks_twice_then_ends_with_exit_code_0(make_kiosk: object, clock: Clock) -> None:
    kiosk = make_kiosk()  # type: ignore[operator]
    open_menu(kiosk, clock)
    assert tap_target(kiosk, "quit")  # the first tap only asks
    assert kiosk.panel.confirm_quit
    kiosk.step()
    assert not tap_target(kiosk, "quit")
    assert kiosk.exit_code == 0


def test_the_panel_shows_how_the_run_is_doing(make_kiosk: object, clock: Clock) -> None:
    kiosk = make_kiosk()  # type: ignore[operator]
    lines = "\n".join(line.text for line in kiosk.info())
    assert f"pid {os.getpid()}" in lines
    assert "Door" in lines and "Hall" in lines
    assert "hours: always open" in lines and "log:" in lines


# -- aiming ---------------------------------------------------------------------------


def test_aiming_on_start_shows_every_camera_with_boxes_and_keeps_faces_hidden(
    make_kiosk: object, clock: Clock
) -> None:
    kiosk = make_kiosk(_config(kiosk__aim_seconds=5.0, effect__allow_exposed=True))  # type: ignore[operator]
    app = _room(kiosk)
    assert app.renderer.layout is Layout.GRID and app.controls.show_boxes  # type: ignore[union-attr]
    key(kiosk, pygame.K_e)  # a visitor asks for "exposed" while the installer aims
    assert app.controls.effect.hides
    clock.advance(5.5)
    kiosk.step()
    assert app.renderer.layout is Layout.FOCUS and not app.controls.show_boxes  # type: ignore[union-attr]
    key(kiosk, pygame.K_e)
    assert app.controls.effect is Effect.EXPOSED  # afterwards visitors choose again


def test_aiming_from_the_panel_labels_each_picture_with_size_rate_and_light(
    make_kiosk: object, clock: Clock
) -> None:
    config = _config()
    config.cameras = [CameraConfig(source="pattern:bars?size=320x180&fps=30", name="Door")]
    kiosk = make_kiosk(config, feeds=releasable_feeds)  # type: ignore[operator]
    open_menu(kiosk, clock)
    tap_target(kiosk, "aim")
    assert kiosk.panel.mode == "closed" and kiosk.aiming.active(clock.monotonic())
    labels = []
    for _ in range(400):
        kiosk.step()
        labels = kiosk.aiming.labels(_room(kiosk))
        if labels:
            break
        time.sleep(0.01)
    assert labels, "the pattern camera never reached the wall"
    _, label = labels[0]
    assert label.name == "Door" and label.size == (320, 180)
    assert 0 < label.light < 255 and label.verdict.startswith("kiosk.")


# -- opening hours -----------------------------------------------------------------------


def _weekdays(hours: str, weekend: str = "closed") -> dict[str, str]:
    days = {f"hours__{d}": hours for d in ("monday", "tuesday", "wednesday", "thursday", "friday")}
    days.update(hours__saturday=weekend, hours__sunday=weekend)
    return days


def test_outside_opening_hours_the_screen_is_dark_the_lights_off_and_the_cameras_released(
    make_kiosk: object, clock: Clock, mock_board: MockBoard
) -> None:
    clock.wall = datetime(2025, 12, 19, 17, 59, 58)  # a Friday, two seconds before closing
    config = _config(hardware__port="mock", **_weekdays("10:00-18:00"))
    kiosk = make_kiosk(config)  # type: ignore[operator]
    app = _room(kiosk)
    feeds = _cameras(app)
    assert all(f.running for f in feeds) and not kiosk.closed
    kiosk.step()
    assert _screen(kiosk).mean() > 10  # the room is on screen
    clock.advance(3)
    kiosk.step()
    kiosk.step()
    assert kiosk.closed
    assert not any(f.running for f in feeds)
    assert _screen(kiosk).max(axis=2).mean() < 3  # dark, but for one dim line
    assert mock_board.wait_for(lambda b: b.shown is not None and not b.shown.live and b.shown.faces == 0)
    # the weekend passes closed; it wakes on Monday at ten
    clock.wall = datetime(2025, 12, 22, 9, 59, 59)
    kiosk.step()
    assert kiosk.closed
    clock.advance(2)
    kiosk.step()
    assert not kiosk.closed and all(f.running for f in feeds) and all(f.starts == 2 for f in feeds)
    kiosk.step()
    assert _screen(kiosk).mean() > 10


def test_a_closed_date_keeps_the_room_closed_all_day(make_kiosk: object, clock: Clock) -> None:
    config = _config(**_weekdays("10:00-18:00"))
    config.hours.closed_dates = ["2025-12-15"]
    kiosk = make_kiosk(config)  # type: ignore[operator]  # starts on Monday 15 December, 14:00
    assert kiosk.closed and not any(f.running for f in _cameras(_room(kiosk)))
    assert "opens" in "\n".join(line.text for line in kiosk.info())


def test_while_closed_the_facilitator_can_still_open_the_panel(make_kiosk: object, clock: Clock) -> None:
    kiosk = make_kiosk(_config(**_weekdays("closed", "closed")))  # type: ignore[operator]
    assert kiosk.closed
    open_menu(kiosk, clock)
    assert "aim" not in kiosk.panel.targets  # no cameras to aim while closed
    tap_target(kiosk, "quit")
    assert not tap_target(kiosk, "quit")


# -- reload -------------------------------------------------------------------------------


def test_a_config_with_an_error_at_reload_keeps_the_old_one_and_says_why(
    make_kiosk: object, clock: Clock, home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = home / "monitoring.toml"
    path.write_text(CONFIG_TOML.format(second="Hall", source="pattern:bars"), encoding="utf-8")
    from installation.config import load_config

    kiosk = make_kiosk(load_config(path), config_path=path)  # type: ignore[operator]
    app = _room(kiosk)
    path.write_text(CONFIG_TOML.format(second="Hall", source="hall.mp4"), encoding="utf-8")
    open_menu(kiosk, clock)
    with caplog.at_level(logging.ERROR, logger="installation.modes.kiosk"):
        tap_target(kiosk, "reload")
        kiosk.step()
    assert kiosk.room is app and kiosk.panel.mode == "menu"  # still the old room, still showing
    assert kiosk.panel.message_is_error
    assert "cameras[1].source: no such file 'hall.mp4' (line 8)" in kiosk.panel.message
    assert any("reload refused" in r.getMessage() and "hall.mp4" in r.getMessage() for r in caplog.records)
    assert all(f.running for f in _cameras(app))

    path.write_text(CONFIG_TOML.format(second="Stairs", source="pattern:bars"), encoding="utf-8")
    tap_target(kiosk, "reload")
    kiosk.step()
    assert not kiosk.panel.message_is_error
    new = _room(kiosk)
    assert new is not app and [f.name for f in new.feeds] == ["Door", "Stairs"]
    assert not any(f.running for f in _cameras(app))  # the old cameras were let go
    assert all(f.running for f in _cameras(new)) and kiosk.step()


# -- watchdog and heartbeat ------------------------------------------------------------------


def test_the_watchdog_gives_up_when_frames_stop_reaching_the_screen(
    make_kiosk: object, clock: Clock, stalls: list[str]
) -> None:
    kiosk = make_kiosk()  # type: ignore[operator]
    for _ in range(15):
        clock.advance(1.0)
        kiosk.step()
        assert kiosk.watchdog.check() is None
    assert not stalls

    def broken(*_args: object) -> None:
        raise RuntimeError("the screen's driver fell over")

    kiosk.panel.draw = broken  # type: ignore[method-assign]  # drawn over the room every frame
    for _ in range(12):
        clock.advance(1.0)
        assert kiosk.step()  # the room keeps trying, showing a blank screen
    reason = kiosk.watchdog.check()
    assert reason is not None and stalls == [reason]
    assert reason.startswith("no frame reached the screen for 1") and "limit 10 s" in reason


# -- steering ------------------------------------------------------------------------------------


def _steered(**settings: object) -> Config:
    """The two-camera kiosk whose second camera visitors can steer."""
    config = _config(**settings)
    config.cameras[1].head = "digital"
    return config


def test_the_facilitator_locks_steering_and_every_camera_turns_home(make_kiosk: object, clock: Clock) -> None:
    from installation.steer import HOME, Pose

    kiosk = make_kiosk(_steered())  # type: ignore[operator]
    steering = _room(kiosk).steering
    assert steering is not None
    steering.place(1, Pose(0.5, 0.0, 2.0))
    open_menu(kiosk, clock)
    tap_target(kiosk, "steering")
    assert steering.locked and steering.aim(1) == HOME
    assert kiosk.panel.mode == "menu"
    kiosk.step()
    key(kiosk, pygame.K_s)  # the keyboard's way to the same item: allowed again
    assert not steering.locked


def test_a_kiosk_without_a_camera_to_steer_offers_no_steering_item(make_kiosk: object, clock: Clock) -> None:
    kiosk = make_kiosk()  # type: ignore[operator]
    open_menu(kiosk, clock)
    assert "steering" not in kiosk.panel.targets
    key(kiosk, pygame.K_s)
    assert kiosk.panel.mode == "menu" and not kiosk.steering_locked


def test_outside_the_steering_hours_steering_is_locked_and_comes_back_by_itself(
    make_kiosk: object, clock: Clock
) -> None:
    kiosk = make_kiosk(_steered(kiosk__steering_hours="10:00-14:30"))  # type: ignore[operator]
    steering = _room(kiosk).steering
    assert steering is not None
    kiosk.step()
    assert not steering.locked  # Monday 14:00
    clock.advance(31 * 60)
    kiosk.step()
    assert steering.reasons == {"hours"}
    clock.advance(20 * 3600)  # Tuesday 10:31
    kiosk.step()
    assert not steering.locked
