"""Turning a camera's picture the right way round (per-camera mirror, flip, rotate)."""

from __future__ import annotations

import cv2
import numpy as np

from installation.errors import ConfigError

_ROTATIONS = {0: None, 90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


def check_rotate(rotate: int) -> int:
    """``rotate`` if it is 0, 90, 180 or 270, else a :class:`ConfigError` saying so.

    >>> check_rotate(45)
    Traceback (most recent call last):
    ...
    installation.errors.ConfigError: rotate must be 0, 90, 180 or 270 (degrees clockwise), not 45
    """
    if isinstance(rotate, bool) or rotate not in _ROTATIONS:
        raise ConfigError(f"rotate must be 0, 90, 180 or 270 (degrees clockwise), not {rotate!r}")
    return int(rotate)


def transform_image(
    image: np.ndarray, mirror: bool = False, flip: bool = False, rotate: int = 0
) -> np.ndarray:
    """``image`` mirrored left-right, flipped upside down, then rotated clockwise by ``rotate`` degrees.

    Returns ``image`` itself when there is nothing to do, otherwise a new array.

    >>> a = np.array([[1, 2, 3],
    ...               [4, 5, 6]], np.uint8)
    >>> transform_image(a, mirror=True).tolist()
    [[3, 2, 1], [6, 5, 4]]
    >>> transform_image(a, rotate=90).tolist()
    [[4, 1], [5, 2], [6, 3]]
    """
    rotate = check_rotate(rotate)
    if rotate == 180:
        # Half a turn is a mirror and a flip at once: fold it into a single cv2.flip.
        mirror, flip, rotate = not mirror, not flip, 0
    if mirror and flip:
        image = cv2.flip(image, -1)
    elif mirror:
        image = cv2.flip(image, 1)
    elif flip:
        image = cv2.flip(image, 0)
    code = _ROTATIONS[rotate]
    if code is not None:
        image = cv2.rotate(image, code)
    return image
