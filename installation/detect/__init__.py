"""Face detection on the device: MediaPipe BlazeFace, models from the installed package.

One factory, :func:`create_detector`, turns a range name into a detector.
Every detector takes BGR ``uint8`` frames and returns
:class:`~installation.geometry.Detection` boxes (in that frame's pixels,
merged, clipped to the frame, strongest first) and nothing else.
"""

from __future__ import annotations

import os
from typing import Protocol, runtime_checkable

import numpy as np

from installation.detect.blazeface import MIN_SCORE, BlazeFaceDetector, valid_input_scale, valid_threshold
from installation.detect.engines import GraphFullRange, TasksShortRange
from installation.detect.models import MODEL_FILES, RANGES, check_range, model_dir, resolve_model
from installation.detect.tiles import TiledDetector, tile_grid
from installation.geometry import Detection

#: Tile size and overlap (pixels of the frame at ``input_scale``) per range for ``small_faces``:
#: sized so that a face 24 pixels high still reaches the model at the size it needs.
SMALL_FACE_TILES: dict[str, tuple[int, int]] = {
    "short": (160, 40),
    "full": (288, 48),
}


@runtime_checkable
class FaceDetector(Protocol):
    """What the pipeline calls. ``threshold`` may be changed between any two frames."""

    threshold: float

    def detect(self, image: np.ndarray) -> list[Detection]: ...

    def close(self) -> None: ...


def create_detector(
    range: str = "short",
    *,
    threshold: float = 0.5,
    input_scale: float = 1.0,
    small_faces: bool = False,
    model_path: str | os.PathLike[str] | None = None,
) -> BlazeFaceDetector:
    """A BlazeFace detector for ``range``: ``"short"`` (kiosk, faces within about 2 m) or ``"full"`` (room).

    ``threshold`` is the lowest score reported (settable later, down to
    ``MIN_SCORE``); ``input_scale`` shrinks frames before detection (boxes still
    come back in full-frame pixels); ``small_faces`` adds overlapping tiles
    (a :class:`TiledDetector`, whose ``detect_step`` runs them in rotation) so
    that faces about 24 pixels high are found; ``model_path`` replaces the
    model file that ships with mediapipe by another copy of the same model.
    A missing or unreadable model raises :class:`~installation.errors.ModelError`
    naming the path.

    >>> import cv2, numpy as np
    >>> with create_detector("short", threshold=0.6) as detector:
    ...     blank = np.full((720, 1280, 3), 128, np.uint8)
    ...     detector.detect(blank), detector.threshold
    ([], 0.6)
    >>> create_detector("full", model_path="/nowhere/full.tflite")
    Traceback (most recent call last):
    ...
    installation.errors.ModelError: full-range face model: no such file /nowhere/full.tflite
    """
    check_range(range)
    # Checked before loading anything, so a bad value costs no model load.
    valid_threshold(threshold)
    valid_input_scale(input_scale)
    path = resolve_model(range, model_path)
    engine: TasksShortRange | GraphFullRange
    if range == "short":
        engine = TasksShortRange(path, min_score=MIN_SCORE)
    else:
        engine = GraphFullRange(path, min_score=MIN_SCORE)
    if small_faces:
        tile, overlap = SMALL_FACE_TILES[range]
        return TiledDetector(engine, threshold=threshold, input_scale=input_scale, tile=tile, overlap=overlap)
    return BlazeFaceDetector(engine, threshold=threshold, input_scale=input_scale, squares=range == "short")


__all__ = [
    "MIN_SCORE",
    "MODEL_FILES",
    "RANGES",
    "SMALL_FACE_TILES",
    "BlazeFaceDetector",
    "FaceDetector",
    "GraphFullRange",
    "TasksShortRange",
    "TiledDetector",
    "check_range",
    "create_detector",
    "model_dir",
    "resolve_model",
    "tile_grid",
]
