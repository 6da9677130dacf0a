"""What an effect does to a face region, and the shape hidden around each face box."""

from __future__ import annotations

from enum import Enum


class Effect(str, Enum):
    """What happens to a face region. ``EXPOSED`` leaves it untouched."""

    BLUR = "blur"
    PIXELATE = "pixelate"
    SOLID = "solid"
    EXPOSED = "exposed"

    @property
    def hides(self) -> bool:
        return self is not Effect.EXPOSED


class MaskShape(str, Enum):
    """The shape hidden around each face box."""

    ELLIPSE = "ellipse"
    BOX = "box"
