"""Opening the screen: a room that cannot reach a screen says so instead of running invisibly."""

from __future__ import annotations

import os
import subprocess
import sys


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
