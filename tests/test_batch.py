"""The batch runner: every frame of a video file through the processor or the look-ahead into a sink,
which is published at the end, or aborted on any error."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from installation.config import CameraConfig
from installation.effects import Effect
from installation.errors import SourceError
from installation.frames import Frame, Processed
from installation.geometry import Box
from installation.leak import leak_score
from installation.outputs import VideoSink, VideoWriter
from installation.pipeline import Lookahead, Processor, camera_transform, run_batch
from installation.sources import open_source
from installation.track import Tracker

FRAMES = 12


def face_at(i: int) -> Box:
    return Box(200 + 6 * i, 100, 150, 150)


@pytest.fixture
def clip(tmp_path: Path, scene: Callable[..., np.ndarray]) -> Path:
    """A short video file: the astronaut's face walking right across a room."""
    path = tmp_path / "walk.mp4"
    with VideoWriter(path, fps=30, size=(640, 360), crf=10, threaded=False) as writer:
        for i in range(FRAMES):
            writer.write(scene(("astronaut", face_at(i)), size=(640, 360)))
    return path


def reader(path: Path) -> Callable[[], Iterator[Frame]]:
    """Opens the file's frames."""

    def open_frames() -> Iterator[Frame]:
        source = open_source(str(path))
        try:
            while (frame := source.read()) is not None:
                yield frame
        finally:
            source.close()

    return open_frames


class Recorder:
    """A sink that keeps what arrived (pictures copied) and what it was asked to do."""

    def __init__(self, fails_at: int = -1) -> None:
        self.fails_at = fails_at
        self.results: list[Processed] = []
        self.pictures: list[np.ndarray] = []
        self.steps: list[str] = []

    def write(self, processed: Processed) -> None:
        if processed.frame.index == self.fails_at:
            raise OSError(28, "No space left on device")
        self.results.append(processed)
        self.pictures.append(processed.image.copy())

    def finish(self) -> None:
        self.steps.append("finish")

    def close(self) -> None:
        self.steps.append("close")

    def abort(self) -> None:
        self.steps.append("abort")


def originals(path: Path) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    images = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        images.append(image)
    capture.release()
    return images


@pytest.mark.parametrize("kind", ["processor", "look-ahead"])
def test_every_frame_of_a_file_arrives_hidden_in_order_and_the_sink_is_published(
    clip: Path, short: object, kind: str
) -> None:
    processor = Processor(short, Tracker())  # type: ignore[arg-type]
    runner = processor if kind == "processor" else Lookahead(processor, fps=30)
    sink = Recorder()
    published: list[str] = []
    ran = run_batch(
        reader(clip),
        runner,
        sink,
        effect=Effect.BLUR,
        strength=0.0,
        publishing=lambda: published.append(f"after {sink.steps}"),
    )
    assert ran.frames == FRAMES and ran.fps > 0
    assert [r.frame.index for r in sink.results] == list(range(FRAMES))
    assert sink.steps == ["finish", "close"] and published == ["after ['finish']"]
    for i, (original, picture) in enumerate(zip(originals(clip), sink.pictures, strict=True)):
        score = leak_score(original, picture, face_at(i))
        assert score is not None and score < 0.5, f"frame {i} leaks ({score:.2f})"


@pytest.mark.parametrize("kind", ["processor", "look-ahead"])
def test_an_error_in_the_frames_midway_aborts_the_sink_and_reaches_the_caller(
    clip: Path, short: object, kind: str
) -> None:
    def cut_short() -> Iterator[Frame]:
        for frame in reader(clip)():
            if frame.index == 5:
                raise SourceError(f"{clip}: cut short at frame 5")
            yield frame

    processor = Processor(short, Tracker())  # type: ignore[arg-type]
    runner = processor if kind == "processor" else Lookahead(processor, fps=30)
    sink = Recorder()
    with pytest.raises(SourceError, match="cut short at frame 5"):
        run_batch(cut_short, runner, sink, effect=Effect.BLUR, strength=0.0)
    assert sink.steps == ["abort"]
    # The look-ahead hands out a frame only once it has looked beyond it: here, none.
    arrived = [r.frame.index for r in sink.results]
    assert arrived == (list(range(5)) if kind == "processor" else [])


