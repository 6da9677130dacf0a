"""Privacy effects: pure functions on frames, chosen by an enum."""

from __future__ import annotations

from installation.effects.apply import apply_effect, hide_everything
from installation.effects.kinds import Effect, MaskShape
from installation.effects.mask import MaskGeometry, mask_geometry

__all__ = ["Effect", "MaskGeometry", "MaskShape", "apply_effect", "hide_everything", "mask_geometry"]
