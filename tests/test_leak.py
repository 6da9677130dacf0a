"""The leak measure: a face whose detail survives leaked, a hidden one did not, on real photos."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import matplotlib.cbook
import numpy as np
import pytest
from skimage import data

from installation.effects import Effect, apply_effect
from installation.geometry import Box
from installation.leak import LEAK_THRESHOLD, LeakTally, leak_score, leaks

# The faces in the original photos (the same boxes the shared scene fixture pastes by).
ASTRONAUT_FACE = Box(174, 68, 104, 104)
HOPPER_FACE = Box(166, 128, 200, 200)


def astronaut() -> np.ndarray:
    return cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)


def hopper() -> np.ndarray:
    image = cv2.imread(str(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    assert image is not None
    return image


PHOTOS = [(astronaut, ASTRONAUT_FACE), (hopper, HOPPER_FACE)]


@pytest.mark.parametrize(("photo", "face"), PHOTOS, ids=["astronaut", "hopper"])
def test_a_face_left_as_it_was_or_only_recompressed_leaked(
    photo: Callable[[], np.ndarray], face: Box
) -> None:
    image = photo()
    _, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 40])
    lighter = cv2.add(image, np.full_like(image, 30))
    for output in (image, cv2.imdecode(jpeg, cv2.IMREAD_COLOR), lighter):
        score = leak_score(image, output, face)
        assert score is not None and score > 0.95
        assert leaks(image, output, face)


@pytest.mark.parametrize(("photo", "face"), PHOTOS, ids=["astronaut", "hopper"])
def test_a_blur_too_light_to_remove_the_features_leaked(photo: Callable[[], np.ndarray], face: Box) -> None:
    """Softening a face (a Gaussian blur of 2 px, as a cheap camera might) leaves it recognisable."""
    image = photo()
    assert leaks(image, cv2.GaussianBlur(image, (0, 0), 2.0), face)


@pytest.mark.parametrize(("photo", "face"), PHOTOS, ids=["astronaut", "hopper"])
@pytest.mark.parametrize("effect", [Effect.BLUR, Effect.PIXELATE, Effect.SOLID])
def test_a_face_hidden_by_any_effect_even_at_its_lightest_did_not_leak(
    photo: Callable[[], np.ndarray], face: Box, effect: Effect
) -> None:
    image = photo()
    for strength in (0.0, 1.0):
        hidden = apply_effect(image, [face], effect, strength)
        score = leak_score(image, hidden, face)
        assert score is not None and score < LEAK_THRESHOLD / 2, (effect, strength, score)
        assert not leaks(image, hidden, face)


def test_a_blur_beside_the_face_leaves_it_leaked() -> None:
    image = hopper()
    beside = Box(HOPPER_FACE.x + HOPPER_FACE.w, HOPPER_FACE.y, HOPPER_FACE.w, HOPPER_FACE.h)
    assert leaks(image, apply_effect(image, [beside], Effect.BLUR, 1.0), HOPPER_FACE)


@pytest.mark.parametrize("size", [24, 48, 200])
def test_faces_of_every_size_are_judged_alike(scene: Callable[..., np.ndarray], size: int) -> None:
    """A face far away and one close by: untouched they leak, blurred they do not."""
    face = Box(500, 200, size, size)
    frame = scene(("grace" if size > 100 else "astronaut", face))
    assert leaks(frame, frame, face)
    assert not leaks(frame, apply_effect(frame, [face], Effect.BLUR, 0.0), face)


def test_a_blank_wall_left_as_it_was_is_not_a_leaked_face() -> None:
    """Where there is no detail there is nothing to recognise: a flat crop never scores high."""
    wall = np.full((240, 320, 3), 128, np.uint8)
    assert leak_score(wall, wall, Box(100, 60, 80, 80)) == pytest.approx(0.0, abs=0.05)


def test_a_box_outside_the_frame_cannot_be_scored() -> None:
    image = astronaut()
    assert leak_score(image, image, Box(600, 600, 50, 50)) is None
    assert leak_score(image, image, Box(511, 100, 50, 50)) is None  # one pixel column inside
    assert not leaks(image, image, Box(600, 600, 50, 50))


def test_a_tally_counts_scored_and_leaked_faces_and_skips_what_cannot_be_scored() -> None:
    image = hopper()
    hidden = apply_effect(image, [HOPPER_FACE], Effect.BLUR, 0.5)
    tally = LeakTally()
    assert tally.rate == 0.0  # nothing scored yet
    assert tally.add(image, image, HOPPER_FACE) is True
    assert tally.add(image, hidden, HOPPER_FACE) is False
    assert tally.add(image, hidden, HOPPER_FACE) is False
    assert tally.add(image, image, Box(900, 900, 40, 40)) is None
    assert (tally.scored, tally.leaked) == (3, 1)
    assert tally.rate == pytest.approx(1 / 3)
