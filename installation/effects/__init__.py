"""Privacy effects: pure functions on frames, chosen by an enum."""

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


# Imported after the enums, which the effect modules themselves import from here.
from installation.effects.apply import apply_effect, hide_everything  # noqa: E402
from installation.effects.mask import MaskGeometry, mask_geometry  # noqa: E402

__all__ = ["Effect", "MaskGeometry", "MaskShape", "apply_effect", "hide_everything", "mask_geometry"]
