"""Where the face model files come from: the installed mediapipe package, and this one.

Nothing is ever downloaded. Both BlazeFace models ship inside the mediapipe
wheel under ``mediapipe/modules/face_detection/``; YuNet ships inside this
package (``installation/detect/weights/``, provenance in the README there) and
is checked against its sha256 each time it is loaded. A configuration may
point at another copy of any of them.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from installation.detect import nosound  # noqa: F401 - before mediapipe is imported
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


#: The YuNet weights that ship in this package, and what they must hash to.
YUNET_FILE = "face_detection_yunet_2023mar.onnx"
YUNET_SHA256 = "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4"


def weights_dir() -> Path:
    """The folder of model files shipped in this package.

    >>> (weights_dir() / YUNET_FILE).is_file()
    True
    """
    return Path(__file__).resolve().parent / "weights"


def sha256_of(path: Path) -> str:
    """The file's sha256, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def resolve_yunet(model_path: str | os.PathLike[str] | None = None, *, packaged: Path | None = None) -> Path:
    """The YuNet file to load: ``model_path`` if given, else the packaged one, its sha256 checked.

    Only the packaged file is hashed: a user's own export of YuNet may differ
    byte for byte and still be right, so for ``model_path`` the file must exist
    and the detector checks that it loads. ``packaged`` replaces the packaged
    path (tests). A missing file or a wrong hash is a
    :class:`~installation.errors.ModelError` naming the path.

    >>> resolve_yunet().name
    'face_detection_yunet_2023mar.onnx'
    >>> resolve_yunet("/nowhere/yunet.onnx")
    Traceback (most recent call last):
    ...
    installation.errors.ModelError: YuNet face model: no such file /nowhere/yunet.onnx
    """
    if model_path is None:
        path = packaged if packaged is not None else weights_dir() / YUNET_FILE
        if not path.is_file():
            raise ModelError(
                f"YuNet face model: no such file {path} (it ships in the package; reinstall monitoring-room)"
            )
        got = sha256_of(path)
        if got != YUNET_SHA256:
            raise ModelError(
                f"YuNet face model {path}: sha256 mismatch: expected {YUNET_SHA256}, got {got}; "
                f"reinstall monitoring-room"
            )
        return path
    path = Path(model_path).expanduser()
    if path.is_dir():
        raise ModelError(f"YuNet face model: {path} is a folder, not an .onnx file")
    if not path.is_file():
        raise ModelError(f"YuNet face model: no such file {path}")
    return path.resolve()


#: Every detector name a config may use, alone or joined by ``+``.
DETECTORS = ("yunet", "yunet-full", "yunet-half", "blazeface-short", "blazeface-full")
#: Older names still accepted (configs and callers from before YuNet).
DETECTOR_ALIASES: dict[str, str] = {"short": "blazeface-short", "full": "blazeface-full"}
#: The BlazeFace range behind each BlazeFace name.
BLAZEFACE_RANGES: dict[str, str] = {"blazeface-short": "short", "blazeface-full": "full"}
#: The model files the names run: every ``yunet`` name the one YuNet file, each BlazeFace name its own
#: (the keys of ``create_detector(model_paths=...)``; ``[detection]`` names a copy of each).
MODEL_FAMILIES = ("yunet", *BLAZEFACE_RANGES)


def model_family(name: str) -> str:
    """The model file a detector name runs, one of :data:`MODEL_FAMILIES` for a known name.

    >>> model_family("yunet-half"), model_family("full"), model_family("blazeface-short")
    ('yunet', 'blazeface-full', 'blazeface-short')
    """
    name = DETECTOR_ALIASES.get(name, name)
    return "yunet" if name.startswith("yunet") else name


def parse_detector(spec: str) -> tuple[str, ...]:
    """The detector names in ``spec`` (``"yunet"``, ``"yunet+blazeface-full"``, ...), aliases resolved.

    Unknown or repeated names are a ``ConfigError`` that lists the valid ones.

    >>> parse_detector("yunet + full")
    ('yunet', 'blazeface-full')
    >>> parse_detector("yunet+retina")
    Traceback (most recent call last):
    ...
    installation.errors.ConfigError: detector 'yunet+retina': unknown name 'retina' (choose from yunet, \
yunet-full, yunet-half, blazeface-short, blazeface-full, joined by +)
    """
    names = []
    for part in str(spec).split("+"):
        name = part.strip().lower()
        name = DETECTOR_ALIASES.get(name, name)
        if name not in DETECTORS:
            raise ConfigError(
                f"detector {spec!r}: unknown name {part.strip()!r} "
                f"(choose from {', '.join(DETECTORS)}, joined by +)"
            )
        if name in names:
            raise ConfigError(f"detector {spec!r}: {name} is named twice")
        names.append(name)
    return tuple(names)
