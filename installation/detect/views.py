"""What a detector shows its model: the parts of a frame it runs on, and at what size.

Every detector made by :func:`~installation.detect.create_detector` says so
itself through ``describe_input(width, height)``, which returns a
:class:`ModelInput`: a BlazeFace model letterboxes each window into its small
square tensor, YuNet takes the whole frame at the size of each of its passes,
a small-face detector adds tiles. The workshop's "what the model sees" view
draws these, whatever the detector.
"""

from __future__ import annotations

from dataclasses import dataclass

from installation.geometry import Box

#: Mirrored sides are whole steps of this many pixels: YuNet's coarsest stride, so the picture
#: itself meets the model's grid as it would unmirrored.
MIRROR_STEP = 32


def mirror_width(width: int, share: float) -> int:
    """The pixels mirrored onto each side of a model picture ``width`` wide: ``share`` of it, in
    whole steps of :data:`MIRROR_STEP`.

    >>> mirror_width(640, 0.25), mirror_width(370, 0.25), mirror_width(60, 0.25), mirror_width(640, 0.0)
    (160, 96, 0, 0)
    """
    return MIRROR_STEP * round(width * share / MIRROR_STEP)


@dataclass(frozen=True)
class ModelWindow:
    """One picture a model is given per frame.

    ``region`` is the part of the frame (in its pixels) shown to the model,
    shrunk and, where the aspect differs, letterboxed into ``size`` (width,
    height). ``mirrored`` is the share of that width the model also gets
    on each side, the picture mirrored there (YuNet's coarsest pass, so
    that a face cut by the frame's side is found), so the model's picture
    is ``mirrored_px`` wider on each side. ``model`` is the model's detector
    name (``"yunet"``, ``"blazeface-full"``); the workshop's texts name it
    for people.

    >>> w = ModelWindow("yunet", Box(0, 0, 1280, 720), (640, 360))
    >>> w.scale
    0.5
    """

    model: str
    region: Box
    size: tuple[int, int]
    mirrored: float = 0.0

    @property
    def mirrored_px(self) -> int:
        """The model pixels mirrored onto each side (:func:`mirror_width`).

        >>> ModelWindow("yunet", Box(0, 0, 1280, 720), (640, 360), mirrored=0.25).mirrored_px
        160
        """
        return mirror_width(self.size[0], self.mirrored)

    @property
    def scale(self) -> float:
        """Model pixels per frame pixel (letterboxed: the smaller of the two)."""
        return min(self.size[0] / self.region.w, self.size[1] / self.region.h)


@dataclass(frozen=True)
class ModelInput:
    """How a frame reaches the face model(s).

    ``windows`` are the pictures the detector's models are given each frame
    (the part of the frame, the size of the picture, the model's name).
    ``tiles`` counts extra full-detail tiles a small-face detector also runs.

    >>> whole = Box(0, 0, 1280, 720)
    >>> yunet = ModelInput((ModelWindow("yunet", whole, (640, 360)),))
    >>> tiled = ModelInput((ModelWindow("blazeface-full", whole, (192, 192)),), tiles=18)
    >>> both = yunet + tiled
    >>> both.models, both.tiles
    (['yunet', 'blazeface-full'], 18)
    """

    windows: tuple[ModelWindow, ...]
    tiles: int = 0

    @property
    def models(self) -> list[str]:
        """The models' names, each once, in order."""
        return list(dict.fromkeys(w.model for w in self.windows))

    def __add__(self, other: ModelInput) -> ModelInput:
        """Both inputs: this one's windows and tiles, then the other's (a detector combining two)."""
        return ModelInput(self.windows + other.windows, self.tiles + other.tiles)


def whole_frame(width: int, height: int, model: str = "face model") -> ModelInput:
    """One window, the whole frame at its own size: what is shown for a detector that does not say.

    >>> whole_frame(640, 360).windows[0].size
    (640, 360)
    """
    return ModelInput((ModelWindow(model, Box(0.0, 0.0, float(width), float(height)), (width, height)),))
