"""What the face model is given, for the workshop's "what the model sees" panel.

The detector says what its models see (``describe_input``); this module turns
that into pictures (the frame as each model gets it, letterboxed in black),
the detections inside each picture, and one line naming the models for people.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import cv2
import numpy as np
import numpy.typing as npt

from installation.detect import DescribesInput
from installation.detect.views import ModelInput, ModelWindow, whole_frame
from installation.explanation import Explanation
from installation.frames import Detection
from installation.geometry import Box

if TYPE_CHECKING:
    from installation.detect import FaceDetector


def model_input(detector: FaceDetector | None, width: int, height: int) -> ModelInput:
    """Where and at what size ``detector`` looks at a ``width`` x ``height`` frame.

    Each detector says so itself (``describe_input``): the short-range
    BlazeFace runs overlapping square windows over a wide frame, the
    full-range one letterboxes the whole frame into its square, YuNet takes
    the whole frame at the size of each of its passes. A detector that does
    not say (or no detector) is shown as one whole-frame window at the frame's size.

    >>> from installation.detect import create_detector
    >>> with create_detector("short") as d:
    ...     m = model_input(d, 1280, 720)
    >>> [(w.size, w.region.x, w.region.w) for w in m.windows]
    [((128, 128), 0.0, 720.0), ((128, 128), 560.0, 720.0)]
    """
    if isinstance(detector, DescribesInput):
        return detector.describe_input(width, height)
    return whole_frame(width, height)


def describe_model(model: ModelInput, words: Explanation, lang: str) -> str:
    """One line for people: each model's name and the pictures it gets, and the tiles.

    >>> from installation.explanation import load_explanation
    >>> m = ModelInput((ModelWindow("yunet", Box(0, 0, 1280, 720), (1280, 720)),
    ...                 ModelWindow("yunet", Box(0, 0, 1280, 720), (640, 360))))
    >>> describe_model(m, load_explanation(), "en")
    'YuNet: whole frame at 1280 × 720 + 640 × 360 pixels'
    """
    parts = []
    for name in model.models:
        windows = [w for w in model.windows if w.model == name]
        key = "model_" + name.replace("-", "_")
        title = words.label(key, lang) if key in words.labels else name
        sizes = list(dict.fromkeys(w.size for w in windows))
        whole = all(w.region.x == 0 and w.region.y == 0 for w in windows) and len(windows) == len(sizes)
        if len(windows) > 1 and len(sizes) == 1:
            ((w, h),) = sizes
            what = words.label("model_windows", lang, n=len(windows), w=w, h=h)
        elif len(windows) > 1 and whole:
            what = words.label("model_passes", lang, sizes=" + ".join(f"{w} × {h}" for w, h in sizes))
        else:
            w, h = sizes[0]
            what = words.label("model_size", lang, w=w, h=h)
        parts.append(f"{title}: {what}")
    text = "   ".join(parts)
    if any(w.mirrored for w in model.windows):
        text += "   " + words.label("model_mirrored", lang)
    if model.tiles:
        text += "   " + words.label("model_tiles", lang, n=model.tiles)
    return text


def _letterbox(window: ModelWindow) -> tuple[float, float, float]:
    """Scale and offset that put the window's region inside its picture, aspect kept."""
    (tw, th), region = window.size, window.region
    scale = window.scale
    return scale, (tw - region.w * scale) / 2, (th - region.h * scale) / 2


def model_view(image: npt.NDArray[np.uint8], model: ModelInput) -> list[npt.NDArray[np.uint8]]:
    """``image`` as the model gets it: one picture per window at its size, letterboxed in black, and
    widened by the mirrored sides where the window has them.

    Give it the picture with the effect applied (``Processed.image``): the
    view then keeps hidden whatever the feed hides.

    >>> grey = np.full((720, 1280, 3), 200, np.uint8)
    >>> view = model_view(grey, ModelInput((ModelWindow("m", Box(0, 0, 1280, 720), (192, 192)),)))
    >>> view[0].shape, int(view[0][0, 0, 0]), int(view[0][96, 96, 0])
    ((192, 192, 3), 0, 200)
    """
    out = []
    for window in model.windows:
        tw, th = window.size
        x0, y0, x1, y1 = window.region.pixel_bounds(image.shape[1], image.shape[0])
        crop = image[y0:y1, x0:x1]
        scale, ox, oy = _letterbox(window)
        w = min(tw, max(1, round(window.region.w * scale)))
        h = min(th, max(1, round(window.region.h * scale)))
        canvas = np.zeros((th, tw, 3), np.uint8)
        small = cv2.resize(crop, (w, h), interpolation=cv2.INTER_AREA)
        left, top = round(ox), round(oy)
        canvas[top : top + h, left : left + w] = small[: th - top, : tw - left]
        pad = window.mirrored_px
        if pad:
            canvas = np.asarray(cv2.copyMakeBorder(canvas, 0, 0, pad, pad, cv2.BORDER_REFLECT), np.uint8)
        out.append(canvas)
    return out


def in_model(detections: Sequence[Detection], window: ModelWindow) -> list[Detection]:
    """The detections that fall in ``window``'s region, in the model picture's pixels (clipped to the
    region; past its mirrored left side, if any).

    >>> d = Detection(Box(600, 100, 100, 100), 0.9)
    >>> square = ModelWindow("m", Box(560, 0, 720, 720), (128, 128))
    >>> [(round(r.box.x, 2), round(r.box.w, 2)) for r in in_model([d], square)]
    [(7.11, 17.78)]
    """
    scale, ox, oy = _letterbox(window)
    ox += window.mirrored_px
    region = window.region
    out = []
    for d in detections:
        clipped = _intersect(d.box, region)
        if clipped is None or clipped.w * clipped.h < 0.5 * d.box.w * d.box.h:
            continue  # mostly in another window: drawn there
        box = Box(
            ox + (clipped.x - region.x) * scale,
            oy + (clipped.y - region.y) * scale,
            clipped.w * scale,
            clipped.h * scale,
        )
        out.append(Detection(box, d.score))
    return out


def _intersect(a: Box, b: Box) -> Box | None:
    x0, y0 = max(a.x, b.x), max(a.y, b.y)
    x1, y1 = min(a.x + a.w, b.x + b.w), min(a.y + a.h, b.y + b.h)
    if x1 <= x0 or y1 <= y0:
        return None
    return Box(x0, y0, x1 - x0, y1 - y0)
