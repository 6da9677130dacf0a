"""Recorded footage with detection running ahead: faces hidden before their first sighting, every frame."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import pytest

from installation.effects import Effect
from installation.frames import Frame
from installation.geometry import Box
from installation.leak import leak_score
from installation.pipeline import Lookahead, Processor
from installation.track import CameraMotion, Tracker

FPS = 30.0


def unknown_motion(image: np.ndarray, exclude: Sequence[Box] = ()) -> CameraMotion | None:
    """In place of ``MotionEstimator.estimate``: no motion known, as before the pipeline measured it."""
    return None


def leak(original: np.ndarray, output: np.ndarray, box: Box) -> float:
    """``leak_score`` for a face inside the frame, as every face in these tests is."""
    score = leak_score(original, output, box)
    assert score is not None, f"{box} lies outside the frame"
    return score


def walking_face(
    scene: Callable[..., np.ndarray], count: int, speed: float
) -> tuple[list[np.ndarray], list[Box]]:
    """``count`` frames of the astronaut's face, 150 px, walking right at ``speed`` px a frame."""
    images, boxes = [], []
    for i in range(count):
        box = Box(200 + speed * i, 240, 150, 150)
        images.append(scene(("astronaut", box)))
        boxes.append(box)
    return images, boxes


def reader(images: list[np.ndarray], finder_gets: int | None = None) -> Callable[[], Iterator[Frame]]:
    """Opens the 'footage' (both readers); the finder's reader may stop after ``finder_gets`` frames."""

    def open_frames() -> Iterator[Frame]:
        limit = len(images)
        if finder_gets is not None and threading.current_thread().name == "lookahead-finder":
            limit = finder_gets
        for i in range(limit):
            yield Frame(images[i].copy(), i, i / FPS, "test")

    return open_frames


#: The output either reuses the finder's frames (they fit in memory) or reads the footage again.
MODES = {"buffered": 512 * 2**20, "two readers": 0}


@pytest.fixture(params=sorted(MODES))
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def run(
    detector: object,
    images: list[np.ndarray],
    *,
    mode: str,
    detect_every: int = 1,
    finder_gets: int | None = None,
) -> list:
    processor = Processor(detector, Tracker(hold_seconds=1.0))  # type: ignore[arg-type]
    lookahead = Lookahead(processor, detect_every=detect_every, fps=FPS, buffer_bytes=MODES[mode])
    outs = list(lookahead.run(reader(images, finder_gets), Effect.BLUR, 0.0))
    assert lookahead.buffered == (mode == "buffered")
    return outs


def test_a_face_found_late_is_hidden_in_the_frames_before_too(scripted, scene, mode: str) -> None:  # type: ignore[no-untyped-def]
    images, boxes = walking_face(scene, 36, speed=6)
    # The detector misses the face for the first 20 frames (a turned head, a tile not yet reached).
    outs = run(scripted(blind=lambda call: call <= 20), images, mode=mode)
    assert [o.frame.index for o in outs] == list(range(36))
    scores = [leak(images[i], outs[i].image, boxes[i]) for i in range(36)]
    assert max(scores) < 0.5, [round(s, 2) for s in scores]
    # The early frames are covered by boxes held back from the first sighting, moving with the face.
    assert all(outs[i].ahead and not outs[i].faces for i in range(20))
    # Live, with no look-ahead, the same detector finds nothing in those frames: only the motion
    # guard hides the face, from the second frame on, as something moving that is nobody's face
    # (on the first it has nothing to compare with). What the look-ahead adds: her face hidden as
    # a face, by a box that moves with it, from the first frame.
    live = Processor(scripted(blind=lambda call: call <= 20), Tracker())  # type: ignore[arg-type]
    shown = [live.process(Frame(images[i], i, i / FPS), Effect.BLUR, 0.0) for i in range(20)]
    assert not any(s.faces for s in shown)
    assert leak(images[0], shown[0].image, boxes[0]) >= 0.5
    assert all(leak(images[i], shown[i].image, boxes[i]) < 0.5 for i in range(1, 20))


def test_before_the_hold_nothing_is_hidden(scripted, scene) -> None:  # type: ignore[no-untyped-def]
    # A face first seen at frame 50 (1.7 s in) is held back one second, not to the start of the clip.
    images, _ = walking_face(scene, 60, speed=0)
    outs = run(scripted(blind=lambda call: call <= 50), images, mode="buffered")
    assert all(not o.ahead and not o.faces for o in outs[:19])
    assert all(o.ahead for o in outs[21:50])
    assert all(np.array_equal(o.image, images[o.frame.index]) for o in outs[:19])


