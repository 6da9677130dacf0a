"""Face detection on the device: YuNet (OpenCV) and MediaPipe BlazeFace, models shipped, never downloaded.

One factory, :func:`create_detector`, turns a detector string into a
detector: ``yunet`` (and its scale variants), ``blazeface-short``,
``blazeface-full``, or several joined by ``+``. Every detector takes BGR
``uint8`` frames and returns :class:`~installation.frames.Detection` boxes
(in that frame's pixels, merged, clipped to the frame, strongest first) and
nothing else.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from installation.detect.blazeface import (
    DEFAULT_THRESHOLD,
    INPUT_SCALE_RANGE,
    MIN_SCORE,
    THRESHOLD_RANGE,
    BlazeFaceDetector,
    valid_input_scale,
    valid_threshold,
)
from installation.detect.combined import CombinedDetector
from installation.detect.engines import GraphFullRange, TasksShortRange
from installation.detect.models import (
    BLAZEFACE_RANGES,
    DETECTOR_ALIASES,
    DETECTORS,
    MODEL_FAMILIES,
    MODEL_FILES,
    RANGES,
    YUNET_FILE,
    YUNET_SHA256,
    check_range,
    model_dir,
    model_family,
    parse_detector,
    resolve_model,
    resolve_yunet,
    weights_dir,
)
from installation.detect.tiles import TiledDetector, tile_grid
from installation.detect.views import ModelInput, ModelWindow, whole_frame
from installation.detect.yunet import YUNET_SCALES, YuNetDetector
from installation.errors import ConfigError, ModelError
from installation.frames import Detection

# The defaults below were chosen on the bundled clips (``benchmarks/bench_detect_clips.py``) and the
# unseen-footage table of the issue that brought YuNet in; they are to be settled on the
# development set's tune part, here and nowhere else.

#: The detector a camera runs when its config names none (room cameras, faces at any distance).
#: Bundled clips: 100 % of faces at least half visible, 0.08 stray boxes per frame, against
#: 98 % and 0.22 for BlazeFace full range with tiles; unseen footage (no tiles): 77 % against 21 %.
#: It costs about twice a full sweep of tiles on every detected frame (no rotation).
ROOM_DETECTOR = "yunet"
#: For a camera at a kiosk (faces within about 2 m, 100 px and up): YuNet at half size finds
#: such faces as well as at full size (100 % of 48 px and up on the bundled clips), holds in dim
#: light on unseen footage (83 %), and costs a sixth of ``yunet``.
KIOSK_DETECTOR = "yunet-half"
#: ``installation anonymize`` when no ``--detector`` is given: recorded footage, so the
#: strongest stack measured; time matters less than on a live wall. On the development set's
#: tune part (anonymize, blur at strength 0, threshold 0.5) ``yunet`` leaked 15.8 % of
#: face-frames and this union, with BlazeFace's small-face tiles (anonymize's default), 10.0 %
#: (faces under 24 px: 39.5 % against 22.5 %; compressed footage 18.2 % against 4.0 %) at about
#: 0.75x the speed. At the default threshold, 0.2, the union leaks 1.5 % there.
ANONYMIZE_DETECTOR = "yunet+blazeface-full"
#: ``installation anonymize`` searches BlazeFace members' tiles for small faces unless told not to.
ANONYMIZE_SMALL_FACES = True

#: Tile size and overlap (pixels of the frame at ``input_scale``) per range for ``small_faces``:
#: sized so that a face 24 pixels high still reaches the model at the size it needs.
SMALL_FACE_TILES: dict[str, tuple[int, int]] = {
    "short": (160, 40),
    "full": (288, 48),
}


@runtime_checkable
class FaceDetector(Protocol):
    """What the pipeline calls. ``threshold`` may be changed between any two frames.

    The detectors made here also describe what their models see
    (:class:`DescribesInput`), and the tiled ones (and combinations) have
    ``detect_step`` for the live pipeline; neither is required.
    """

    threshold: float

    def detect(self, image: np.ndarray) -> list[Detection]: ...

    def close(self) -> None: ...


@runtime_checkable
class DescribesInput(Protocol):
    """A detector that says what its models are given of a frame (every detector made here does).

    >>> with create_detector("yunet-half") as detector:
    ...     isinstance(detector, DescribesInput), detector.describe_input(1280, 720).windows[0].size
    (True, (640, 360))
    """

    def describe_input(self, width: int, height: int) -> ModelInput:
        """The pictures the models get of a ``width`` x ``height`` frame, and the tiles run besides."""
        ...


def create_detector(
    spec: str = "blazeface-short",
    *,
    threshold: float = DEFAULT_THRESHOLD,
    input_scale: float = 1.0,
    small_faces: bool = False,
    model_path: str | os.PathLike[str] | None = None,
    model_paths: Mapping[str, str | os.PathLike[str] | None] | None = None,
) -> Any:
    """The detector ``spec`` names: one of :data:`DETECTORS`, or several joined by ``+``.

    * ``yunet``: YuNet over the frame at full and at half size, merged;
      ``yunet-full`` and ``yunet-half`` run one of the two passes.
    * ``blazeface-short`` (kiosk, faces within about 2 m) and
      ``blazeface-full`` (room); ``short`` and ``full`` are older names for them.
    * ``a+b``: a :class:`CombinedDetector` running each, boxes merged.

    ``threshold`` is the lowest score reported (settable later, down to
    ``MIN_SCORE``), on YuNet's scale: BlazeFace members add their offset
    (0.3) before comparing it with their own scores;
    ``input_scale`` shrinks frames before detection (boxes still come back in
    full-frame pixels); ``small_faces`` adds overlapping tiles to BlazeFace
    members (a :class:`TiledDetector`, whose ``detect_step`` runs them in
    rotation) so that faces about 24 pixels high are found (YuNet's full-size
    pass is its own small-face pass). ``model_paths`` maps ``yunet``,
    ``blazeface-short`` or ``blazeface-full`` to another copy of that model
    (empty or missing: the shipped one); ``model_path`` does the same for a
    single-model ``spec``. An unknown name is a
    :class:`~installation.errors.ConfigError` listing the valid ones; a missing,
    altered or unreadable model a :class:`~installation.errors.ModelError`
    naming the path.

    >>> import cv2, numpy as np
    >>> with create_detector("yunet", threshold=0.6) as detector:
    ...     blank = np.full((720, 1280, 3), 128, np.uint8)
    ...     detector.detect(blank), detector.threshold
    ([], 0.6)
    >>> create_detector("full", model_path="/nowhere/full.tflite")
    Traceback (most recent call last):
    ...
    installation.errors.ModelError: full-range face model: no such file /nowhere/full.tflite
    """
    names = parse_detector(spec)
    # Checked before loading anything, so a bad value costs no model load.
    valid_threshold(threshold)
    valid_input_scale(input_scale)
    paths: dict[str, str | os.PathLike[str] | None] = {}
    for key, value in (model_paths or {}).items():
        family = model_family(key)
        if family not in MODEL_FAMILIES:
            expected = f"{', '.join(MODEL_FAMILIES[:-1])} or {MODEL_FAMILIES[-1]}"
            raise ConfigError(f"model_paths: unknown model {key!r} (expected {expected})")
        paths[family] = value or None
    if model_path is not None:
        if len(names) > 1:
            raise ConfigError(
                f"detector {spec!r}: model_path names one file; give model_paths for each model"
            )
        paths[model_family(names[0])] = model_path
    members: list[Any] = []
    try:
        for name in names:
            members.append(_one(name, threshold, input_scale, small_faces, paths))
    except BaseException:
        for member in members:
            member.close()
        raise
    if len(members) == 1:
        return members[0]
    return CombinedDetector(members, names)


def check_model(family: str, model_path: str | os.PathLike[str]) -> Path:
    """Check that ``model_path`` is a model ``family`` (``yunet``, ``blazeface-short`` or
    ``blazeface-full``) can load, without running a detector; the resolved path.

    YuNet's ``.onnx`` is loaded by OpenCV as the room would load it (a few
    milliseconds). A BlazeFace ``.tflite`` is checked by its TensorFlow Lite
    file mark (loading it would start a mediapipe graph); the room loads it at
    start. Anything else is a :class:`~installation.errors.ModelError` naming
    the path, so a configuration pointing at a wrong file is refused by
    ``config check`` as well as at start.

    >>> check_model("yunet", resolve_yunet()).name
    'face_detection_yunet_2023mar.onnx'
    """
    if family == "yunet":
        path = resolve_yunet(model_path)
        YuNetDetector(path, scales=(1.0,)).close()
        return path
    range = BLAZEFACE_RANGES[family]
    path = resolve_model(range, model_path)
    try:
        with open(path, "rb") as file:
            head = file.read(8)
    except OSError as exc:
        raise ModelError(f"{range}-range face model {path}: cannot read it ({exc.strerror or exc})") from None
    if head[4:8] != b"TFL3":
        raise ModelError(f"{range}-range face model {path}: not a TensorFlow Lite model (.tflite)")
    return path


def _one(
    name: str,
    threshold: float,
    input_scale: float,
    small_faces: bool,
    paths: Mapping[str, str | os.PathLike[str] | None],
) -> Any:
    """One named model, loaded."""
    if name in YUNET_SCALES:
        path = resolve_yunet(paths.get("yunet"))
        return YuNetDetector(path, threshold=threshold, input_scale=input_scale, scales=YUNET_SCALES[name])
    range = BLAZEFACE_RANGES[name]
    path = resolve_model(range, paths.get(name))
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
    "ANONYMIZE_DETECTOR",
    "ANONYMIZE_SMALL_FACES",
    "BLAZEFACE_RANGES",
    "DEFAULT_THRESHOLD",
    "DETECTORS",
    "DETECTOR_ALIASES",
    "INPUT_SCALE_RANGE",
    "KIOSK_DETECTOR",
    "MIN_SCORE",
    "MODEL_FAMILIES",
    "MODEL_FILES",
    "RANGES",
    "ROOM_DETECTOR",
    "SMALL_FACE_TILES",
    "THRESHOLD_RANGE",
    "YUNET_FILE",
    "YUNET_SCALES",
    "YUNET_SHA256",
    "BlazeFaceDetector",
    "CombinedDetector",
    "DescribesInput",
    "FaceDetector",
    "GraphFullRange",
    "ModelInput",
    "ModelWindow",
    "TasksShortRange",
    "TiledDetector",
    "YuNetDetector",
    "check_model",
    "check_range",
    "create_detector",
    "model_dir",
    "model_family",
    "parse_detector",
    "resolve_model",
    "resolve_yunet",
    "tile_grid",
    "weights_dir",
    "whole_frame",
]
