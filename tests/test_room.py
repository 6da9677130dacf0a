"""The room end to end, headless: the demo footage through detection, effect and screen."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"

import queue
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pygame
import pytest

from installation.config import CameraConfig, Config, demo_config
from installation.control.state import InputKind, PanelEvent
from installation.display.monitor import box_to_screen
from installation.display.widgets import GREEN, RED
from installation.effects import Effect
from installation.errors import InstallationError, SourceError
from installation.geometry import Box
from installation.hardware import MockBoard
from installation.leak import leak_score
from installation.room import Room, RoomOptions
from installation.room.link import open_panel_link
from installation.room.threads import lower_priority

SIZE = (960, 540)


def _config(cameras: int = 3, **effect: object) -> Config:
    # Three cameras: the third (kiosk) brings faces near the camera, large on the big monitor;
    # the first two show distant visitors whose face boxes stay small for most of their clips.
    config = demo_config()
    config.cameras = config.cameras[:cameras]
    config.display.fps = 240  # as fast as the machine goes: tests count frames, not seconds
    config.display.layout = "focus"
    for key, value in effect.items():
        setattr(config.effect, key, value)
    return config


@pytest.fixture
def room(request: pytest.FixtureRequest) -> Iterator[Room]:
    params = getattr(request, "param", {})
    options = RoomOptions(headless=True, size=SIZE, live=params.pop("live", False))
    app = Room(_config(**params), options)
    app.start()
    yield app
    app.close()


def _screen(app: Room) -> np.ndarray:
    assert app.screen is not None
    return pygame.surfarray.array3d(app.screen).swapaxes(0, 1)[:, :, ::-1].copy()


def _until(app: Room, done: object, frames: int = 900) -> bool:
    for _ in range(frames):
        app.step()
        if done():  # type: ignore[operator]
            return True
    return False


def _face_on_big_monitor(app: Room, effect: Effect | None = None, min_px: int = 32) -> bool:
    """True when the big monitor shows a tracked face at least ``min_px`` wide on screen."""
    r = app.renderer
    assert r is not None
    shown = r.shown.get(app.controls.selected)
    if shown is None:
        return False
    processed, picture = shown
    if processed.hidden_all or (effect is not None and processed.effect is not effect):
        return False
    size = (processed.image.shape[1], processed.image.shape[0])
    return any(box_to_screen(f.box, size, picture).width >= min_px for f in processed.faces)


def _find_a_face(app: Room) -> None:
    """Select a camera whose big-monitor picture holds a tracked face."""
    for _ in range(6):
        for camera in range(app.controls.cameras):
            app.controls.select_camera(camera, InputKind.SYSTEM)
            if _until(app, lambda: _face_on_big_monitor(app), frames=120):
                return
    pytest.fail("no face appeared on any demo camera")


def _post_click(app: Room, name: str) -> None:
    r = app.renderer
    assert r is not None
    spot = r.pointer.find(name)
    assert spot is not None, name
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=spot.rect.center, button=1))
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=spot.rect.center, button=1))


def _post_key(key: int) -> None:
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode=""))


def _lamp(app: Room) -> str:
    r = app.renderer
    assert r is not None
    panel = r.regions.panel
    top = _screen(app)[panel.top : panel.top + panel.height * 2 // 5, panel.left : panel.right].reshape(
        -1, 3
    )[:, ::-1]
    red = int((np.abs(top.astype(int) - RED).sum(axis=1) < 40).sum())
    green = int((np.abs(top.astype(int) - GREEN).sum(axis=1) < 40).sum())
    return "red" if red > 3 * green else "green" if green > 3 * red else "unclear"


def _leak_on_screen(app: Room) -> list[float]:
    """Leak scores of the big monitor's faces as drawn, against the original frame drawn the same size."""
    r = app.renderer
    assert r is not None
    processed, picture = r.shown[app.controls.selected]
    screen = _screen(app)[picture.top : picture.bottom, picture.left : picture.right]
    original = cv2.resize(processed.frame.image, picture.size, interpolation=cv2.INTER_AREA)
    size = (processed.image.shape[1], processed.image.shape[0])
    scores = []
    for face in processed.faces:
        s = box_to_screen(face.box, size, picture)
        score = leak_score(
            original, screen, Box(s.left - picture.left, s.top - picture.top, s.width, s.height)
        )
        if score is not None and s.width >= 32:
            scores.append(score)
    return scores


