"""Recovery in a running room: cameras and the panel unplugged and back, bad clips, bad configs.

Each test drives the whole App headless (SDL's dummy driver) and looks at
what the screen shows (the renderer's per-monitor state) or what the panel
shows, as a visitor or a facilitator would notice it.
"""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from installation.config import CameraConfig, Config, load_config
from installation.control.state import IndicatorState, InputKind
from installation.effects import Effect
from installation.errors import SourceError
from installation.frames import Frame
from installation.hardware import MockBoard
from installation.pipeline import CameraWorker, build_processor
from installation.room import Room, RoomOptions
from installation.sources import LiveSource, open_source
from tests.conftest import hardware_module

SIZE = (960, 540)
# The two bounds below are the only wall-clock limits asserted here. They are promises to the
# gallery, not speed: the card comes on the next frame (measured ~0.03 s) and a camera is tried
# again at least once a second (measured ~1.0 s in the worst case), so each has a wide margin.
#: From the kiosk issue: a camera's monitor says "signal lost" within this after it is unplugged ...
LOST_WITHIN = 1.0
#: ... and shows its picture again within this after it is plugged back in.
BACK_WITHIN = 2.0


def _until(app: Room, done: Callable[[], bool], seconds: float = 10.0) -> float | None:
    """Step the room until ``done()``; the time it took, or None if it never did (a guard, not a bound)."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        app.step()
        if done():
            return time.monotonic() - start
    return None


def _patterns(n: int, **display: Any) -> Config:
    kinds = ["bars", "noise", "bars", "noise"]
    config = Config(
        cameras=[CameraConfig(source=f"pattern:{kinds[i]}?size=320x240", name=f"P{i + 1}") for i in range(n)]
    )
    config.display.fps = 120
    config.display.layout = "grid"
    for key, value in display.items():
        setattr(config.display, key, value)
    return config


# -- a camera unplugged and plugged back in ------------------------------------------------------------


class Cable:
    """A camera whose cable can be pulled: opening and reading fail while it is out."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._plugged = threading.Event()
        self._plugged.set()
        self.failed_opens: list[float] = []

    def unplug(self) -> None:
        self._plugged.clear()

    def plug(self) -> None:
        self._plugged.set()

    def open(self) -> Any:
        if not self._plugged.is_set():
            self.failed_opens.append(time.monotonic())
            raise SourceError(f"{self.name}: no such camera (/dev/video7 does not exist; unplugged?)")
        return _CableSource(self, open_source("pattern:bars?size=320x240&fps=30", name=self.name, loop=True))


class _CableSource:
    def __init__(self, cable: Cable, inner: Any) -> None:
        self.cable = cable
        self.inner = inner
        self.fps, self.size = inner.fps, inner.size

    def read(self) -> Frame | None:
        if not self.cable._plugged.is_set():
            raise SourceError(f"{self.cable.name}: camera stopped sending (unplugged?)")
        return self.inner.read()

    def close(self) -> None:
        self.inner.close()


def _worker(
    config: Config, index: int, opener: Callable[[], Any] | None, app_ref: list[Room]
) -> CameraWorker:
    camera = config.cameras[index]
    source = LiveSource(camera.name, opener=opener) if opener else LiveSource(camera.source, name=camera.name)

    def controls() -> tuple[Effect, float]:
        return app_ref[0].controls.effect, app_ref[0].controls.strength

    return CameraWorker(source, build_processor(camera, config), controls)


