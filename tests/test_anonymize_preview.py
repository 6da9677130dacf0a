"""``anonymize --preview``: the output shown in a window as it is made (SDL's dummy driver here);
closing the window closes only the window; the file is the same with or without it; no screen,
no preview."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pygame
import pytest

from installation.anonymize import anonymize_file
from installation.frames import Processed
from installation.geometry import Box
from installation.outputs import PreviewSink
from tests.conftest import _room, paste_face
from tests.test_anonymize import _decoded_times, _write_clip

SIZE = (320, 240)
FACE = Box(120, 50, 70, 70)
#: The window's caption sits along the bottom: the picture above it is the output's, pixel for pixel.
ABOVE_CAPTION = slice(0, 180)


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    """Two seconds at 10 fps of a face before a wall, drifting right."""

    def draw(i: int) -> np.ndarray:
        return paste_face(_room(*SIZE).copy(), "astronaut", Box(FACE.x + 2 * i, FACE.y, FACE.w, FACE.h))

    return _write_clip(tmp_path / "visit.mp4", [i / 10 for i in range(20)], draw, SIZE)


class Watched(PreviewSink):
    """The preview window, the picture on it kept after each frame (BGR), and Esc pressed before the
    frame numbered ``escape_at``."""

    def __init__(self, escape_at: int | None = None) -> None:
        super().__init__("", seconds=0, size=SIZE, headless=True, recording=False, closing_stops=False)
        self.escape_at = escape_at
        self.seen: list[np.ndarray] = []

    def write(self, processed: Processed) -> None:
        if processed.frame.index == self.escape_at:
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE))
        shown = self.shown
        super().write(processed)
        if self.shown > shown and self.screen is not None:  # drawn, and the window still open
            self.seen.append(pygame.surfarray.array3d(self.screen).swapaxes(0, 1)[:, :, ::-1].copy())


def test_the_window_shows_each_output_picture_as_it_is_made(clip: Path, tmp_path: Path) -> None:
    window = Watched()
    written: list[Processed] = []
    try:
        anonymize_file(clip, tmp_path / "out.mp4", preview=window, progress=False, on_frame=written.append)
        assert window.screen is not None  # left open for the next file; the command closes it
    finally:
        window.close()
    assert len(window.seen) == len(written) == 20
    x0, y0, x1, y1 = FACE.pixel_bounds(*SIZE)
    for shown, result in zip(window.seen, written, strict=True):
        assert np.array_equal(shown[ABOVE_CAPTION], result.image[ABOVE_CAPTION])
        # The hidden picture, not the original: the face is not on screen.
        assert np.abs(shown[y0:y1, x0:x1].astype(int) - result.frame.image[y0:y1, x0:x1]).mean() > 10


def test_closing_the_window_closes_only_the_window_and_the_run_goes_on(clip: Path, tmp_path: Path) -> None:
    window = Watched(escape_at=5)
    out = tmp_path / "out.mp4"
    try:
        stats = anonymize_file(clip, out, preview=window, progress=False)
    finally:
        window.close()
    assert len(window.seen) == 5 and window.cancelled and window.screen is None
    assert stats["frames"] == 20 and len(_decoded_times(out)[1]) == 20


def test_the_file_is_the_same_with_or_without_the_preview(
    clip: Path, tmp_path: Path, child_env: dict[str, str]
) -> None:
    outputs = {}
    for name, extra in (("plain", []), ("previewed", ["--preview"])):
        outputs[name] = tmp_path / f"{name}.mp4"
        proc = subprocess.run(
            [sys.executable, "-m", "installation", "anonymize", str(clip), "-o", str(outputs[name])]
            + ["--no-progress", *extra],
            capture_output=True,
            text=True,
            env=child_env,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
    plain, previewed = (_decoded_times(outputs[name]) for name in ("plain", "previewed"))
    assert plain[0] == previewed[0] and len(plain[1]) == 20
    assert all(np.array_equal(a, b) for a, b in zip(plain[1], previewed[1], strict=True))


def test_without_a_screen_the_preview_is_refused_before_anything_is_written(
    clip: Path, tmp_path: Path, child_env: dict[str, str]
) -> None:
    env = {k: v for k, v in child_env.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["SDL_VIDEODRIVER"] = "x11"  # the desktop's driver, with no desktop to reach
    out = tmp_path / "out.mp4"
    proc = subprocess.run(
        [sys.executable, "-m", "installation", "anonymize", str(clip), "-o", str(out), "--preview"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("installation")]
    assert len(lines) == 1 and "--preview: no screen to show it on" in lines[0], proc.stderr
    assert sorted(p.name for p in tmp_path.glob("*.mp4")) == ["visit.mp4"]
