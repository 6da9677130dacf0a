"""The gallery kiosk: no way out for visitors, the facilitator's PIN panel, aiming, opening hours,
reload, the watchdog and heartbeat, one instance only, screen blanking and the log files."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"

import logging
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pygame
import pytest

from installation.app import App, RoomOptions
from installation.config import CameraConfig, Config
from installation.display.layout import Layout
from installation.effects import Effect
from installation.kiosk import (
    EXIT_CONFIG,
    EXIT_RESTART,
    EXIT_RUNNING,
    FeedFactory,
    Heartbeat,
    InstanceLock,
    Kiosk,
    ReleasableFeed,
    ScreenBlanking,
    Watchdog,
    heartbeat_path,
    lock_path,
    releasable_feeds,
    running_pid,
    supervise,
)
from installation.logs import setup_logging, stop_logging
from installation.sources import SourceStatus

ROOT = Path(__file__).resolve().parents[1]
SIZE = (960, 540)
PIN = "2580"
# A Monday afternoon.
MONDAY = datetime(2025, 12, 15, 14, 0, 0)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME and the XDG folders inside the test's own folder."""
    (tmp_path / "run").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("DISPLAY", raising=False)
    return tmp_path


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", PYTHONPATH=str(ROOT))
    return env


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


class FakeFeed:
    """A camera that counts being started and released, and never sends a picture."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.starts = 0
        self.stops = 0

    @property
    def running(self) -> bool:
        return self.starts > self.stops

    def start(self) -> None:
        self.starts += 1

    def stop(self) -> None:
        self.stops += 1

    def latest(self) -> tuple[int, None]:
        return 0, None

    @property
    def status(self) -> SourceStatus:
        return SourceStatus(False, f"{self.name}: starting", 0.0, 0, 0.0)


def fake_feeds(config: Config, _controls: object) -> list[FakeFeed]:
    return [FakeFeed(c.name) for c in config.cameras]


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


CONFIG_TOML = textwrap.dedent(f"""
    [[cameras]]
    name = "Door"
    source = "pattern:bars"

    [[cameras]]
    name = "{{second}}"
    source = "{{source}}"

    [display]
    fps = 240

    [kiosk]
    pin = "{PIN}"
    aim_seconds = 0
""")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def stalls() -> list[str]:
    return []


@pytest.fixture
def make_kiosk(home: Path, clock: Clock, stalls: list[str]) -> Iterator[object]:
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


def _app(kiosk: Kiosk) -> App:
    assert kiosk.app is not None
    return kiosk.app


def _screen(kiosk: Kiosk) -> np.ndarray:
    screen = _app(kiosk).screen
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
    assert not _app(kiosk).renderer.quit_requested  # type: ignore[union-attr]
    # the room's own keys still work
    key(kiosk, pygame.K_p)
    assert _app(kiosk).controls.effect is Effect.PIXELATE


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
    assert not _app(kiosk).renderer.show_overlay  # type: ignore[union-attr]  # not the room's F key


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
    pixelate = _app(kiosk).renderer.pointer.find("effect.pixelate")  # type: ignore[union-attr]
    assert pixelate is not None
    open_with_corner(kiosk, clock)
    tap(kiosk, pixelate.rect.center)
    key(kiosk, pygame.K_s)
    assert _app(kiosk).controls.effect is Effect.BLUR
    tap_target(kiosk, "cancel")
    tap(kiosk, pixelate.rect.center)
    assert _app(kiosk).controls.effect is Effect.PIXELATE


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
    app = _app(kiosk)
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
        labels = kiosk.aiming.labels(_app(kiosk))
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
    make_kiosk: object, clock: Clock
) -> None:
    clock.wall = datetime(2025, 12, 19, 17, 59, 58)  # a Friday, two seconds before closing
    config = _config(hardware__port="mock", **_weekdays("10:00-18:00"))
    kiosk = make_kiosk(config)  # type: ignore[operator]
    app = _app(kiosk)
    feeds = list(app.feeds)
    assert all(f.running for f in feeds) and not kiosk.closed
    kiosk.step()
    assert _screen(kiosk).mean() > 10  # the room is on screen
    clock.advance(3)
    kiosk.step()
    kiosk.step()
    assert kiosk.closed
    assert not any(f.running for f in feeds)
    assert _screen(kiosk).max(axis=2).mean() < 3  # dark, but for one dim line
    board = app.link.mock  # type: ignore[union-attr]
    assert board.wait_for(lambda b: b.shown is not None and not b.shown.live and b.shown.faces == 0)
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
    assert kiosk.closed and not any(f.running for f in _app(kiosk).feeds)
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
    app = _app(kiosk)
    path.write_text(CONFIG_TOML.format(second="Hall", source="hall.mp4"), encoding="utf-8")
    open_menu(kiosk, clock)
    with caplog.at_level(logging.ERROR, logger="installation.kiosk"):
        tap_target(kiosk, "reload")
        kiosk.step()
    assert kiosk.app is app and kiosk.panel.mode == "menu"  # still the old room, still showing
    assert kiosk.panel.message_is_error
    assert "cameras[1].source: no such file 'hall.mp4' (line 8)" in kiosk.panel.message
    assert any("reload refused" in r.getMessage() and "hall.mp4" in r.getMessage() for r in caplog.records)
    assert all(f.running for f in app.feeds)

    path.write_text(CONFIG_TOML.format(second="Stairs", source="pattern:bars"), encoding="utf-8")
    tap_target(kiosk, "reload")
    kiosk.step()
    assert not kiosk.panel.message_is_error
    new = _app(kiosk)
    assert new is not app and [f.name for f in new.feeds] == ["Door", "Stairs"]
    assert not any(f.running for f in app.feeds)  # the old cameras were let go
    assert all(f.running for f in new.feeds) and kiosk.step()


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

    _app(kiosk).painters.append(broken)
    for _ in range(12):
        clock.advance(1.0)
        assert kiosk.step()  # the room keeps trying, showing a blank screen
    reason = kiosk.watchdog.check()
    assert reason is not None and stalls == [reason]
    assert reason.startswith("no frame reached the screen for 1") and "limit 10 s" in reason


def test_the_heartbeat_is_written_only_while_frames_flow(home: Path) -> None:
    now = [0.0]
    path = home / "beat"
    dog = Watchdog(
        10.0, clock=lambda: now[0], heartbeat=Heartbeat(path, interval=2.0), on_stall=lambda r: None
    )
    dog.frame()
    dog.check()
    pid, written, frames = path.read_text().split()
    assert int(pid) == os.getpid() and int(frames) == 1 and abs(int(written) - time.time()) < 60
    now[0] = 1.0
    dog.frame()
    dog.check()
    assert path.read_text().split()[2] == "1"  # not yet: every two seconds
    now[0] = 2.5
    dog.frame()
    dog.check()
    assert path.read_text().split()[2] == "3"
    now[0] = 6.0  # no frame since: the heartbeat stops, so a hang shows from outside
    dog.check()
    assert path.read_text().split()[2] == "3"


def test_a_stalled_screen_ends_the_process_with_the_restart_code_and_logs_why(home: Path) -> None:
    log_dir = home / "logs"
    script = textwrap.dedent(f"""
        from pathlib import Path
        from installation.kiosk import Watchdog
        from installation.logs import setup_logging
        setup_logging(Path({str(log_dir)!r}))
        now = [0.0]
        dog = Watchdog(10.0, clock=lambda: now[0])
        dog.frame()
        now[0] = 12.0
        dog.check()
        print("still running")
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], env=_env(home), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == EXIT_RESTART, done.stderr
    assert "still running" not in done.stdout
    logged = (log_dir / "monitoring-room.log").read_text()
    assert "watchdog: no frame reached the screen for 12.0 s" in logged
    assert f"exiting with code {EXIT_RESTART}" in logged