@pytest.mark.slow
def test_an_unplugged_camera_shows_signal_lost_at_once_and_its_picture_when_back() -> None:
    config = _patterns(2)
    config.cameras[0].name = "Door"
    cable = Cable("Door")
    ref: list[Room] = []
    feeds = [_worker(config, 0, cable.open, ref), _worker(config, 1, None, ref)]
    app = Room(config, RoomOptions(headless=True, size=SIZE, live=False), feeds=feeds)
    ref.append(app)
    app.start()
    r = app.renderer
    assert r is not None
    try:
        assert _until(app, lambda: {0, 1} <= set(r.shown)) is not None, "the cameras never showed a picture"

        cable.unplug()
        unplugged = time.monotonic()
        assert _until(app, lambda: 0 not in r.shown) is not None, "the unplugged camera's picture stayed"
        lost_after = time.monotonic() - unplugged
        view = r.model.views[0]
        # The card drawn is "signal lost" (not "starting"), with the reason the camera gave.
        assert not view.ok and not view.starting and "unplugged" in view.reason
        assert lost_after < LOST_WITHIN, f"'signal lost' came {lost_after:.2f} s after the unplug"

        # Out long enough for the retries to reach their longest pause; the other camera plays on.
        seq_other = feeds[1].latest()[0]
        while time.monotonic() - unplugged < 2.5:
            app.step()
            assert 0 not in r.shown and not r.model.views[0].ok
        assert feeds[1].latest()[0] > seq_other and 1 in r.shown

        # Worst case: plugged back in just after an attempt to reopen it failed.
        tries = len(cable.failed_opens)
        assert _until(app, lambda: len(cable.failed_opens) > tries) is not None
        cable.plug()
        plugged = time.monotonic()
        assert _until(app, lambda: 0 in r.shown and r.model.views[0].ok) is not None, (
            "the camera never came back"
        )
        back_after = time.monotonic() - plugged
        assert back_after < BACK_WITHIN, f"the picture came back {back_after:.2f} s after the replug"
        assert r.model.views[0].reason == ""
    finally:
        app.close()


# -- a camera whose processing fails --------------------------------------------------------------------


