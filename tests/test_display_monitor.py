"""One monitor on the wall (installation/display/monitor.py): a steered camera shows its window,
says in its label where it points, and reads out pan, tilt and zoom while it moves."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"

import numpy as np
import pygame
import pytest
from pygame import Rect

from installation.control.model import FeedView
from installation.display.fonts import Fonts
from installation.display.monitor import MonitorPainter, window_surface
from installation.display.widgets import TEXT
from installation.effects import Effect
from installation.frames import Frame, Processed
from installation.geometry import Box
from installation.steer import DigitalHead, Pose

SENSOR = (1280, 720)
MONITOR = Rect(0, 0, 1000, 600)


@pytest.fixture
def painter(video: None) -> MonitorPainter:
    return MonitorPainter(Fonts(1.0))


def _picture() -> np.ndarray:
    """A picture whose every column has its own shade, so a window's place can be read from it."""
    ramp = np.linspace(0, 255, SENSOR[0]).astype(np.uint8)
    return np.ascontiguousarray(np.repeat(np.repeat(ramp[None, :, None], SENSOR[1], axis=0), 3, axis=2))


def _view(pose: Pose | None, *, steerable: bool = True) -> FeedView:
    image = _picture()
    processed = Processed(Frame(image, 1, 0.0, "Gallery"), image, Effect.BLUR, [], [])
    window = DigitalHead(view=0.5).window(*SENSOR, pose) if pose is not None else None
    return FeedView(0, "Gallery", processed, seq=1, pose=pose, steerable=steerable, window=window)


def _draw(painter: MonitorPainter, view: FeedView, now: float) -> tuple[np.ndarray, Rect, Rect]:
    surface = pygame.Surface(MONITOR.size)
    screen, picture = painter.draw(
        surface, MONITOR, view, now, language="en", tally=False, show_boxes=False, large=True
    )
    assert picture is not None
    return pygame.surfarray.array3d(surface).swapaxes(0, 1), screen, picture


def test_a_steered_monitor_shows_its_window_magnified_and_placed_to_a_fraction_of_a_pixel() -> None:
    image = _picture()
    window = Box(640.25, 180.0, 320.0, 180.0)
    _, pixels = window_surface(image, window, (1280, 720))
    # Four times magnified: the columns shown run from the window's left edge to its right one.
    assert pixels[360, 2, 0] == pytest.approx(image[0, 640, 0], abs=1)
    assert pixels[360, 1277, 0] == pytest.approx(image[0, 959, 0], abs=1)
    # A quarter of a camera pixel further right is a screen pixel's worth of the picture moving:
    # on a steep ramp (8 grey levels a camera pixel), two grey levels more at the same screen pixel.
    steep = np.clip((np.arange(SENSOR[0]) - 600) * 8, 0, 255).astype(np.uint8)
    steep_image = np.ascontiguousarray(np.repeat(np.repeat(steep[None, :, None], SENSOR[1], 0), 3, 2))
    before = window_surface(steep_image, Box(600.0, 180.0, 320.0, 180.0), (1280, 720))[1]
    after = window_surface(steep_image, Box(600.25, 180.0, 320.0, 180.0), (1280, 720))[1]
    assert int(after[360, 40, 0]) - int(before[360, 40, 0]) == pytest.approx(2, abs=1)


def test_the_label_of_a_steered_camera_shows_where_it_points(painter: MonitorPainter) -> None:
    fixed, screen, _ = _draw(painter, _view(None), 0.0)
    label = slice(screen.bottom + 2, MONITOR.bottom - 6)
    right = _draw(painter, _view(Pose(pan=1.0)), 0.0)[0][label]
    left = _draw(painter, _view(Pose(pan=-1.0)), 0.0)[0][label]
    locked = _draw(painter, _view(Pose(pan=1.0), steerable=False), 0.0)[0][label]
    text_colour = np.array(TEXT)
    # The fixed camera's label has no frame; the steered one's fills the part shown, in the
    # camera's label after its name: on the right half of the frame or on the left.
    lit = [np.nonzero((view == text_colour).all(axis=2).any(axis=0))[0] for view in (right, left)]
    fixed_lit = np.nonzero((fixed[label] == text_colour).all(axis=2).any(axis=0))[0]
    extra_right = sorted(set(lit[0]) - set(fixed_lit))
    extra_left = sorted(set(lit[1]) - set(fixed_lit))
    assert extra_right and extra_left and min(extra_right) > min(extra_left)
    # Locked, the part shown is drawn dim: nothing in the frame is lit.
    assert not set(np.nonzero((locked == text_colour).all(axis=2).any(axis=0))[0]) - set(fixed_lit)


def test_while_the_camera_moves_its_pan_tilt_and_zoom_are_read_out_then_fade(painter: MonitorPainter) -> None:
    def letters(now: float, pose: Pose) -> int:
        """White pixels in the picture's top right corner (the grey picture has none of its own)."""
        pixels, _, picture = _draw(painter, _view(pose), now)
        corner = pixels[picture.top : picture.top + 40, picture.right - 400 : picture.right]
        return int((corner == np.array(TEXT)).all(axis=2).sum())

    assert letters(0.0, Pose()) == 0  # a camera first seen standing reads nothing out
    assert letters(1.0, Pose(pan=0.2)) > 50  # it moved
    assert letters(2.2, Pose(pan=0.2)) > 50  # stopped 1.2 s ago: still there
    assert letters(3.1, Pose(pan=0.2)) == 0  # faded out