@pytest.mark.slow
def test_visitors_expose_and_hide_faces_on_the_demo_footage(room: Room) -> None:
    _find_a_face(room)
    _post_click(room, "effect.exposed")
    room.step()
    assert room.controls.effect is Effect.EXPOSED
    assert _lamp(room) == "red"  # within one frame of the choice, a face being visible
    assert _until(room, lambda: _face_on_big_monitor(room, Effect.EXPOSED))
    exposed = _leak_on_screen(room)
    assert exposed and max(exposed) >= 0.5

    _post_key(pygame.K_b)
    room.step()
    assert room.controls.effect is Effect.BLUR
    assert _lamp(room) == "green"
    assert _until(room, lambda: _face_on_big_monitor(room, Effect.BLUR))
    blurred = _leak_on_screen(room)
    assert blurred and max(blurred) < 0.5

    # the slider and the number keys reach the same controls
    _post_key(pygame.K_2)
    spot = room.renderer.pointer.find("strength")  # type: ignore[union-attr]
    assert spot is not None
    pygame.event.post(
        pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(spot.rect.right - 2, spot.rect.centery), button=1)
    )
    pygame.event.post(
        pygame.event.Event(pygame.MOUSEBUTTONUP, pos=(spot.rect.right - 2, spot.rect.centery), button=1)
    )
    room.step()
    assert room.controls.selected == 1 and room.controls.strength == 1.0


@pytest.mark.parametrize("room", [{"allow_exposed": False}], indirect=True)
def test_exposed_cannot_be_chosen_when_the_config_forbids_it(room: Room) -> None:
    seen = set()
    for i in range(12):  # one way of asking per frame, each cycling or asking for "exposed"
        if i % 4 == 0:
            _post_key(pygame.K_e)
        elif i % 4 == 1:
            _post_key(pygame.K_SPACE)
        elif i % 4 == 2:
            room.events.put(PanelEvent("effect"))
        else:
            _post_click(room, "panel.effect")
        room.step()
        seen.add(room.controls.effect)
    assert room.renderer is not None and room.renderer.pointer.find("effect.exposed") is None
    assert Effect.EXPOSED not in seen and len(seen) == 3


def _patterns(n: int = 2) -> Config:
    kinds = ("bars", "noise", "bars")
    cameras = [CameraConfig(source=f"pattern:{kinds[i]}?size=320x240", name=f"P{i + 1}") for i in range(n)]
    config = Config(cameras=cameras)
    config.display.fps = 240
    return config


def test_the_board_follows_the_room_and_its_buttons_work(mock_board: MockBoard) -> None:
    config = _patterns(2)
    config.hardware.port = "mock"  # the in-memory board
    app = Room(config, RoomOptions(headless=True, size=SIZE, live=False))
    app.start()
    try:
        link = app.link
        assert link is not None and link.wait_connected(5.0)
        mock_board.press("camera")
        mock_board.turn(0.25)
        assert link.wait_events(2, 5.0)
        app.step()
        assert app.controls.selected == 1 and abs(app.controls.strength - 0.25) < 0.02
        for _ in range(3):
            app.step()
        assert mock_board.wait_for(lambda board: board.shown is not None and board.shown.tally == 1, 5.0)
        assert app.renderer is not None and app.renderer.board()[0]  # the on-screen panel says "connected"
    finally:
        app.close()