def test_a_camera_whose_processing_fails_says_so_restarts_and_the_others_never_notice(
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = _patterns(3)
    config.cameras[0].name = "Door"
    ref: list[Room] = []
    feeds = [_worker(config, i, None, ref) for i in range(3)]
    broken = threading.Event()
    failures: list[float] = []
    door = feeds[0].processor
    real_process = door.process

    def process(frame: Frame, effect: Effect, strength: float, **where: Any) -> Any:
        if broken.is_set():  # a fault in tracking or drawing, on every frame while it lasts
            failures.append(time.monotonic())
            raise RuntimeError("the tracker's state is corrupt")
        return real_process(frame, effect, strength, **where)

    door.process = process  # type: ignore[method-assign]
    app = Room(config, RoomOptions(headless=True, size=SIZE, live=False), feeds=feeds)
    ref.append(app)
    app.start()
    r = app.renderer
    assert r is not None
    try:
        assert _until(app, lambda: {0, 1, 2} <= set(r.shown)) is not None, "the cameras never showed"
        with caplog.at_level(logging.INFO, logger="installation.pipeline"):
            broken.set()
            said_so = _until(app, lambda: getattr(r.model.views[0], "failed", False))
            assert said_so is not None, "no card said it failed"
            assert 0 not in r.shown and not r.model.views[0].ok and not r.model.views[0].starting
            reason = r.model.views[0].reason
            assert "Door: processing failed (RuntimeError: the tracker's state is corrupt)" in reason
            # It keeps failing for a while: tried again and again, ever less often; the others play on.
            seqs = [feed.latest()[0] for feed in feeds]
            began = time.monotonic()
            while time.monotonic() - began < 2.0:
                app.step()
                assert {1, 2} <= set(r.shown) and 0 not in r.shown
            assert all(feeds[i].latest()[0] > seqs[i] for i in (1, 2))
            gaps = np.diff(failures)
            assert len(failures) >= 4 and gaps[-1] > gaps[0]  # backoff
            broken.clear()
            back = _until(app, lambda: 0 in r.shown and r.model.views[0].ok)
            assert back is not None, "the camera never came back"
            assert not r.model.views[0].failed and r.model.views[0].reason == ""
    finally:
        app.close()
    errors = [rec for rec in caplog.records if rec.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is not None  # once per run of failures, with its traceback
    assert any("Door: processing works again" in rec.getMessage() for rec in caplog.records)


# -- an IP camera that accepts the connection and never answers -----------------------------------------

#: With a camera that never answers, the others' first pictures are on screen within this after
#: the room starts, and the room closes within this. A promise to the gallery (a stuck camera
#: once held every other one up for its whole 10 s open timeout), not speed.
STUCK_WITHIN = 3.0


class SilentCamera:
    """A server on 127.0.0.1 that accepts every connection and never sends a byte."""

    def __init__(self) -> None:
        self._server = socket.socket()
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(8)
        self.port = self._server.getsockname()[1]
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._server.accept()
            except OSError:
                return
            self.connections.append(connection)

    def close(self) -> None:
        self._server.close()
        for connection in self.connections:
            connection.close()


@pytest.mark.parametrize(
    "silent_urls",
    [
        ["rtsp://127.0.0.1:{port}/live"],
        ["http://127.0.0.1:{port}/video.mjpg"],
        ["rtsp://127.0.0.1:{port}/one", "http://127.0.0.1:{port}/two.mjpg"],
    ],
    ids=["rtsp", "http", "two silent"],
)
def test_a_camera_that_never_answers_holds_up_neither_the_others_nor_closing(
    tmp_path: Path, silent_urls: list[str]
) -> None:
    silent = SilentCamera()
    door = _write_clip(tmp_path / "door.avi", COLOURS["first"], frames=12)
    hall = _write_clip(tmp_path / "hall.avi", COLOURS["last"], frames=12)
    # The silent cameras first: they are opening while the others open, and again while they reconnect.
    sources = [url.format(port=silent.port) for url in silent_urls]
    sources += [str(door), "pattern:bars?size=320x240", str(hall)][: 4 - len(sources)]
    config = Config(
        cameras=[
            CameraConfig(source=source, name=f"C{i + 1}", detector="yunet-half")
            for i, source in enumerate(sources)
        ]
    )
    config.display.fps = 120
    config.display.layout = "grid"
    stuck, others = set(range(len(silent_urls))), set(range(len(silent_urls), 4))
    app = Room(config, RoomOptions(headless=True, size=SIZE, live=False))
    started = time.monotonic()
    try:
        app.start()
        r = app.renderer
        assert r is not None
        assert _until(app, lambda: others <= set(r.shown)) is not None, "the other cameras never showed"
        others_after = time.monotonic() - started
        assert others_after < STUCK_WITHIN, f"the others' pictures came {others_after:.1f} s after the start"
        assert not stuck & set(r.shown) and all(
            r.model.views[i].starting for i in stuck
        )  # they say "starting"
        # The clips loop (each loop opens the file again): they keep playing meanwhile.
        seqs = [feed.latest()[0] for feed in app.feeds]
        while time.monotonic() - started < 1.5 + others_after:
            app.step()
        assert all(app.feeds[i].latest()[0] > seqs[i] for i in others)
    finally:
        closing = time.monotonic()
        app.close()
        closed_after = time.monotonic() - closing
        silent.close()
    assert closed_after < STUCK_WITHIN, f"closing the room took {closed_after:.1f} s"


# -- the panel board unplugged and plugged back in -----------------------------------------------------


def _fields(state: IndicatorState) -> tuple[bool, bool, int, int, int]:
    return state.exposed, state.live, state.tally, state.faces, state.cameras


def test_an_unplugged_board_reconnects_and_shows_the_rooms_current_state(mock_board: MockBoard) -> None:
    config = _patterns(3)
    config.hardware.port = "mock"  # the in-memory board, as the firmware answers
    app = Room(config, RoomOptions(headless=True, size=SIZE, live=False))
    app.start()
    r = app.renderer
    try:
        link, board = app.link, mock_board
        assert r is not None and link is not None

        def board_shows_room() -> bool:
            shown = board.shown
            return shown is not None and (
                shown.exposed,
                shown.live,
                shown.tally,
                shown.faces,
                shown.cameras,
            ) == _fields(r.model.indicator)

        assert _until(app, lambda: r.model.indicator.live and board_shows_room()) is not None
        assert r.board()[0]  # the on-screen panel says the board is connected

        board.unplug()
        assert _until(app, lambda: not r.board()[0]) is not None, "the room never noticed the board was gone"
        # Visitors go on using the screen while the board is away.
        app.controls.select_camera(2, InputKind.TOUCH)
        for _ in range(10):
            app.step()
        assert r.model.indicator.tally == 2

        board.plug()
        assert _until(app, lambda: r.board()[0] and board_shows_room()) is not None, (
            f"after the replug the board shows {board.shown}, the room {r.model.indicator}"
        )
        assert board.connections == 2 and link.connections == 2
        assert board.shown is not None and board.shown.tally == 2
    finally:
        app.close()


simboard = hardware_module("sim/simboard.py")


def _pin_levels(sim: Any, state: IndicatorState) -> dict[str, int]:
    """What each output pin of the real firmware should read while it shows ``state``."""
    levels = {
        "EXPOSURE_GREEN": int(not state.exposed),
        "EXPOSURE_RED": int(state.exposed),
        "LIVE": int(state.live),
        "LINK": 1,
    }
    tallies = [p.name for p in sim.pins.values() if p.group == "TALLY"]
    bar = [p.name for p in sim.pins.values() if p.group == "FACES"]
    levels.update({name: int(i == state.tally and i < state.cameras) for i, name in enumerate(tallies)})
    levels.update({name: int(i < state.faces) for i, name in enumerate(bar)})
    return levels


@pytest.fixture
def sim_port(tmp_path: Path) -> Iterator[tuple[Path, list[Any]]]:
    """A stable port path (a link to the emulator's pty) and the list of emulated boards started."""
    if simboard.missing() is not None:
        if os.environ.get("CI"):
            pytest.fail(f"the firmware emulator must run in CI: {simboard.missing()}")
        pytest.skip(str(simboard.missing()))
    boards: list[Any] = []
    yield tmp_path / "ttyPanel", boards
    for board in boards:
        board.stop()


@pytest.mark.slow
def test_the_real_firmware_unplugged_and_back_resyncs_to_the_room(sim_port: tuple[Path, list[Any]]) -> None:
    port, boards = sim_port

    def plug_in() -> Any:
        board = simboard.SimBoard().start()
        boards.append(board)
        port.unlink(missing_ok=True)
        port.symlink_to(board.pty)  # like /dev/serial/by-id: the same name whichever pty it gets
        return board

    board = plug_in()
    config = _patterns(3)
    config.hardware.port = str(port)
    app = Room(config, RoomOptions(headless=True, size=SIZE, live=False))
    app.start()
    r = app.renderer
    assert r is not None
    try:
        assert _until(app, lambda: r.board()[0] and r.model.indicator.live) is not None, app.link.status.text  # type: ignore[union-attr]
        assert board.wait_levels(_pin_levels(board, r.model.indicator), 3.0)

        board.stop()  # the USB cable is pulled: the board and its port are gone
        port.unlink()
        assert _until(app, lambda: not r.board()[0]) is not None
        app.controls.select_camera(1, InputKind.TOUCH)
        for _ in range(10):
            app.step()

        board = plug_in()  # plugged back: the board boots afresh, knowing nothing
        assert _until(app, lambda: r.board()[0], seconds=15.0) is not None, app.link.status.text  # type: ignore[union-attr]
        wanted = r.model.indicator
        assert wanted.tally == 1 and wanted.live
        done = threading.Event()

        def watch_pins() -> None:
            if board.wait_levels(_pin_levels(board, wanted), 5.0):
                done.set()

        waiter = threading.Thread(target=watch_pins, daemon=True)
        waiter.start()
        while waiter.is_alive():  # keep the room running while the pins are watched
            app.step()
        assert done.is_set(), f"pins {board.levels} do not show {wanted}"
        assert app.link is not None and app.link.connections == 2
    finally:
        app.close()


# -- a damaged clip in a playlist ----------------------------------------------------------------------

COLOURS = {"first": (200, 60, 40), "last": (40, 190, 60)}  # BGR, far apart


def _write_clip(path: Path, colour: tuple[int, int, int], frames: int = 8, fps: float = 30.0) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (160, 120))
    assert writer.isOpened()
    for i in range(frames):
        image = np.full((120, 160, 3), colour, np.uint8)
        cv2.putText(image, str(i), (60, 70), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2)
        writer.write(image)
    writer.release()
    return path


def _noisy_clip(path: Path, frames: int = 40) -> Path:
    rng = np.random.default_rng(5)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 30.0, (160, 120))
    for _ in range(frames):
        writer.write(rng.integers(0, 255, (120, 160, 3), dtype=np.uint8))
    writer.release()
    return path