def test_an_error_in_the_sink_midway_aborts_it_and_leaves_no_file(clip: Path, short: object) -> None:
    out = clip.parent / "out" / "walk.mp4"
    out.parent.mkdir()
    video = VideoSink(out, fps=30, size=(640, 360))
    recorder = Recorder(fails_at=4)

    class Both:
        """The video and, after it, a sink that fails on frame 4."""

        def write(self, processed: Processed) -> None:
            video.write(processed)
            recorder.write(processed)

        def finish(self) -> None:
            video.finish()

        def close(self) -> None:
            video.close()

        def abort(self) -> None:
            video.abort()
            recorder.abort()

    processor = Processor(short, Tracker())  # type: ignore[arg-type]
    with pytest.raises(OSError, match="No space left"):
        run_batch(reader(clip), processor, Both(), effect=Effect.BLUR, strength=0.0)
    assert recorder.steps == ["abort"]
    assert list(out.parent.iterdir()) == []


def test_an_interrupt_from_the_progress_callback_aborts_the_sink(clip: Path, short: object) -> None:
    def interrupted(result: Processed) -> None:
        if result.frame.index == 2:
            raise KeyboardInterrupt

    sink = Recorder()
    processor = Processor(short, Tracker())  # type: ignore[arg-type]
    with pytest.raises(KeyboardInterrupt):
        run_batch(reader(clip), processor, sink, effect=Effect.BLUR, strength=0.0, on_frame=interrupted)
    assert sink.steps == ["abort"] and len(sink.results) == 3


def test_the_progress_callback_or_a_frame_limit_ends_the_run_early_and_publishes(
    clip: Path, short: object
) -> None:
    processor = Processor(short, Tracker())  # type: ignore[arg-type]
    seen: list[int] = []

    def until_four(result: Processed) -> bool:
        seen.append(result.frame.index)
        return len(seen) < 4

    sink = Recorder()
    ran = run_batch(reader(clip), processor, sink, effect=Effect.BLUR, strength=0.0, on_frame=until_four)
    assert ran.frames == 4 and seen == [0, 1, 2, 3] and sink.steps == ["finish", "close"]
    sink = Recorder()
    processor.reset()
    ran = run_batch(reader(clip), processor, sink, effect=Effect.BLUR, strength=0.0, max_frames=7)
    assert ran.frames == 7 and len(sink.results) == 7 and sink.steps == ["finish", "close"]


def test_a_cameras_orientation_turns_each_picture_before_it_is_processed(
    tmp_path: Path, short: object, scene: Callable[..., np.ndarray]
) -> None:
    assert camera_transform(CameraConfig("pattern:bars")) is None
    turned = camera_transform(dataclasses.replace(CameraConfig("pattern:bars"), rotate=90, mirror=True))
    assert turned is not None
    # A camera mounted on its side, and mirrored: the file holds the room turned back and mirrored.
    upright = [scene(("astronaut", face_at(i)), size=(640, 360)) for i in range(FRAMES)]
    clip = tmp_path / "sideways.mp4"
    with VideoWriter(clip, fps=30, size=(360, 640), crf=10, threaded=False) as writer:
        for image in upright:
            writer.write(cv2.flip(cv2.rotate(image, cv2.ROTATE_90_COUNTERCLOCKWISE), 1))
    sink = Recorder()
    processor = Processor(short, Tracker())  # type: ignore[arg-type]
    run_batch(reader(clip), processor, sink, effect=Effect.BLUR, strength=0.0, transform=turned)
    assert len(sink.results) == FRAMES
    for i, (original, result) in enumerate(zip(upright, sink.results, strict=True)):
        assert result.image.shape == (360, 640, 3)  # upright again
        assert result.faces, f"frame {i}: the face was not found upright"
        score = leak_score(original, result.image, face_at(i))
        assert score is not None and score < 0.5, f"frame {i} leaks ({score:.2f})"
