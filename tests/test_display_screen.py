"""The screen (installation/display/screen.py): a room that cannot reach a screen says so instead of
running invisibly; a projector's turned picture still takes touches where they land."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pygame

from installation.display.screen import ScreenTransform


def test_demo_without_a_screen_fails_with_one_clear_line() -> None:
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen"}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    proc = subprocess.run(
        [sys.executable, "-m", "installation", "demo", "--frames", "5"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.splitlines() if line.startswith("installation demo:")]
    assert len(lines) == 1 and "no screen found" in lines[0] and "--headless" in lines[0]


def test_headless_runs_without_a_screen() -> None:
    env = {**os.environ}
    env.pop("DISPLAY", None)
    proc = subprocess.run(
        [sys.executable, "-m", "installation", "demo", "--headless", "--frames", "5"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr


def test_projection_transform_maps_touches_back_onto_the_canvas() -> None:
    for t in (
        ScreenTransform(mirror=True),
        ScreenTransform(flip=True, rotate=90),
        ScreenTransform(rotate=270),
    ):
        canvas = pygame.Surface(t.canvas_size((120, 80)))
        canvas.fill((0, 0, 0))
        canvas.set_at((17, 9), (255, 0, 0))
        screen = pygame.Surface((120, 80))
        t.present(canvas, screen)
        red = np.argwhere(pygame.surfarray.array3d(screen)[:, :, 0] == 255)
        assert len(red) == 1
        assert t.to_canvas(tuple(red[0]), (120, 80)) == (17, 9)