def _which_clip(image: np.ndarray) -> str | None:
    mean = image.reshape(-1, 3).mean(axis=0)
    for name, colour in COLOURS.items():
        if np.abs(mean - colour).max() < 30:
            return name
    return None


def test_a_damaged_or_cut_clip_in_the_playlist_is_skipped_and_the_room_plays_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "footage"
    folder.mkdir()
    _write_clip(folder / "1 first.avi", COLOURS["first"])
    (folder / "2 damaged.mp4").write_bytes(np.random.default_rng(3).bytes(40_000))
    whole = _noisy_clip(tmp_path / "whole.avi").read_bytes()
    (folder / "3 cut.avi").write_bytes(whole[: len(whole) // 2])  # copied off a card that was pulled out
    (folder / "4 empty.mov").write_bytes(b"")
    _write_clip(folder / "5 last.avi", COLOURS["last"])
    config_file = tmp_path / "room.toml"
    config_file.write_text(
        '[[cameras]]\nname = "Foyer"\nsource = "footage"\n[display]\nfps = 120\nlayout = "single"\n',
        encoding="utf-8",
    )
    app = Room(load_config(config_file), RoomOptions(headless=True, size=SIZE, live=False))
    seen: list[tuple[int, str | None]] = []  # (frame number on the monitor, which clip)
    with caplog.at_level(logging.WARNING, logger="installation.sources"):
        app.start()
        r = app.renderer
        assert r is not None
        try:
            assert _until(app, lambda: 0 in r.shown) is not None

            def record() -> bool:
                assert r.model.views[0].ok, f"the playlist went off air: {r.model.views[0].reason}"
                seq = r.model.views[0].seq
                if 0 in r.shown and (not seen or seen[-1][0] != seq):
                    seen.append((seq, _which_clip(r.shown[0][0].image)))
                order = [name for _, name in seen if name]
                # first, (the cut clip's frames), last, and round again to first
                return "last" in order and order.index("last") < len(order) - 1 and order[-1] == "first"

            assert _until(app, record, seconds=20.0) is not None, f"clips shown: {seen}"
        finally:
            app.close()
    warnings = [rec.getMessage() for rec in caplog.records]
    for clip in ("2 damaged.mp4", "3 cut.avi", "4 empty.mov"):
        assert any(clip in w and "skipping" in w for w in warnings), (clip, warnings)
    assert not any("signal lost" in w for w in warnings), warnings


# -- a broken config file at reload ----------------------------------------------------------------------

PIN = "2580"
GOOD_CONFIG = """\
[[cameras]]
name = "Door"
source = "pattern:bars?size=320x240"

[[cameras]]
name = "{second}"
source = "pattern:noise?size=320x240"

[display]
fps = 120
layout = "grid"

[kiosk]
pin = "{pin}"
aim_seconds = 0
"""

#: Mistakes a facilitator makes editing the file, and what the panel must then say.
BROKEN_CONFIGS = {
    "saved half-way": (GOOD_CONFIG[: GOOD_CONFIG.index("[display]") + 5], "not valid TOML"),
    "a typo in a key": (GOOD_CONFIG.replace("fps = 120", "fsp = 120"), "display.fsp: unknown key"),
    "a clip that is not there": (
        GOOD_CONFIG.replace('"pattern:noise?size=320x240"', '"hall.mp4"'),
        "cameras[1].source: no such file 'hall.mp4'",
    ),
    "the file deleted": (None, "no such config file"),
}


def _key(char: str, key: int | None = None, mod: int = 0) -> None:
    import pygame

    code = key if key is not None else pygame.key.key_code(char)
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=code, mod=mod, unicode=char))
    pygame.event.post(pygame.event.Event(pygame.KEYUP, key=code, mod=mod, unicode=char))