# -- one instance ---------------------------------------------------------------------------


def test_a_second_kiosk_says_one_is_running_and_exits(home: Path) -> None:
    with InstanceLock(lock_path()):
        assert running_pid() == os.getpid()
        done = subprocess.run(
            [sys.executable, "-m", "installation", "kiosk", "--demo", "--headless", "--frames", "1"],
            env=_env(home),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == EXIT_RUNNING
    assert f"already running (pid {os.getpid()})" in done.stderr
    assert running_pid() is None


def test_the_lock_goes_with_its_process_however_it_ends(home: Path) -> None:
    script = (
        "import os; from installation.kiosk import InstanceLock, lock_path; "
        "InstanceLock(lock_path()).acquire(); os._exit(9)"
    )
    assert subprocess.run([sys.executable, "-c", script], env=_env(home), timeout=60).returncode == 9
    assert running_pid() is None
    with InstanceLock(lock_path()):
        pass


# -- the command, end to end ----------------------------------------------------------------------


def test_the_kiosk_command_runs_logs_beats_and_stops_cleanly_on_sigterm(home: Path) -> None:
    config = home / "monitoring.toml"
    config.write_text(CONFIG_TOML.format(second="Hall", source="pattern:bars?size=320x180"), encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "installation", "kiosk", "--headless", "--config", str(config)],
        env=_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    beat = home / "run" / "monitoring-room" / "heartbeat"
    try:
        for _ in range(600):
            if beat.exists() or process.poll() is not None:
                break
            time.sleep(0.05)
        assert beat.exists(), process.communicate(timeout=10)[1]
        assert int(beat.read_text().split()[0]) == process.pid
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    logged = (home / "state" / "monitoring-room" / "log" / "monitoring-room.log").read_text()
    assert "kiosk running" in logged and "stopped by the system" in logged
    assert "kiosk stopped (exit code 0)" in logged
    assert running_pid() is None


def test_a_config_error_at_start_exits_with_the_config_code(home: Path) -> None:
    config = home / "monitoring.toml"
    config.write_text(CONFIG_TOML.format(second="Hall", source="hall.mp4"), encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "installation",
            "kiosk",
            "--headless",
            "--frames",
            "1",
            "--config",
            str(config),
        ],
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == EXIT_CONFIG
    said = f"{config}: cameras[1].source: no such file 'hall.mp4' (line 8)"
    assert said in done.stderr
    logged = (home / "state" / "monitoring-room" / "log" / "monitoring-room.log").read_text()
    assert said in logged and f"(exit code {EXIT_CONFIG})" in logged


def test_the_supervisor_restarts_only_when_a_restart_helps() -> None:
    class Child:
        def __init__(self, code: int) -> None:
            self.code = code

        def wait(self) -> int:
            return self.code

        def terminate(self) -> None:
            pass

    codes = [EXIT_RESTART, 1, EXIT_RUNNING, 0, 99]
    started: list[list[str]] = []

    def popen(command: list[str]) -> Child:
        started.append(command)
        return Child(codes.pop(0))

    assert supervise(["kiosk"], delay=0, popen=popen) == 0
    assert len(started) == 4  # after the watchdog, a crash and a busy lock; not after a normal quit
    codes[:] = [EXIT_CONFIG, 0]
    started.clear()
    assert supervise(["kiosk"], delay=0, popen=popen) == EXIT_CONFIG and len(started) == 1


# -- cameras let go and taken back --------------------------------------------------------------


def test_a_released_camera_stops_its_threads_and_comes_back_with_growing_numbers() -> None:
    config = _config()
    config.cameras = [CameraConfig(source="pattern:bars?size=64x36&fps=60", name="Door")]
    (feed,) = releasable_feeds(config, lambda: (Effect.BLUR, 0.5))
    assert isinstance(feed, ReleasableFeed)

    def first_result(after: int) -> int:
        for _ in range(500):
            seq, processed = feed.latest()
            if processed is not None and seq > after:
                return seq
            time.sleep(0.01)
        raise AssertionError("no processed frame")

    feed.start()
    seq = first_result(0)
    feed.stop()
    import threading

    assert not any(t.name.startswith(("camera-Door", "source Door")) for t in threading.enumerate())
    assert not feed.status.ok and "released" in feed.status.reason  # type: ignore[attr-defined]
    feed.start()
    assert first_result(seq) > seq
    feed.stop()


# -- screen blanking --------------------------------------------------------------------------------


def test_screen_blanking_is_switched_off_and_put_back(tmp_path: Path) -> None:
    calls = tmp_path / "calls"
    xset = tmp_path / "bin" / "xset"
    xset.parent.mkdir()
    xset.write_text(
        textwrap.dedent(f"""\
        #!/bin/sh
        echo "$@" >> {calls}
        if [ "$1" = q ]; then
          printf '  prefer blanking:  yes    allow exposures:  yes\\n'
          printf '  timeout:  300    cycle:  600\\n  DPMS is Enabled\\n'
        fi
    """)
    )
    xset.chmod(0o755)
    blanking = ScreenBlanking(environ={"DISPLAY": ":7", "PATH": str(xset.parent)})
    blanking.disable()
    assert calls.read_text().splitlines() == ["q", "s off", "s noblank", "-dpms"]
    blanking.restore()
    assert calls.read_text().splitlines()[4:] == ["s 300 600", "s blank", "+dpms"]
    blanking.restore()  # only once
    assert len(calls.read_text().splitlines()) == 7


def test_without_an_x_display_xset_is_left_alone(tmp_path: Path) -> None:
    ran: list[object] = []

    def run(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
        ran.append(args)
        return subprocess.CompletedProcess(args, 0, "", "")

    blanking = ScreenBlanking(run=run, environ={"PATH": "/usr/bin:/bin"})
    blanking.disable()
    blanking.restore()
    assert ran == []


# -- log files ----------------------------------------------------------------------------------------


def test_log_files_rotate_and_keep_a_bounded_number(tmp_path: Path) -> None:
    try:
        path = setup_logging(tmp_path, max_bytes=2000, backups=2)
        assert path == tmp_path / "monitoring-room.log"
        assert setup_logging(tmp_path / "other") == path  # set up once only
        for i in range(200):
            logging.getLogger("installation.sources").warning("signal lost: camera:%d (retrying)", i)
    finally:
        stop_logging()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["monitoring-room.log", "monitoring-room.log.1", "monitoring-room.log.2"]
    assert all(p.stat().st_size <= 2200 for p in tmp_path.iterdir())
    assert "camera:199" in path.read_text()


def test_a_crash_is_logged_with_its_traceback(home: Path) -> None:
    log_dir = home / "logs"
    script = textwrap.dedent(f"""
        import threading
        from pathlib import Path
        from installation.logs import setup_logging
        setup_logging(Path({str(log_dir)!r}))
        t = threading.Thread(target=lambda: 1 / 0, name="camera-Door")
        t.start(); t.join()
        raise RuntimeError("the room fell over")
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], env=_env(home), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1 and "the room fell over" in done.stderr
    logged = (log_dir / "monitoring-room.log").read_text()
    assert "crash in camera-Door: ZeroDivisionError" in logged
    assert "crash: RuntimeError('the room fell over')" in logged
    assert logged.count("Traceback (most recent call last)") == 2
