"""The wall's layout (installation/display/layout.py): grids that fit, the focus layout, touch-sized
controls, letterboxing."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"


import pygame
import pytest

from installation.control.model import RoomModel
from installation.control.state import ControlState
from installation.display.layout import Layout, fit, monitor_rects, screen_regions
from installation.display.renderer import Renderer

pytestmark = pytest.mark.usefixtures("video")


@pytest.mark.parametrize("size", [(1920, 1080), (960, 540), (1024, 768), (3840, 2160)])
@pytest.mark.parametrize("n", [1, 2, 4, 5, 9])
def test_grid_monitors_fit_the_wall_without_overlapping(size: tuple[int, int], n: int) -> None:
    reg = screen_regions(*size)
    rects = [r for _, r in monitor_rects(reg.wall, n, Layout.GRID, 0, reg.unit)]
    assert len(rects) == n
    for i, a in enumerate(rects):
        assert reg.wall.contains(a) and a.width > 0
        assert not any(a.colliderect(b) for b in rects[i + 1 :])
    if n > 1:  # narrow, even gaps between neighbours
        gaps = {b.left - a.right for a, b in zip(rects, rects[1:], strict=False) if a.top == b.top}
        gaps |= {b.top - a.bottom for a, b in zip(rects, rects[1:], strict=False) if a.left == b.left}
        assert len(gaps) == 1 and 0 < gaps.pop() <= 12 * reg.unit + 1


def test_focus_puts_the_selected_camera_large_and_the_others_as_thumbnails() -> None:
    reg = screen_regions(1920, 1080)
    monitors = monitor_rects(reg.wall, 5, Layout.FOCUS, 3, reg.unit)
    assert [i for i, _ in monitors] == [3, 0, 1, 2, 4]
    big = monitors[0][1]
    assert all(big.width > 2 * r.width for _, r in monitors[1:])
    assert monitor_rects(reg.wall, 5, Layout.SINGLE, 3, reg.unit)[0][0] == 3


def test_the_controls_are_touch_sized_at_1080p() -> None:
    reg = screen_regions(1920, 1080)
    assert reg.controls.height >= 64
    renderer = Renderer(RoomModel([], ControlState(cameras=2)), size=(1920, 1080))
    canvas = pygame.Surface((1920, 1080))
    renderer.draw(canvas, now=0.0)
    for spot in renderer.pointer.hotspots:
        if spot.name.startswith(("effect.", "strength", "boxes", "camera", "language.", "panel.")):
            assert spot.rect.height >= 64 and spot.rect.width >= 64, spot.name


def test_letterboxing_keeps_the_aspect_ratio() -> None:
    r = fit(640, 480, pygame.Rect(0, 0, 1600, 900))
    assert abs(r.width / r.height - 4 / 3) < 0.01 and r.height == 900 and r.centerx == 800