def _panel_pixels(kiosk: Any) -> np.ndarray:
    import pygame

    app = kiosk.room
    assert app is not None and app.canvas is not None
    canvas = pygame.Surface(app.canvas.get_size())
    kiosk.panel.draw(canvas, app.renderer.fonts, time.monotonic())
    return pygame.surfarray.array3d(canvas)


@pytest.mark.parametrize("mistake", sorted(BROKEN_CONFIGS))
def test_a_broken_config_at_reload_keeps_the_cameras_running_and_tells_the_facilitator(
    tmp_path: Path, mistake: str
) -> None:
    import pygame

    from installation.modes.kiosk.loop import Kiosk
    from installation.modes.kiosk.watchdog import Heartbeat, Watchdog

    path = tmp_path / "monitoring.toml"
    path.write_text(GOOD_CONFIG.format(second="Hall", pin=PIN), encoding="utf-8")
    stalls: list[str] = []
    kiosk = Kiosk(
        load_config(path),
        RoomOptions(headless=True, size=SIZE, live=True),
        config_path=path,
        watchdog=Watchdog(10.0, on_stall=stalls.append, heartbeat=Heartbeat(tmp_path / "heartbeat")),
    )
    kiosk.start()
    try:
        app = kiosk.room
        assert app is not None and app.renderer is not None
        r = app.renderer

        def both_cameras_new_pictures(since: list[int]) -> Callable[[], bool]:
            return lambda: all(i in r.shown and r.model.views[i].seq > since[i] for i in (0, 1))

        def seqs() -> list[int]:
            return [r.model.views[0].seq, r.model.views[1].seq]

        assert _until(kiosk.room, lambda: {0, 1} <= set(r.shown)) is not None  # type: ignore[arg-type]
        # The facilitator opens the panel (Ctrl+Alt+F, then the PIN) ...
        _key("f", mod=pygame.KMOD_CTRL | pygame.KMOD_ALT)
        for digit in PIN:
            _key(digit)
        _key("\r", pygame.K_RETURN)
        for _ in range(3):
            kiosk.step()
        assert kiosk.panel.mode == "menu"

        # ... breaks the file, and asks for a reload.
        text, message = BROKEN_CONFIGS[mistake]
        if text is None:
            path.unlink()
        else:
            path.write_text(text.format(second="Hall", pin=PIN), encoding="utf-8")
        quiet = _panel_pixels(kiosk)
        _key("r")
        for _ in range(3):
            kiosk.step()

        assert kiosk.room is app, "a broken config replaced the running room"
        assert kiosk.panel.mode == "menu" and kiosk.panel.message_is_error
        assert message in kiosk.panel.message and "monitoring.toml" in kiosk.panel.message
        assert (_panel_pixels(kiosk) != quiet).any(), "the error is not drawn on the panel"
        # The old cameras go on: both monitors keep getting new pictures.
        before = seqs()
        assert _until(app, both_cameras_new_pictures(before)) is not None
        assert [f.name for f in app.feeds] == ["Door", "Hall"] and all(v.ok for v in r.model.views)

        # Fixed (with a camera renamed): the reload now takes the new config.
        path.write_text(GOOD_CONFIG.format(second="Stairs", pin=PIN), encoding="utf-8")
        _key("r")
        for _ in range(3):  # the key, then the reload at the start of the next frame
            kiosk.step()
        new = kiosk.room
        assert new is not app and new is not None and not kiosk.panel.message_is_error
        assert [f.name for f in new.feeds] == ["Door", "Stairs"]
        assert _until(new, lambda: {0, 1} <= set(new.renderer.shown)) is not None  # type: ignore[union-attr]
        assert not stalls
    finally:
        kiosk.close()
