"""The privacy effects: blur, pixelate, solid fill, and the fail-closed full hide.

Every effect works on the region of interest around each face only (the face
box grown by ``mask_scale``), so its cost follows the face area, not the frame
area. Blur and pixelation are computed on a small copy of that region (a face
is a few dozen cells wide at most) and scaled back up, which is both fast and
what removes the detail recognition depends on.

``strength`` runs from 0 ("just hides": a little more than the lightest
setting that defeats the leak measure in ``installation.leak`` for faces from
24 to 400 px, for boxes a few pixels short of their faces) to 1 (heavy).
Sizes are relative to the face box, so a face looks equally hidden near the
camera and far from it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import cv2
import numpy as np

from installation.effects.kinds import Effect, MaskShape
from installation.effects.mask import blend_weights, mask_geometry, roi_bounds
from installation.geometry import Box

#: A face box smaller than this (pixels, either side) is hidden as if it were this size, centred where
#: it is: a detector's box on a distant face is off by a large part of the face (YuNet's on a 26x34
#: face is often 27x30, and on a 36 px face in the steering bench a weak 20 px box sat on her brow),
#: and a region this large covers the face whichever way the box is off. On the development set's
#: tune part, hiding such boxes as 24 px let 8.1 % of the faces under 24 px leak at strength 0 in
#: the live path (2.7 % in anonymize's), 32 px 5.0 % (2.0 %), 40 px 3.9 % (2.0 %), for 0.03 points
#: of collateral; on the steering bench's servo pans 40 px took the leaked face-frames from 18 to 3.
MIN_FACE_PX = 40.0
#: The same for a region that is not a face (``apply_effect(..., faces=False)``).
MIN_REGION_PX = 24.0
#: Blur works on a copy where the face box is this many pixels across.
BLUR_CELLS = 16.0
#: Gaussian sigma, in those small pixels, at strength 0 and at strength 1. At 1.4 the lightest blur
#: hid a face whose box fitted it, with little to spare where a detector's box was a few pixels
#: short: on the steering bench one visitor's 43 px box on her 47.5 px face left her a leak score
#: of 0.49 in the wide picture and over 0.5 in a zoomed view. With 1.6 the development set's tune
#: part leaked 181 -> 175 face-frames in the live path (44 -> 44 in anonymize's), its second draw
#: 901 -> 898 (764 -> 760), for 0.07-0.12 points of collateral; 1.8 went to 178 and 847 (752),
#: nearly all of the difference under 24 px in one whip pan, for 0.05-0.10 points more.
BLUR_SIGMA = (1.6, 4.0)
#: Pixelation blocks across the face box.
PIXELATE_BLOCKS = 5.0
#: Smoothing of the block colours at strength 1 (Gaussian sigma, in blocks).
PIXELATE_SMOOTHING = 1.2
#: Solid fill grey level: dark enough to read as "removed", light enough not to read as a shadow.
SOLID_GREY = 40
#: ``hide_everything`` shrinks the frame to this many pixels on its longer side.
HIDE_ALL_CELLS = 24


def apply_effect(
    image: np.ndarray,
    boxes: Sequence[Box],
    effect: Effect,
    strength: float,
    *,
    shape: MaskShape = MaskShape.ELLIPSE,
    mask_scale: float = 1.3,
    in_place: bool = False,
    faces: bool = True,
) -> np.ndarray:
    """A new image with every face in ``boxes`` hidden by ``effect``; ``image`` is left as it was
    (unless ``in_place``: then ``image`` itself is changed and returned).

    ``image`` is BGR ``uint8`` (H x W x 3), ``boxes`` are face boxes in its
    pixels (they may overlap or reach outside the frame), ``strength`` is
    clamped to [0, 1] and ignored by ``SOLID``. ``EXPOSED`` returns an
    unchanged copy. ``faces=False`` is for regions of any shape (what moved,
    a strip at the edge): the blur then takes its size from the region's
    shorter side, and a region is grown to :data:`MIN_REGION_PX` only.

    >>> import numpy as np
    >>> img = np.full((120, 160, 3), 200, np.uint8)
    >>> img[40:80, 60:100] = 0
    >>> out = apply_effect(img, [Box(60, 40, 40, 40)], Effect.SOLID, 0.0)
    >>> out[60, 80].tolist(), out[0, 0].tolist(), img[60, 80].tolist()
    ([40, 40, 40], [200, 200, 200], [0, 0, 0])
    """
    _check_image(image)
    effect, shape = Effect(effect), MaskShape(shape)
    out = image if in_place else image.copy()
    if effect is Effect.EXPOSED:
        return out
    strength = _clamp_strength(strength)
    height, width = out.shape[:2]
    for box in boxes:
        if not all(math.isfinite(v) for v in (box.x, box.y, box.w, box.h)):
            raise ValueError(f"apply_effect: face box {box} has a non-finite coordinate")
        if box.w <= 0 or box.h <= 0:
            continue
        box = at_least(box, MIN_FACE_PX if faces else MIN_REGION_PX)
        geometry = mask_geometry(box, mask_scale)
        rx0, ry0, rx1, ry1 = roi_bounds(geometry.outer)
        x0, y0, x1, y1 = max(rx0, 0), max(ry0, 0), min(rx1, width), min(ry1, height)
        if x1 <= x0 or y1 <= y0:
            continue
        roi = out[y0:y1, x0:x1]
        weight, rest = blend_weights(geometry, shape)
        inside = (slice(y0 - ry0, y1 - ry0), slice(x0 - rx0, x1 - rx0))
        hidden = _hidden_roi(roi, (x0, y0), box, effect, strength, faces)
        _blend_into(roi, hidden, weight[inside], rest[inside])
    return out


def at_least(box: Box, side: float) -> Box:
    """``box`` grown about its centre so that neither side is under ``side``.

    >>> at_least(Box(10, 10, 12, 30), 24.0)
    Box(x=4.0, y=10.0, w=24.0, h=30)
    """
    if box.w >= side and box.h >= side:
        return box
    return Box.from_centre(box.cx, box.cy, max(box.w, side), max(box.h, side))


def hide_everything(image: np.ndarray) -> np.ndarray:
    """The whole frame hidden: used before the first detection and whenever detection fails.

    The frame is shrunk to a couple of dozen pixels, blurred and scaled back:
    the colours and layout of the room survive, no face does, whatever its size.

    >>> import numpy as np
    >>> img = np.random.default_rng(1).integers(0, 255, (90, 160, 3), dtype=np.uint8)
    >>> out = hide_everything(img)
    >>> out.shape == img.shape and out.dtype == img.dtype and float(out.std()) < 5
    True
    """
    _check_image(image)
    height, width = image.shape[:2]
    factor = min(1.0, HIDE_ALL_CELLS / max(width, height))
    small_w, small_h = max(1, round(width * factor)), max(1, round(height * factor))
    # A cheap bilinear step down to about eight times the final size first:
    # whatever it aliases is averaged away by the area step that follows.
    step_w, step_h = min(width, 8 * small_w), min(height, 8 * small_h)
    small = cv2.resize(image, (step_w, step_h), interpolation=cv2.INTER_LINEAR)
    small = cv2.resize(small, (small_w, small_h), interpolation=cv2.INTER_AREA)
    small = _gaussian(small, 1.5)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)


# -- the effects on one region of interest -------------------------------------


def _hidden_roi(
    roi: np.ndarray, origin: tuple[int, int], box: Box, effect: Effect, strength: float, face: bool
) -> np.ndarray:
    if effect is Effect.SOLID:
        return np.full(roi.shape, SOLID_GREY, np.uint8)
    if effect is Effect.BLUR:
        return _blur(roi, box, strength, face)
    if effect is Effect.PIXELATE:
        return _pixelate(roi, origin, box, strength)
    raise ValueError(f"apply_effect: unknown effect {effect!r}")


def _blur(roi: np.ndarray, box: Box, strength: float, face_box: bool = True) -> np.ndarray:
    h, w = roi.shape[:2]
    # A face's longer side sets the blur: a box narrowed by a face turned away still has its
    # height. A region of any other shape (a strip along an edge) is blurred by its shorter side.
    face = max(1.0, box.w, box.h) if face_box else max(1.0, min(box.w, box.h))
    factor = min(1.0, BLUR_CELLS / face)
    small_w, small_h = max(1, round(w * factor)), max(1, round(h * factor))
    small = _shrink(roi, small_w, small_h)
    # The sigma is in face-relative units (small pixels when the face is
    # BLUR_CELLS across); a face already smaller than that is blurred at full
    # size with the sigma scaled down to match.
    sigma = (BLUR_SIGMA[0] + (BLUR_SIGMA[1] - BLUR_SIGMA[0]) * strength) * face * factor / BLUR_CELLS
    small = _gaussian(small, sigma)
    if (small_w, small_h) == (w, h):
        return small
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _pixelate(roi: np.ndarray, origin: tuple[int, int], box: Box, strength: float) -> np.ndarray:
    # Square blocks of a whole number of pixels on a grid anchored to the face
    # box's corner, so the face is always about PIXELATE_BLOCKS blocks across,
    # whatever part of it is on screen. Strength smooths the block colours
    # rather than changing the block count: on a fixed grid more smoothing
    # never brings detail back, whereas a changing grid moves block edges
    # across the features and can.
    h, w = roi.shape[:2]
    x0, y0 = origin
    pitch = max(1, round(min(box.w, box.h) / PIXELATE_BLOCKS))
    gx, nx = _grid(round(box.x), pitch, x0, w)
    gy, ny = _grid(round(box.y), pitch, y0, h)
    left, top = x0 - gx, y0 - gy
    right, bottom = nx * pitch - w - left, ny * pitch - h - top
    # Blocks cut by the region's edge (in the margin around the face, or at
    # the frame's edge) are averaged with the edge pixels repeated, which lets
    # INTER_AREA work on whole blocks: its fast path for a whole-number factor.
    span = cv2.copyMakeBorder(roi, top, bottom, left, right, cv2.BORDER_REPLICATE)
    means = cv2.resize(span, (nx, ny), interpolation=cv2.INTER_AREA).astype(np.float32)
    if strength > 0:
        # Mixing towards one fixed smoothing (rather than growing the sigma)
        # makes every step of strength count, down to the first.
        smooth = _gaussian(means, PIXELATE_SMOOTHING)
        cv2.addWeighted(means, 1.0 - strength, smooth, strength, 0.0, dst=means)
    blocks = np.clip(means + 0.5, 0, 255).astype(np.uint8)
    # NEAREST_EXACT maps pixel d to block floor((d + 0.5) / pitch): exact for whole-pixel blocks.
    drawn = cv2.resize(blocks, (nx * pitch, ny * pitch), interpolation=cv2.INTER_NEAREST_EXACT)
    return drawn[top : top + h, left : left + w]


def _grid(anchor: int, pitch: int, start: int, size: int) -> tuple[int, int]:
    """The first grid line at or before ``start`` and the blocks needed to cover ``size`` pixels.

    Grid lines lie at ``anchor + k * pitch``; the first and last blocks
    overlap the span by at least one pixel.

    >>> _grid(10, 4, 3, 9)   # lines at 2, 6, 10, 14: blocks [2,6) [6,10) [10,14) cover 3..11
    (2, 3)
    """
    first = anchor + ((start - anchor) // pitch) * pitch
    return first, -((first - start - size) // pitch)


# -- helpers -------------------------------------------------------------------


def _shrink(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """``image`` averaged down to ``width`` x ``height``."""
    h, w = image.shape[:2]
    if (width, height) == (w, h):
        return image.copy()
    # INTER_AREA is exact but slow for large, uneven factors; a cheap bilinear
    # step to four times the final size first leaves it an even 4:1, its fast
    # path, and still averages 16 samples into every output pixel.
    if 4 * width < w and 4 * height < h:
        image = cv2.resize(image, (4 * width, 4 * height), interpolation=cv2.INTER_LINEAR)
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)


def _gaussian(image: np.ndarray, sigma: float) -> np.ndarray:
    """A Gaussian blur with replicated borders; cheaper than ``cv2.GaussianBlur`` on tiny images."""
    kernel = _gaussian_kernel(round(sigma * 100))
    return cv2.sepFilter2D(image, -1, kernel, kernel, borderType=cv2.BORDER_REPLICATE)


@lru_cache(maxsize=256)
def _gaussian_kernel(sigma_hundredths: int) -> np.ndarray:
    # Building the kernel is most of what cv2.GaussianBlur spends on a
    # 20-pixel image; sigmas are cached to the hundredth.
    sigma = max(sigma_hundredths, 1) / 100.0
    radius = max(1, math.ceil(3 * sigma))
    kernel = cv2.getGaussianKernel(2 * radius + 1, sigma, cv2.CV_32F)
    kernel.setflags(write=False)
    return kernel


def _blend_into(roi: np.ndarray, hidden: np.ndarray, weight: np.ndarray, rest: np.ndarray) -> None:
    """``roi = (weight * hidden + rest * roi) / 255`` in place; exact where a weight is 0 or 255."""
    hidden = cv2.multiply(hidden, weight, scale=1.0 / 255.0)
    cv2.multiply(roi, rest, dst=roi, scale=1.0 / 255.0)
    cv2.add(hidden, roi, dst=roi)


def _clamp_strength(strength: float) -> float:
    value = float(strength)
    if not math.isfinite(value):
        return 1.0
    return min(1.0, max(0.0, value))


def _check_image(image: np.ndarray) -> None:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        what = (
            f"{image.dtype} array of shape {image.shape}"
            if isinstance(image, np.ndarray)
            else type(image).__name__
        )
        raise ValueError(f"effects: expected a BGR uint8 image (H x W x 3), got a {what}")
