"""Scoring a run against ground truth: leaked face-frames by face size, and area hidden without a face."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from installation.effects import Effect, apply_effect
from installation.geometry import Box
from installation.scoring import LARGE_FACE_PX, FootageScore

SIZE = (640, 360)
FRAME_AREA = SIZE[0] * SIZE[1]
NEAR = Box(100, 100, 120, 120)  # a face close to the camera
FAR = Box(420, 150, 30, 30)  # a face at the back of the room, under LARGE_FACE_PX


@pytest.fixture
def frame(scene: Callable[..., np.ndarray]) -> np.ndarray:
    return scene(("grace", NEAR), ("astronaut", FAR), size=SIZE)


TRUTH = [(1, NEAR), (2, FAR)]


def test_faces_are_scored_large_or_small_at_48_pixels(frame: np.ndarray) -> None:
    assert LARGE_FACE_PX == 48
    score = FootageScore()
    hidden_near = apply_effect(frame, [NEAR], Effect.BLUR, 0.0)  # the far face is missed
    score.add(0, frame, hidden_near, TRUTH, [NEAR])
    assert (score.large.scored, score.large.leaked) == (1, 0)
    assert (score.small.scored, score.small.leaked) == (1, 1)
    assert score.leaked_examples == [(0, 2, FAR.h)]
    summary = score.summary()
    assert summary["leak_rate_large"] == 0.0 and summary["leak_rate_small"] == 1.0
    assert summary["frames"] == 1


def test_every_face_hidden_where_it_is_hides_nothing_else(frame: np.ndarray) -> None:
    score = FootageScore()
    for index in range(3):
        output = apply_effect(frame, [NEAR, FAR], Effect.PIXELATE, 0.5)
        score.add(index, frame, output, TRUTH, [NEAR, FAR])
    assert score.frames == 3
    assert (score.large.leaked, score.small.leaked) == (0, 0)
    assert score.false_hidden_fraction == 0.0
    assert score.hidden_to_true_ratio == pytest.approx(1.0)


def test_a_box_hidden_where_no_face_is_counts_as_falsely_hidden_area(frame: np.ndarray) -> None:
    wall = Box(0, 0, 64, 36)  # a tenth of each side: a hundredth of the frame
    score = FootageScore()
    output = apply_effect(frame, [NEAR, FAR], Effect.BLUR, 0.5)
    score.add(0, frame, output, TRUTH, [NEAR, FAR], guarded=[wall])  # the motion guard's box, as it is
    score.add(1, frame, output, TRUTH, [NEAR, FAR])
    # Over the two frames: 1 % of the frame once, nothing the other time.
    assert score.false_hidden_fraction == pytest.approx(0.01 / 2)
    true_area = 2 * sum(box.scaled(1.3).w * box.scaled(1.3).h for box in (NEAR, FAR))
    assert score.hidden_to_true_ratio == pytest.approx((true_area + wall.w * wall.h) / true_area, rel=0.02)


def test_a_frame_hidden_whole_counts_all_but_the_faces_as_falsely_hidden(frame: np.ndarray) -> None:
    score = FootageScore()
    score.add(0, frame, np.zeros_like(frame), TRUTH, [], hidden_all=True)
    faces = sum(box.scaled(1.3).w * box.scaled(1.3).h for box in (NEAR, FAR))
    assert score.false_hidden_fraction == pytest.approx(1 - faces / FRAME_AREA, rel=0.01)
    assert (score.large.leaked, score.small.leaked) == (0, 0)


def test_hidden_boxes_are_grown_by_the_mask_scale_the_effect_used(frame: np.ndarray) -> None:
    """The truth is grown by the same scale as the hidden boxes: a larger mask around a face found
    where it is is not counted as hiding the wall."""
    score = FootageScore()
    output = apply_effect(frame, [NEAR], Effect.SOLID, 0.5, mask_scale=2.0)
    score.add(0, frame, output, [(1, NEAR)], [NEAR], mask_scale=2.0)
    assert score.large.leaked == 0
    assert score.hidden_to_true_ratio == pytest.approx(1.0)  # truth is grown by the same scale
    assert score.false_hidden_fraction == 0.0


def test_a_run_with_no_frames_scores_zero_not_an_error() -> None:
    score = FootageScore()
    assert score.false_hidden_fraction == 0.0 and score.hidden_to_true_ratio == 0.0
    assert score.summary()["leak_rate_large"] == 0.0


def test_leaked_examples_are_kept_for_the_first_fifty_only(frame: np.ndarray) -> None:
    score = FootageScore()
    for index in range(60):
        score.add(index, frame, frame, [(7, NEAR)], [])
    assert score.large.leaked == 60 and len(score.leaked_examples) == 50
    assert score.leaked_examples[0] == (0, 7, NEAR.h) and score.leaked_examples[-1][0] == 49
