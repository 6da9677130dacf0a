"""What a detector shows its model: the parts of a frame it runs on, and at what size.

The workshop's "what the model sees" view draws these, whatever the detector:
a BlazeFace model letterboxes each window into its small square tensor, YuNet
takes the whole frame at the size of each of its passes.
"""

from __future__ import annotations

from dataclasses import dataclass

from installation.geometry import Box


@dataclass(frozen=True)
class ModelWindow:
    """One picture a model is given per frame.

    ``region`` is the part of the frame (in its pixels) shown to the model,
    shrunk and, where the aspect differs, letterboxed into ``size`` (width,
    height: the picture the model gets). ``model`` is the model's detector
    name (``"yunet"``, ``"blazeface-full"``); the workshop's texts name it
    for people.

    >>> w = ModelWindow("yunet", Box(0, 0, 1280, 720), (640, 360))
    >>> w.scale
    0.5
    """

    model: str
    region: Box
    size: tuple[int, int]

    @property
    def scale(self) -> float:
        """Model pixels per frame pixel (letterboxed: the smaller of the two)."""
        return min(self.size[0] / self.region.w, self.size[1] / self.region.h)
