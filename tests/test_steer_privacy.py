"""Privacy while the view moves: what a digital head shows has been hidden over the whole sensor frame.

The room draws a steered camera's window (:func:`installation.display.monitor.window_surface`) from
its processed picture, in which detection, tracking and hiding ran on the whole sensor frame. These
tests steer a real detector's camera over real face photos and look at every view frame.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import numpy as np
import pygame
import pytest

from installation.config import CameraConfig, Config
from installation.control.state import InputKind
from installation.detect import FaceDetector, create_detector
from installation.effects import Effect
from installation.frames import Frame, Processed
from installation.geometry import Box
from installation.leak import LEAK_THRESHOLD, leak_score
from installation.pipeline import Processor
from installation.pipeline.fakes import FakeFeed
from installation.room import Room, RoomOptions
from installation.steer import DigitalHead, Pose
from installation.track import Tracker

SENSOR = (1280, 720)
VIEW = (1280, 720)  # the window is drawn this large, as on a large monitor
FPS = 30


@pytest.fixture(scope="module")
def yunet() -> Iterator[FaceDetector]:
    with create_detector("yunet") as detector:
        yield detector


def view_of(image: np.ndarray, window: Box) -> np.ndarray:
    """The window as the room draws it on a large monitor."""
    from installation.display.monitor import window_surface

    _, pixels = window_surface(image, window, VIEW)
    return pixels.copy()


def in_view(face: Box, window: Box) -> Box | None:
    """The part of ``face`` (sensor pixels) the window shows, in the view's pixels; None when less
    than 24 sensor pixels of it are in the window."""
    x0, y0 = max(face.x, window.x), max(face.y, window.y)
    x1, y1 = min(face.x + face.w, window.x + window.w), min(face.y + face.h, window.y + window.h)
    if x1 - x0 < 24 or y1 - y0 < 24:
        return None
    sx, sy = VIEW[0] / window.w, VIEW[1] / window.h
    return Box((x0 - window.x) * sx, (y0 - window.y) * sy, (x1 - x0) * sx, (y1 - y0) * sy)


def score(original: np.ndarray, shown: np.ndarray, box: Box) -> float:
    value = leak_score(original, shown, box)
    assert value is not None
    return value


def test_a_face_that_walks_into_the_window_is_hidden_on_the_first_frame_it_is_shown(
    yunet: FaceDetector, scene: Callable[..., np.ndarray]
) -> None:
    head = DigitalHead(view=0.5)
    head.place(Pose(pan=-1.0))  # the left half of the sensor frame: x from 0 to 640
    window = head.window(*SENSOR)
    assert window.x + window.w == 640
    processor = Processor(yunet, Tracker())
    shown_frames = 0
    for i in range(40):
        # She starts just right of the window and walks left into it, 6 px a frame.
        face = Box(660 - 6 * i, 260, 84, 84)
        image = scene(("astronaut", face), size=SENSOR)
        result = processor.process(Frame(image, i, i / FPS, "gallery"), Effect.BLUR, 0.0)
        visible = in_view(face, window)
        if visible is None:
            continue
        shown_frames += 1
        original, shown = view_of(image, window), view_of(result.image, window)
        assert score(original, original, visible) >= LEAK_THRESHOLD  # there is a face to leak
        assert score(original, shown, visible) < LEAK_THRESHOLD, f"frame {i}: her face leaked into the view"
        assert not result.hidden_all
    assert shown_frames >= 25


def test_zooming_onto_a_face_never_shows_it(yunet: FaceDetector, scene: Callable[..., np.ndarray]) -> None:
    face = Box(900, 400, 44, 44)
    clock = 0.0
    head = DigitalHead(view=0.5, clock=lambda: clock)
    # Centred on her face, at the highest zoom: pan and tilt from the window's geometry.
    pan = (face.cx / SENSOR[0] - 0.5) / 0.25
    tilt = (0.5 - face.cy / SENSOR[1]) / 0.25
    head.go_to(Pose(pan, tilt, 4.0))
    processor = Processor(yunet, Tracker())
    largest = 0.0
    for i in range(60):
        # She sways a little, so the tracker follows a moving face.
        moved = Box(face.x + 3 * np.sin(i / 5), face.y, face.w, face.h)
        frame_image = scene(("grace_hopper", moved), size=SENSOR)
        result = processor.process(Frame(frame_image, i, i / FPS, "gallery"), Effect.BLUR, 0.0)
        for half in (0, 1):  # the screen is drawn twice for each camera frame
            clock = (2 * i + half) / 60
            head.tick(clock)
            window = head.window(*SENSOR)
            visible = in_view(moved, window)
            assert visible is not None
            original, shown = view_of(frame_image, window), view_of(result.image, window)
            assert score(original, original, visible) >= LEAK_THRESHOLD
            assert score(original, shown, visible) < LEAK_THRESHOLD, (
                f"frame {i}: her face leaked while zooming"
            )
            largest = max(largest, visible.h)
    assert head.pose.zoom == pytest.approx(4.0)
    assert largest > 300  # on the monitor her face grew to several times its size


# -- privacy zones -------------------------------------------------------------------------------------

ZONE = [0.7, 0.2, 0.3, 0.6]  # the right 30 % of the picture: a staff door
IN_ZONE = Box(1000, 260, 120, 120)


def zone_processor(detector: FaceDetector | None = None) -> Processor:
    class Blind:
        """A detector that never finds the face: only the zone can hide it."""

        threshold = 0.5

        def detect(self, image: np.ndarray) -> list[object]:
            return []

        def close(self) -> None:
            pass

    return Processor(detector or Blind(), Tracker(), zones=[ZONE])  # type: ignore[arg-type]


@pytest.mark.parametrize("effect", [Effect.BLUR, Effect.EXPOSED])
def test_a_privacy_zone_is_hidden_in_every_view_whatever_the_effect(
    scene: Callable[..., np.ndarray], effect: Effect
) -> None:
    image = scene(("astronaut", IN_ZONE), size=SENSOR)
    processor = zone_processor()
    for i in range(3):  # the first frame is hidden whole (nothing detected yet); then the zone alone
        result = processor.process(Frame(image, i, i / FPS, "gallery"), effect, 0.5)
    assert not result.hidden_all and not result.faces
    head = DigitalHead(view=0.5)
    for pose in (Pose(), Pose(pan=1.0), Pose(1.0, 0.0, 3.0), Pose(0.8, 0.1, 2.0)):
        window = head.window(*SENSOR, pose)
        visible = in_view(IN_ZONE, window)
        if visible is None:
            continue
        original, shown = view_of(image, window), view_of(result.image, window)
        assert score(original, original, visible) >= LEAK_THRESHOLD
        assert score(original, shown, visible) < LEAK_THRESHOLD, pose
    # Outside the zone the picture is untouched.
    assert np.array_equal(result.image[:, :800], image[:, :800])


def _screen(room: Room) -> np.ndarray:
    assert room.screen is not None
    return pygame.surfarray.array3d(room.screen).swapaxes(0, 1)[:, :, ::-1].copy()


def _on_screen(room: Room, index: int, face: Box) -> Box:
    """Where ``face`` (sensor pixels) is drawn on the screen for camera ``index``."""
    assert room.renderer is not None and room.model is not None
    _, picture = room.renderer.shown[index]
    window = room.model.views[index].window
    assert window is not None
    sx, sy = picture.width / window.w, picture.height / window.h
    return Box(
        picture.x + (face.x - window.x) * sx, picture.y + (face.y - window.y) * sy, face.w * sx, face.h * sy
    )


def test_a_privacy_zone_stays_hidden_on_the_large_monitor_and_the_thumbnails(
    video: None, scene: Callable[..., np.ndarray]
) -> None:
    """Two steered cameras on a door in a privacy zone, visitors choosing "exposed": the zone is hidden
    on the large monitor and on the thumbnail alike."""
    from installation.display.monitor import window_surface

    image = scene(("astronaut", IN_ZONE), size=SENSOR)
    cameras = [CameraConfig(source="pattern:bars", name=f"Gallery {n}", head="digital") for n in (1, 2)]
    for camera in cameras:
        camera.steer.privacy_zones = [ZONE]
    config = Config(cameras=cameras)
    config.effect.allow_exposed = True
    config.display.fps = 240

    def feed(name: str) -> FakeFeed:
        processor = zone_processor()

        def make(n: int) -> Processed:
            frame = Frame(image, n, n / FPS, name, captured=time.monotonic())
            return processor.process(frame, Effect.EXPOSED, 0.0)

        return FakeFeed(name, make=make)

    room = Room(
        config,
        RoomOptions(headless=True, size=(1920, 1080), live=False),
        feeds=[feed(camera.name) for camera in cameras],
    )
    room.start()
    try:
        room.controls.set_effect(Effect.EXPOSED, InputKind.TOUCH)
        assert room.steering is not None and room.renderer is not None and room.model is not None
        room.steering.place(0, Pose(pan=0.9, zoom=1.5))  # the large monitor looks at the door
        room.steering.place(1, Pose(pan=1.0))  # and so does the thumbnail
        for _ in range(5):
            room.step()
        screen = _screen(room)
        for index in (0, 1):  # the large monitor, and the thumbnail
            face = _on_screen(room, index, IN_ZONE)
            assert face.h > 30
            # The same monitor drawn from the raw frame: what it would show without the zone.
            window = room.model.views[index].window
            assert window is not None
            _, picture = room.renderer.shown[index]
            _, raw = window_surface(image, window, picture.size)
            original = np.zeros_like(screen)
            original[picture.y : picture.bottom, picture.x : picture.right] = raw
            assert score(original, original, face) >= LEAK_THRESHOLD
            assert score(original, screen, face) < LEAK_THRESHOLD, f"camera {index + 1} showed the zone"
    finally:
        room.close(keep_screen=True)


def test_a_camera_s_privacy_zones_reach_its_processor_from_the_config() -> None:
    from installation.pipeline import build_processor

    camera = CameraConfig(source="pattern:bars", name="Door", detector="yunet-half")
    camera.steer.privacy_zones = [ZONE]
    processor = build_processor(camera, Config(cameras=[camera]))
    try:
        assert processor.zones == [tuple(ZONE)]
    finally:
        processor.detector.close()
