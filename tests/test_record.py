"""``installation record``: faces hidden in what is written, a mark on screen, consent for unblurred."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"

import pty
import subprocess
import sys
from pathlib import Path

import av
import cv2
import numpy as np
import pygame
import pytest

from installation.cli import main
from installation.config import demo_config
from installation.display.widgets import RED
from installation.effects import Effect
from installation.frames import Processed
from installation.groundtruth import bundled_clips, load_ground_truth
from installation.leak import LEAK_THRESHOLD, leak_score
from installation.outputs import PreviewSink
from installation.record import CONSENT_PHRASE, find_camera, record_clip

KIOSK = next(clip for clip in bundled_clips() if clip.stem == "kiosk")


def _frames(path: Path, count: int) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    frames = []
    for _ in range(count):
        ok, frame = capture.read()
        assert ok
        frames.append(frame)
    capture.release()
    return frames


def _leaks(original: Path, recorded: Path, frames: int) -> list[float]:
    """Leak scores of every ground-truth face in the first ``frames`` frames recorded from ``original``."""
    truth = load_ground_truth(original)
    scores = []
    for index, (a, b) in enumerate(zip(_frames(original, frames), _frames(recorded, frames), strict=True)):
        for face in truth.faces(index):
            score = leak_score(a, b, face.box)
            if score is not None:
                scores.append(score)
    return scores


def _cli(*args: str, stdin: int | None = subprocess.DEVNULL) -> subprocess.Popen[str]:
    env = dict(os.environ, SDL_VIDEODRIVER="dummy")
    return subprocess.Popen(
        [sys.executable, "-m", "installation", "record", *args],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_record_writes_a_clip_whose_faces_do_not_leak(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "kiosk-demo.mp4"
    assert main(["record", "--camera", "Kiosk", "--seconds", "2", "-o", str(out), "--headless"]) == 0
    assert "60 frames, 2.0 s of Kiosk, faces hidden (blur)" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kiosk-demo.mp4"]  # no temporary file left
    with av.open(str(out)) as container:
        assert not container.streams.audio and len(container.streams.video) == 1
        video = container.streams.video[0]
        assert (video.width, video.height, video.frames) == (1280, 720, 60)
        assert "creation_time" not in {k.lower() for k in container.metadata}
    scores = _leaks(KIOSK, out, 60)
    assert len(scores) >= 55  # the visitor is in view from the first frame
    assert max(scores) < LEAK_THRESHOLD, f"leaked face-frames: {sum(s >= LEAK_THRESHOLD for s in scores)}"


def test_unblurred_without_a_terminal_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "faces.mp4"
    # The right words, but piped in: nobody is shown the reminder, so it does not count.
    proc = _cli(
        "--camera",
        "Kiosk",
        "--seconds",
        "1",
        "-o",
        str(out),
        "--headless",
        "--unblurred",
        stdin=subprocess.PIPE,
    )
    _, err = proc.communicate(f"{CONSENT_PHRASE}\n", timeout=120)
    assert proc.returncode == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("installation record: --unblurred: refused"), err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("typed", "recorded"), [(CONSENT_PHRASE, True), ("yes", False)])
def test_unblurred_needs_the_confirmation_typed_at_a_terminal(
    tmp_path: Path, typed: str, recorded: bool
) -> None:
    out = tmp_path / "faces.mp4"
    master, terminal = pty.openpty()
    try:
        proc = _cli(
            "--camera", "Kiosk", "--seconds", "1", "-o", str(out), "--headless", "--unblurred", stdin=terminal
        )
        os.close(terminal)
        os.write(master, f"{typed}\n".encode())
        _, err = proc.communicate(timeout=120)
    finally:
        os.close(master)
    assert "Record only people who have each agreed" in err  # the reminder came first
    if not recorded:
        assert proc.returncode == 2 and "--unblurred: not confirmed; nothing was recorded" in err
        assert not out.exists()
        return
    assert proc.returncode == 0, err
    assert "UNBLURRED" in err
    scores = _leaks(KIOSK, out, 30)
    assert scores and min(scores) >= LEAK_THRESHOLD  # faces really are in the clip


def test_the_recording_mark_is_on_screen_while_recording(tmp_path: Path) -> None:
    config = demo_config()
    seen: list[np.ndarray] = []

    class Watched(PreviewSink):
        def write(self, processed: Processed) -> None:
            super().write(processed)
            assert self.screen is not None
            seen.append(pygame.surfarray.array3d(self.screen).swapaxes(0, 1)[:, :, ::-1].copy())

    screen = Watched("RECORDING  正在录制", seconds=1, size=(640, 360), headless=True)
    try:
        result = record_clip(
            find_camera(config, "Kiosk"),
            config,
            tmp_path / "clip.mp4",
            seconds=1,
            effect=Effect.PIXELATE,
            strength=0.5,
            preview=screen,
        )
    finally:
        screen.close()
    assert result.frames == 30 and len(seen) == 30
    red = np.array(RED[::-1])
    for picture in seen:
        # the red frame round the screen
        assert (np.abs(picture[0, :].astype(int) - red).sum(axis=1) < 30).all()
        corner = picture[10:70, 10:320].reshape(-1, 3).astype(int)
        assert (np.abs(corner - red).sum(axis=1) < 30).sum() > 100  # the red dot and outline of the mark


def test_recording_is_announced_only_once_the_camera_delivers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    damaged = tmp_path / "door.mp4"
    damaged.write_bytes(bytes(range(256)) * 40)  # a camera that does not open: not a video
    config = tmp_path / "room.toml"
    config.write_text(
        f'[[cameras]]\nname = "Door"\nsource = "{damaged}"\n\n[hardware]\nport = "none"\n', encoding="utf-8"
    )
    caplog.set_level("INFO")
    code = main(
        [
            "record",
            "--config",
            str(config),
            "--camera",
            "Door",
            "--seconds",
            "1",
            "-o",
            str(tmp_path / "clip.mp4"),
            "--headless",
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("installation record: --camera Door: ")
    assert not [r for r in caplog.records if "RECORDING" in r.getMessage()]
    assert not (tmp_path / "clip.mp4").exists()
    # A camera that works: the announcement comes, with the picture it records.
    assert (
        main(
            [
                "record",
                "--camera",
                "Kiosk",
                "--seconds",
                "0.2",
                "-o",
                str(tmp_path / "clip.mp4"),
                "--headless",
            ]
        )
        == 0
    )
    (announced,) = [r.getMessage() for r in caplog.records if r.getMessage().startswith("RECORDING Kiosk (")]
    assert announced.startswith("RECORDING Kiosk (1280x720 at 30 fps) for 0.2 s")


def test_stopping_a_recording_keeps_nothing(tmp_path: Path) -> None:
    config = demo_config()

    class EscapeHalfway(PreviewSink):
        """The person at the window presses Esc half a second in."""

        def write(self, processed: Processed) -> None:
            if processed.frame.timestamp >= 0.5:
                pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE))
            super().write(processed)

    with pytest.raises(KeyboardInterrupt):
        record_clip(
            find_camera(config, "Kiosk"),
            config,
            tmp_path / "clip.mp4",
            seconds=2,
            effect=Effect.BLUR,
            strength=0.5,
            preview=EscapeHalfway("RECORDING", seconds=2, size=(320, 180), headless=True),
        )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--camera", "Door", "--seconds", "1"], "--camera Door: no such camera (cameras: Corridor, Hall"),
        (["--camera", "Kiosk", "--seconds", "0"], "--seconds: expected more than 0"),
        (["--camera", "Kiosk", "--seconds", "1", "--unblurred", "--effect", "solid"], "choose one"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["record", *args, "-o", str(tmp_path / "clip.mp4"), "--headless"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert list(tmp_path.iterdir()) == []