@pytest.mark.slow
@pytest.mark.parametrize("room", [{"live": True}], indirect=True)
def test_a_screenshot_of_live_cameras_is_refused_while_a_face_is_exposed(room: Room, tmp_path: Path) -> None:
    _find_a_face(room)
    room.controls.set_effect(Effect.EXPOSED, InputKind.KEY)
    assert _until(room, lambda: _face_on_big_monitor(room, Effect.EXPOSED))
    path = tmp_path / "shot.png"
    with pytest.raises(InstallationError, match="refused"):
        room.screenshot(path)
    assert not path.exists()
    room.controls.set_effect(Effect.BLUR, InputKind.KEY)
    assert _until(room, lambda: _face_on_big_monitor(room, Effect.BLUR))
    # Until every monitor, thumbnails included, shows frames hidden again, it is still refused.
    renderer = room.renderer
    assert renderer is not None
    assert _until(room, lambda: not renderer.any_face_exposed)
    assert room.screenshot(path).stat().st_size > 10_000


@pytest.mark.slow
def test_a_demo_screenshot_is_allowed_while_exposed(room: Room, tmp_path: Path) -> None:
    _find_a_face(room)
    _post_key(pygame.K_e)
    assert _until(room, lambda: _face_on_big_monitor(room, Effect.EXPOSED))
    assert room.screenshot(tmp_path / "demo.png").exists()


def test_a_mirrored_projection_still_takes_touches_where_the_buttons_appear(tmp_path: Path) -> None:
    config = _config(cameras=1)
    config.display.mirror = True
    app = Room(config, RoomOptions(headless=True, size=SIZE, live=False))
    app.start()
    try:
        app.step()
        spot = app.renderer.pointer.find("effect.solid")  # type: ignore[union-attr]
        assert spot is not None
        x, y = spot.rect.center
        on_screen = (SIZE[0] - 1 - x, y)  # where the mirrored picture shows the button
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=on_screen, button=1))
        app.step()
        assert app.controls.effect is Effect.SOLID
    finally:
        app.close()


def test_a_source_that_fails_shows_signal_lost_and_comes_back(tmp_path: Path) -> None:
    from installation.detect import create_detector
    from installation.pipeline import CameraWorker, Processor
    from installation.sources import FrameSource, LiveSource, open_source
    from installation.track import Tracker

    opened = {"n": 0}

    def opener() -> FrameSource:
        opened["n"] += 1
        if 2 <= opened["n"] <= 4:
            raise SourceError("Door: camera stopped sending (unplugged?)")
        return open_source("pattern:bars?size=320x240&fps=30&frames=15", name="Door")

    worker = CameraWorker(
        LiveSource("Door", opener=opener),
        Processor(create_detector("short"), Tracker(), name="Door"),
        lambda: (app.controls.effect, app.controls.strength),  # read once the worker runs
    )
    config = Config(cameras=[CameraConfig(source="pattern:bars", name="Door")])
    app = Room(config, RoomOptions(headless=True, size=SIZE, live=False), feeds=[worker])
    app.start()
    try:
        assert _until(app, lambda: 0 in app.renderer.shown)  # type: ignore[union-attr]
        assert _until(app, lambda: not app.renderer.model.views[0].ok)  # type: ignore[union-attr]
        r = app.renderer
        assert r is not None and 0 not in r.shown and "unplugged" in r.model.views[0].reason
        assert _until(app, lambda: 0 in app.renderer.shown)  # type: ignore[union-attr]
        assert r.model.views[0].ok
    finally:
        app.close()


def test_no_board_configured_means_no_link() -> None:
    assert open_panel_link("none", queue.SimpleQueue()) is None


@pytest.mark.skipif(
    not hasattr(os, "getpriority") or os.uname().sysname != "Linux", reason="Linux thread priorities"
)
def test_camera_threads_yield_the_cpu_to_the_screen() -> None:
    import threading

    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert thread.native_id is not None
        before = os.getpriority(os.PRIO_PROCESS, thread.native_id)
        screen = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        assert lower_priority([thread], niceness=3) == 1
        assert os.getpriority(os.PRIO_PROCESS, thread.native_id) == min(19, before + 3)
        assert (
            os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == screen
        )  # the screen keeps its own
    finally:
        release.set()
        thread.join()
