"""The camera's own motion: pans, zooms and rolls measured on a real photo; people are not the camera."""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np
import pytest
from skimage import data

from installation.geometry import Box
from installation.track import CameraMotion, MotionEstimator

WIDTH, HEIGHT = 1280, 720


@cache
def world() -> np.ndarray:
    """The astronaut photo, enlarged to 2048 px square: more than a 720p view can hold."""
    image = cv2.resize(
        cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR), (2048, 2048), interpolation=cv2.INTER_CUBIC
    )
    image.setflags(write=False)
    return image


def view(scale: float = 1.0, angle: float = 0.0, x: float = 0.0, y: float = 0.0) -> np.ndarray:
    """A 720p camera looking at the world's middle, zoomed by ``scale``, rolled by ``angle`` degrees
    (counter-clockwise on screen) and moved ``x``, ``y`` pixels (the view, not the scene)."""
    m: np.ndarray = cv2.getRotationMatrix2D((1024.0, 1024.0), angle, scale)
    m[:, 2] -= (1024 - WIDTH / 2 + x, 1024 - HEIGHT / 2 + y)
    return cv2.warpAffine(world(), m, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR)


def test_a_pan_is_measured_within_a_pixel_a_frame() -> None:
    estimator = MotionEstimator()
    assert estimator.estimate(view()).method == "start"
    for i in range(1, 8):
        motion = estimator.estimate(view(x=11.5 * i, y=-3.0 * i))
        # The view moved right and up: the scene moves left and down in the picture.
        assert motion.shift == pytest.approx((-11.5, 3.0), abs=1.0)
        assert motion.scale == pytest.approx(1.0, abs=0.002) and abs(motion.angle) < 0.1
        assert motion.moving and motion.known and motion.confidence > 0.5


def test_a_zoom_and_a_roll_are_measured() -> None:
    estimator = MotionEstimator()
    estimator.estimate(view())
    zoom = estimator.estimate(view(scale=1.03))
    assert zoom.scale == pytest.approx(1.03, rel=0.01) and abs(zoom.angle) < 0.5
    # A point of the scene lands where the zoom puts it: the frame's centre stays put.
    assert zoom.apply(WIDTH / 2, HEIGHT / 2) == pytest.approx((WIDTH / 2, HEIGHT / 2), abs=1.5)
    roll = estimator.estimate(view(scale=1.03, angle=2.0))
    assert roll.angle == pytest.approx(-2.0, abs=0.5) and roll.scale == pytest.approx(1.0, abs=0.01)


def test_a_still_camera_with_noise_is_still() -> None:
    rng = np.random.default_rng(0)
    base = view().astype(np.int16)
    estimator = MotionEstimator()
    for _ in range(6):
        motion = estimator.estimate(np.clip(base + rng.normal(0, 5, base.shape), 0, 255).astype(np.uint8))
    assert motion.known and not motion.moving and motion.displacement < 0.5


def test_a_black_or_flat_frame_is_unknown_not_still() -> None:
    estimator = MotionEstimator()
    black = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    estimator.estimate(black)
    motion = estimator.estimate(black)
    assert not motion.known and motion.method == "flat" and motion.moving
    assert not motion.lost  # nothing to see is no reason to hide the whole frame


def test_a_view_that_jumps_elsewhere_is_lost() -> None:
    # A cut (or a whip pan too fast to follow) to an unrelated, textured view.
    estimator = MotionEstimator()
    estimator.estimate(view())
    rng = np.random.default_rng(3)
    other = cv2.GaussianBlur(rng.integers(0, 255, (HEIGHT, WIDTH, 3), np.uint8), (0, 0), 6)
    # OpenCV's stubs require dst, which the function takes as None (a new array).
    other = cv2.normalize(other, None, 0, 255, cv2.NORM_MINMAX)  # type: ignore[call-overload]
    motion = estimator.estimate(other)
    assert motion.lost and not motion.known