@pytest.mark.parametrize("detect_every", [2, 3])
def test_detecting_every_nth_frame_leaves_no_frame_bare(  # type: ignore[no-untyped-def]
    scripted, scene, detect_every: int, mode: str
) -> None:
    images, boxes = walking_face(scene, 30, speed=14)
    calls = scripted(blind=lambda call: False)
    outs = run(calls, images, detect_every=detect_every, mode=mode)
    assert calls.calls == -(-30 // detect_every)
    skipped = [o for o in outs if not o.detected]
    assert len(skipped) == 30 - calls.calls
    # A skipped frame is covered from both sides: the frame before and the frame after
    # (the last few frames have no detected frame after them).
    last_detected = max(o.frame.index for o in outs if o.detected)
    assert all(o.faces and o.ahead for o in skipped if o.frame.index < last_detected)
    scores = [leak(images[i], outs[i].image, boxes[i]) for i in range(30)]
    assert max(scores) < 0.5, [round(s, 2) for s in scores]


def test_a_detection_failure_hides_that_frame_and_the_next_is_tried(scripted, scene) -> None:  # type: ignore[no-untyped-def]
    images, boxes = walking_face(scene, 12, speed=4)
    detector = scripted(blind=lambda call: False, failing={3})
    outs = run(detector, images, detect_every=2, mode="buffered")
    # Calls: frame 0, 2, 4 (fails), then 5 straight after the failure, then 6, 8, 10.
    assert [o.frame.index for o in outs if o.hidden_all] == [4]
    assert "detection failed" in outs[4].status
    assert outs[5].detected and detector.calls == 7
    assert all(leak(images[i], outs[i].image, boxes[i]) < 0.5 for i in range(12))


def test_frames_the_finder_never_reached_are_hidden_whole(scripted, scene) -> None:  # type: ignore[no-untyped-def]
    # Only with two readers can the output get frames the finder never saw.
    images, _ = walking_face(scene, 10, speed=0)
    outs = run(scripted(blind=lambda call: False), images, finder_gets=6, mode="two readers")
    assert len(outs) == 10
    assert [o.hidden_all for o in outs] == [False] * 6 + [True] * 4


def test_the_finder_stays_a_bounded_distance_ahead(scripted, scene) -> None:  # type: ignore[no-untyped-def]
    # Frames wait in memory for the output: however slow the output, only so many are held.
    images, _ = walking_face(scene, 60, speed=0)
    processor = Processor(scripted(blind=lambda call: False), Tracker(hold_seconds=0.5))  # type: ignore[arg-type]
    lookahead = Lookahead(processor, fps=FPS)
    held = []
    for _out in lookahead.run(reader(images), Effect.BLUR, 0.0):
        time.sleep(0.005)
        held.append(len(lookahead._images))
    assert lookahead.buffered and len(held) == 60
    assert max(held) <= lookahead.lead
    assert lookahead.lead < 60


def test_an_error_in_the_finder_reaches_the_reader_of_the_output(short: object, scene, mode: str) -> None:  # type: ignore[no-untyped-def]
    images, _ = walking_face(scene, 8, speed=0)

    def open_frames() -> Iterator[Frame]:
        for i in range(8):
            if i == 5 and threading.current_thread().name == "lookahead-finder":
                raise OSError("disk read error")
            yield Frame(images[i].copy(), i, i / FPS, "test")

    lookahead = Lookahead(Processor(short, Tracker()), fps=FPS, buffer_bytes=MODES[mode])  # type: ignore[arg-type]
    with pytest.raises(OSError, match="disk read error"):
        list(lookahead.run(open_frames, Effect.BLUR, 0.0))


def test_drawing_on_the_decoded_frames_gives_the_same_pictures(short: object, scene) -> None:  # type: ignore[no-untyped-def]
    images, boxes = walking_face(scene, 12, speed=8)
    pictures = {}
    for keep in (True, False):
        lookahead = Lookahead(Processor(short, Tracker()), fps=FPS, keep_originals=keep)  # type: ignore[arg-type]
        outs = list(lookahead.run(reader(images), Effect.BLUR, 0.0))
        pictures[keep] = [o.image for o in outs]
        # Kept, the original is still there to compare with; not kept, it is the hidden picture.
        assert all((o.frame.image is o.image) != keep for o in outs)
    assert all(np.array_equal(a, b) for a, b in zip(pictures[True], pictures[False], strict=True))
    assert all(leak(images[i], pictures[False][i], boxes[i]) < 0.5 for i in range(12))


def test_a_face_found_late_is_hidden_before_too_while_the_camera_pans(scripted, scene) -> None:  # type: ignore[no-untyped-def]
    # The camera pans right 12 px a frame, then rests; the face stands still in the room and the
    # detector finds it only once the camera rests (frame 20 on).
    world = scene(("astronaut", Box(1100, 260, 150, 150)), size=(2000, 720))
    pan = [12 * min(i, 20) for i in range(36)]
    images = [world[:, x : x + 1280].copy() for x in pan]
    boxes = [Box(1100 - x, 260, 150, 150) for x in pan]
    scores = {}
    for follow in (True, False):
        processor = Processor(scripted(blind=lambda call: call <= 20), Tracker(hold_seconds=1.0))  # type: ignore[arg-type]
        if not follow:
            # As if the camera's motion were not known: what the look-ahead did before it was.
            processor._motion.estimate = unknown_motion  # type: ignore[method-assign, assignment]
        outs = list(Lookahead(processor, detect_every=1, fps=FPS).run(reader(images), Effect.BLUR, 0.0))
        scores[follow] = [leak(images[i], outs[i].image, boxes[i]) for i in range(36)]
        if follow:
            assert all(outs[i].ahead and not outs[i].faces for i in range(20)), [
                (len(o.ahead), len(o.faces)) for o in outs
            ]
            assert all(o.camera_motion is not None and o.camera_motion.moving for o in outs[1:20])
    assert max(scores[True]) < 0.5, [round(s, 2) for s in scores[True]]
    # Held still in the picture, the box is left behind by the pan.
    assert max(scores[False][:20]) >= 0.5
