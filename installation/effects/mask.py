"""Where an effect applies around a face box, and how softly it fades out.

Each face box is grown by ``mask_scale`` about its centre: that is the *outer*
region, beyond which no pixel changes. A soft edge (the feather) runs inward
from the outer edge; everything inside it, the *core*, is fully hidden. The
feather is taken out of the ``mask_scale`` margin, never out of the face, so
with any ``mask_scale >= 1`` the core still covers the face box itself (for an
elliptical mask, the ellipse inscribed in the core box covers all but the
corners of the face box).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import cv2
import numpy as np

from installation.effects.kinds import MaskShape
from installation.geometry import Box

#: Feather width as a fraction of the face box's shorter side (capped by the margin).
FEATHER_FRACTION = 0.1


@dataclass(frozen=True)
class MaskGeometry:
    """The regions one face box hides.

    ``outer``: nothing changes beyond it. ``core``: fully hidden (for an
    elliptical mask, the ellipse inscribed in it). ``feather``: the width in
    pixels of the soft edge between them.

    >>> g = mask_geometry(Box(100, 100, 100, 100), 1.3)
    >>> g.outer, g.feather
    (Box(x=85.0, y=85.0, w=130.0, h=130.0), 10.0)
    >>> g.core
    Box(x=95.0, y=95.0, w=110.0, h=110.0)
    """

    outer: Box
    core: Box
    feather: float


def mask_geometry(box: Box, mask_scale: float = 1.3) -> MaskGeometry:
    """The outer and core regions for ``box`` grown by ``mask_scale`` (taken as at least 1).

    >>> mask_geometry(Box(0, 0, 50, 20), 1.0).feather
    0.0
    """
    scale = max(1.0, float(mask_scale))
    outer = box.scaled(scale)
    margin = (scale - 1.0) / 2.0 * min(box.w, box.h)
    feather = max(0.0, min(FEATHER_FRACTION * min(box.w, box.h), margin))
    core = Box(
        outer.x + feather, outer.y + feather, max(0.0, outer.w - 2 * feather), max(0.0, outer.h - 2 * feather)
    )
    return MaskGeometry(outer, core, feather)


def roi_bounds(outer: Box) -> tuple[int, int, int, int]:
    """Integer ``(x0, y0, x1, y1)`` of ``outer`` rounded outwards (not clipped to any frame).

    >>> roi_bounds(Box(0.5, 1.0, 10.2, 4.0))
    (0, 1, 11, 5)
    """
    x0, y0 = math.floor(outer.x), math.floor(outer.y)
    x1, y1 = math.ceil(outer.x + outer.w), math.ceil(outer.y + outer.h)
    return x0, y0, max(x0 + 1, x1), max(y0 + 1, y1)


def mask_alpha(geometry: MaskGeometry, shape: MaskShape) -> np.ndarray:
    """Opacity of the effect (float32, 0..1) over the pixels of ``roi_bounds(geometry.outer)``.

    0 outside the outer region, 1 at every pixel centre inside the core, a
    ramp between (in steps of 1/255, as blended). The mask is laid on whole
    pixels (the feather one pixel narrower than asked for, so the core can
    only grow), so boxes of the same rounded size share one mask.

    >>> alpha = mask_alpha(mask_geometry(Box(0, 0, 40, 40), 1.3), MaskShape.ELLIPSE)
    >>> alpha.shape, float(alpha[26, 26]), float(alpha[0, 0])
    ((52, 52), 1.0, 0.0)
    """
    return _opacity(*_mask_key(geometry, shape)).astype(np.float32) / 255.0


def blend_weights(geometry: MaskGeometry, shape: MaskShape) -> tuple[np.ndarray, np.ndarray]:
    """``mask_alpha`` as 3-channel ``uint8`` weights (0..255) and their complement, for blending.

    At 0 and 255 the blend is exact: the original or the effect, unchanged.
    The weights are cached and read-only.
    """
    key = _mask_key(geometry, shape)
    with _CACHE_LOCK:
        weight = _CACHE.get(key)
        if weight is not None:
            _CACHE.move_to_end(key)
    if weight is None:
        opacity = _opacity(*key)
        weight = cv2.merge((opacity, opacity, opacity))
        weight.setflags(write=False)
        _remember(key, weight)
    return weight, cv2.bitwise_not(weight)


# Tracked boxes change size by a pixel now and then, so masks repeat. The
# cache is bounded by bytes, not entries: one close face's mask weighs as
# much as a hundred distant ones.
_CACHE: OrderedDict[tuple[int, int, int, bool], np.ndarray] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_BYTES = 48 * 1024 * 1024
_cached_bytes = 0


def _remember(key: tuple[int, int, int, bool], weight: np.ndarray) -> None:
    global _cached_bytes
    with _CACHE_LOCK:
        old = _CACHE.pop(key, None)
        if old is not None:
            _cached_bytes -= old.nbytes
        _CACHE[key] = weight
        _cached_bytes += weight.nbytes
        while _cached_bytes > _CACHE_BYTES and len(_CACHE) > 1:
            _, dropped = _CACHE.popitem(last=False)
            _cached_bytes -= dropped.nbytes


def _mask_key(geometry: MaskGeometry, shape: MaskShape) -> tuple[int, int, int, bool]:
    x0, y0, x1, y1 = roi_bounds(geometry.outer)
    # Snapping the outer region outwards to whole pixels moves its edges (and
    # centre) by under a pixel; a feather one pixel narrower keeps the exact
    # core inside the snapped one (an ellipse grown by 1 in both semi-axes
    # contains every ellipse within 1 px of the original).
    feather = max(0, math.floor(geometry.feather) - 1)
    return x1 - x0, y1 - y0, feather, shape is MaskShape.ELLIPSE


def _opacity(width: int, height: int, feather: int, ellipse: bool) -> np.ndarray:
    """The mask as ``uint8`` 0..255, ``height`` x ``width``."""
    if not ellipse:
        return np.minimum.outer(_ramp(height, feather), _ramp(width, feather))
    # Normalised radius about the centre, 1 on the ellipse inscribed in the
    # region. The core is this ellipse at a smaller radius: the smallest one
    # that still contains the outer ellipse shrunk by the feather.
    ax, ay = width / 2.0, height / 2.0
    inner = max((ax - feather) / ax, (ay - feather) / ay, 0.0)
    dx = ((np.arange(width, dtype=np.float32) + 0.5 - ax) / ax) ** 2
    dy = ((np.arange(height, dtype=np.float32) + 0.5 - ay) / ay) ** 2
    rho2 = dy[:, None] + dx[None, :]
    if inner >= 1.0:
        return np.where(rho2 <= 1.0, np.uint8(255), np.uint8(0))
    rho = cv2.sqrt(rho2)
    # saturate(255 * (1 - rho) / (1 - inner)) in one pass, straight to uint8.
    gain = 255.0 / (1.0 - inner)
    return cv2.addWeighted(rho, -gain, rho, 0.0, gain, dtype=cv2.CV_8U)


def _ramp(size: int, feather: int) -> np.ndarray:
    """255 except within ``feather`` pixels of either end, where it falls towards 0."""
    i = np.arange(size, dtype=np.float32)
    edge = np.minimum(i, size - 1 - i) + 1.0
    return np.rint(np.clip(edge / (feather + 1.0), 0.0, 1.0) * 255.0).astype(np.uint8)
