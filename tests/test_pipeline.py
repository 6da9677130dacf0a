"""The pipeline for one camera: faces hidden in every frame, failing closed."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from installation.detect import create_detector
from installation.effects import Effect
from installation.geometry import Box, Detection, Frame
from installation.leak import leak_score
from installation.pipeline import CameraWorker, Processor
from installation.sources import LiveSource
from installation.track import Tracker

FPS = 30.0


def frame(image: np.ndarray, index: int) -> Frame:
    return Frame(image, index, index / FPS, "test")


def test_detected_face_is_hidden_and_reported(short: object, scene: Callable[..., np.ndarray]) -> None:
    face = Box(560, 200, 160, 160)
    image = scene(("astronaut", face))
    out = Processor(short, Tracker()).process(frame(image, 0), Effect.BLUR, 0.0)  # type: ignore[arg-type]
    assert len(out.faces) == 1 and out.faces[0].box.iou(face) > 0.5
    assert leak_score(image, out.image, face) < 0.5
    assert not out.exposed and not out.hidden_all
    exposed = Processor(short, Tracker()).process(frame(image, 0), Effect.EXPOSED, 0.0)  # type: ignore[arg-type]
    assert exposed.exposed
    assert np.array_equal(exposed.image, image)


def test_detection_failure_hides_the_whole_frame_then_recovers(
    scripted: Callable[..., object], scene: Callable[..., np.ndarray]
) -> None:
    face = Box(560, 200, 160, 160)
    image = scene(("astronaut", face))
    proc = Processor(scripted(failing={2, 3}), Tracker(), name="door")  # type: ignore[arg-type]
    results = [proc.process(frame(image, i), Effect.BLUR, 0.0) for i in range(5)]
    assert [r.hidden_all for r in results] == [False, True, True, False, False]
    assert "detection failed" in results[1].status
    for r in results:
        assert leak_score(image, r.image, face) < 0.5
    # Even with the effect set to "exposed", a frame nobody could check is not shown.
    proc = Processor(scripted(failing={1}), Tracker())  # type: ignore[arg-type]
    first = proc.process(frame(image, 0), Effect.EXPOSED, 0.0)
    assert first.hidden_all and leak_score(image, first.image, face) < 0.5


def test_face_walking_in_from_the_edge_is_hidden_before_it_is_detected(
    short: object, scene: Callable[..., np.ndarray]
) -> None:
    proc = Processor(short, Tracker())  # type: ignore[arg-type]
    empty = scene()
    for i in range(30):  # the room, empty, for a second: the background
        proc.process(frame(empty, i), Effect.BLUR, 0.0)
    scored = 0
    for step in range(30):
        face = Box(-150 + 8 * step, 260, 150, 150)
        image = scene(("astronaut", face))
        out = proc.process(frame(image, 30 + step), Effect.BLUR, 0.0)
        inside = face.clipped(1280, 720)
        if inside.w >= 0.25 * face.w:  # a sliver of a few pixels cannot be scored
            scored += 1
            score = leak_score(image, out.image, inside)
            assert score is not None and score < 0.5, f"step {step}: face {inside} leaks ({score:.2f})"
    assert scored > 15


def test_new_face_between_detections_is_hidden(short: object, scene: Callable[..., np.ndarray]) -> None:
    proc = Processor(short, Tracker(), detect_every=4)  # type: ignore[arg-type]
    empty = scene()
    for i in range(9):
        proc.process(frame(empty, i), Effect.BLUR, 0.0)
    # Frame 9 is not a detection frame (0, 4, 8, 12, ...): the face appears mid-room.
    face = Box(600, 240, 140, 140)
    image = scene(("astronaut", face))
    for i in range(9, 13):
        out = proc.process(frame(image, i), Effect.BLUR, 0.0)
        assert leak_score(image, out.image, face) < 0.5, f"frame {i} leaks"
        if i < 12:
            assert not out.detected
    assert out.detected and len(out.faces) == 1


def test_exposed_shows_faces_but_blur_does_not(short: object, scene: Callable[..., np.ndarray]) -> None:
    face = Box(500, 220, 180, 180)
    image = scene(("astronaut", face))
    proc = Processor(short, Tracker())  # type: ignore[arg-type]
    blurred = proc.process(frame(image, 0), Effect.BLUR, 1.0)
    shown = proc.process(frame(image, 1), Effect.EXPOSED, 1.0)
    assert leak_score(image, blurred.image, face) < 0.5
    assert leak_score(image, shown.image, face) > 0.9


def test_worker_hands_over_only_processed_frames(tmp_path: object) -> None:
    controls = (Effect.SOLID, 0.5)
    source = LiveSource("pattern:bars?size=320x180&fps=30")
    with create_detector("short") as detector:
        worker = CameraWorker(source, Processor(detector, Tracker(), name="bars"), lambda: controls)
        worker.start()
        try:
            result = None
            for _ in range(100):
                seq, result = worker.latest()
                if result is not None and seq >= 3:
                    break
                time.sleep(0.05)
            assert result is not None
            assert result.effect is Effect.SOLID
            assert result.image is not result.frame.image
            assert "latency" in result.timings
        finally:
            worker.stop()
