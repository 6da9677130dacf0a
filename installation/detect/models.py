"""Where the BlazeFace model files come from: the installed mediapipe package.

Nothing is ever downloaded. Both models ship inside the mediapipe wheel under
``mediapipe/modules/face_detection/``; a configuration may point at another
copy of the same model with ``model_path``.
"""

from __future__ import annotations

import os
from pathlib import Path

from installation.errors import ConfigError, ModelError

#: The two detection ranges and the model file each one runs.
MODEL_FILES: dict[str, str] = {
    # Faces within about 2 m of a kiosk camera: a 128x128 model.
    "short": "face_detection_short_range.tflite",
    # A room camera, faces up to about 5 m: a 192x192 sparse model.
    "full": "face_detection_full_range_sparse.tflite",
}

RANGES = tuple(MODEL_FILES)


def check_range(range: str) -> str:
    """The range name, or a ``ConfigError`` listing the ones that exist.

    >>> check_range("full")
    'full'
    >>> check_range("far")
    Traceback (most recent call last):
    ...
    installation.errors.ConfigError: detector range 'far': choose one of short, full
    """
    if range not in MODEL_FILES:
        raise ConfigError(f"detector range {range!r}: choose one of {', '.join(RANGES)}")
    return range


def model_dir() -> Path:
    """The folder inside the installed mediapipe package that holds the face models.

    >>> (model_dir() / MODEL_FILES["short"]).is_file()
    True
    """
    import mediapipe

    return Path(os.path.dirname(mediapipe.__file__)) / "modules" / "face_detection"


def resolve_model(range: str, model_path: str | os.PathLike[str] | None = None) -> Path:
    """The model file to load for ``range``: ``model_path`` if given, else the packaged one.

    Raises :class:`~installation.errors.ModelError` naming the path when the
    file is not there.

    >>> resolve_model("short").name
    'face_detection_short_range.tflite'
    >>> resolve_model("full", "/nowhere/face.tflite")
    Traceback (most recent call last):
    ...
    installation.errors.ModelError: full-range face model: no such file /nowhere/face.tflite
    """
    check_range(range)
    if model_path is None:
        path = model_dir() / MODEL_FILES[range]
        if not path.is_file():
            raise ModelError(
                f"{range}-range face model: no such file {path} "
                f"(it ships with mediapipe; reinstall mediapipe==0.10.21)"
            )
        return path
    path = Path(model_path).expanduser()
    if path.is_dir():
        raise ModelError(f"{range}-range face model: {path} is a folder, not a .tflite file")
    if not path.is_file():
        raise ModelError(f"{range}-range face model: no such file {path}")
    return path.resolve()