def smeared(image: np.ndarray, length: int) -> np.ndarray:
    """``image`` smeared down by ``length`` pixels, as a camera tilting while its shutter is open."""
    kernel = np.full((length, 1), 1.0 / length, np.float32)
    return cv2.filter2D(image, -1, kernel)


def test_the_first_frame_of_a_fast_turn_smeared_along_it_is_lost_not_guessed() -> None:
    # A tilt begins: 86 px since the sharp frame before, smeared over half of it. No corner
    # matches, and along the tilt the picture's edges match themselves wherever they are: no
    # guess is trusted (the frame is hidden whole), where the tilt took the faces is unknown.
    estimator = MotionEstimator()
    estimator.estimate(view())
    first = estimator.estimate(smeared(view(y=-86), 43))
    assert first.method == "smear" and first.lost and not first.known
    # Smeared after smeared: followed again, at the turn's speed.
    then = estimator.estimate(smeared(view(y=-172), 43))
    assert then.known and then.shift == pytest.approx((0.0, 86.0), abs=2.0)
    # A change of light takes no detail away: a room dimmed by half while the camera stands
    # still is still, and a dim, noisy room dimmed again is not a smear either.
    estimator = MotionEstimator()
    estimator.estimate(view())
    assert estimator.estimate((view() // 2).astype(np.uint8)).known
    rng = np.random.default_rng(5)
    dim = [view() * light + rng.normal(0, 10, view().shape) for light in (0.3, 0.15)]
    dim = [np.clip(d, 0, 255).astype(np.uint8) for d in dim]
    estimator = MotionEstimator()
    estimator.estimate(dim[0])
    assert estimator.estimate(dim[1]).method != "smear"


def test_a_person_moving_on_a_still_background_is_not_camera_motion() -> None:
    # A person-sized patch (a quarter of the frame's width) walks 20 px a frame across the still room.
    person = cv2.resize(cv2.cvtColor(data.coffee(), cv2.COLOR_RGB2BGR), (320, 400))
    room = view()
    estimator = MotionEstimator()
    for i in range(6):
        frame = room.copy()
        frame[200:600, 300 + 20 * i : 620 + 20 * i] = person
        motion = estimator.estimate(frame)
        assert motion.known and motion.displacement < 0.5, f"frame {i}: {motion}"


def test_corners_on_people_are_left_out_when_asked() -> None:
    # A large person fills most of the frame; told where people are, the estimate ignores them.
    person = cv2.resize(cv2.cvtColor(data.coffee(), cv2.COLOR_RGB2BGR), (900, 700))
    room = view()
    estimator = MotionEstimator()
    for i in range(4):
        frame = room.copy()
        frame[10:710, 100 + 25 * i : 1000 + 25 * i] = person
        motion = estimator.estimate(frame, exclude=[Box(80 + 25 * (i - 1), 0, 960, 720)])
    assert motion.known and motion.displacement < 0.5


def test_a_pan_is_followed_when_people_leave_too_little_of_the_room() -> None:
    # Boxes said to be people (a look-alike the size of the frame) leave a sliver of the room:
    # too few corners there, so the picture moving as one is taken for the camera.
    estimator = MotionEstimator()
    estimator.estimate(view())
    for i in range(1, 5):
        motion = estimator.estimate(view(x=40.0 * i), exclude=[Box(0, 0, 1250, 720)])
        assert motion.known and motion.shift == pytest.approx((-40.0, 0.0), abs=1.0), f"frame {i}: {motion}"


def test_motions_compose_and_invert() -> None:
    pan = CameraMotion.translation(10, 0)
    zoom = CameraMotion((2.0, 0.0, -5.0, 0.0, 2.0, 0.0))
    both = pan.then(zoom)
    assert both.apply(1, 1) == pytest.approx(zoom.apply(*pan.apply(1, 1)))
    assert both.inverse().apply(*both.apply(7, 3)) == pytest.approx((7, 3))
    assert not pan.then(CameraMotion.unknown("lost")).known
    assert zoom.apply_box(Box(0, 0, 10, 10)) == Box(-5, 0, 20, 20)
