"""Ground truth for the bundled demo footage: every face, frame by frame.

Each clip in ``assets/footage`` has a ``<clip>.json`` beside its ``<clip>.mp4``
(the format is described in ``assets/footage/README.md``). Tests and benchmarks
use it to ask whether the detector found a face, whether the tracker kept it,
and whether the effect hid it.

>>> truth = load_ground_truth(footage_dir() / "kiosk.mp4")
>>> truth.range, truth.width, truth.height, truth.fps
('short', 1280, 720, 30.0)
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from installation.errors import ConfigError, UsageError
from installation.geometry import Box
from installation.resources import footage_dir

#: Detector ranges a clip can be meant for.
RANGES = ("short", "full")

#: The folder under the footage folder that holds the wide clips.
WIDE_FOLDER = "wide"

#: Yaw (degrees) beyond which a face no longer counts as frontal.
FRONTAL_YAW = 25.0


@dataclass(frozen=True)
class TruthFace:
    """One face in one frame.

    ``box`` is the face itself (brow to chin, cheek to cheek, the way a face
    detector draws it) in frame pixels; it may reach past the frame edge.
    ``occluded`` is the fraction of the box's in-frame part hidden by something
    in front (a hand, a mask, another person, a pillar), ``outside`` the fraction
    of the box beyond the frame edge, ``yaw`` how far the head is turned, in
    degrees (positive: towards the right of the image).

    >>> face = TruthFace(3, Box(100, 80, 40, 40), occluded=0.5)
    >>> face.clear, face.visible
    (False, 0.5)
    """

    track_id: int
    box: Box
    occluded: float = 0.0
    outside: float = 0.0
    yaw: float = 0.0

    @property
    def partly_outside(self) -> bool:
        return self.outside > 0.0

    @property
    def visible(self) -> float:
        """Fraction of the face a camera could see: inside the frame and not covered."""
        return (1.0 - self.outside) * (1.0 - self.occluded)

    @property
    def clear(self) -> bool:
        """Frontal, uncovered and wholly inside the frame: a face any detector should find."""
        return self.occluded < 0.1 and self.outside == 0.0 and abs(self.yaw) < FRONTAL_YAW

    @property
    def size(self) -> float:
        """Height of the face box in pixels."""
        return self.box.h


@dataclass
class GroundTruth:
    """Where every face is in every frame of one clip.

    ``frames[i]`` lists the faces in frame ``i`` (0-based, in decoding order),
    ordered by track id. ``range`` names the detector range the clip suits.

    >>> truth = load_ground_truth(footage_dir() / "hall.json")
    >>> len(truth.frames) == truth.frame_count, truth.range
    (True, 'full')
    """

    clip: str
    width: int
    height: int
    fps: float
    range: str
    frames: list[list[TruthFace]]
    video: Path | None = None
    description: str = ""
    notes: dict[int, str] = field(default_factory=dict)

    @property
    def frame_count(self) -> int:
        return len(self.frames)

    @property
    def duration(self) -> float:
        """Length of the clip in seconds."""
        return self.frame_count / self.fps

    def track_ids(self) -> list[int]:
        """Every track id that appears in the clip, ascending.

        >>> load_ground_truth(footage_dir() / "kiosk.mp4").track_ids()
        [1, 2]
        """
        return sorted({face.track_id for faces in self.frames for face in faces})

    def faces(self, index: int) -> list[TruthFace]:
        """The faces in frame ``index``; none past the end of the clip."""
        return self.frames[index] if 0 <= index < len(self.frames) else []

    def track(self, track_id: int) -> list[tuple[int, TruthFace]]:
        """``(frame index, face)`` for every frame the track appears in."""
        return [(i, f) for i, faces in enumerate(self.frames) for f in faces if f.track_id == track_id]


def bundled_clips() -> list[Path]:
    """The bundled clips that have ground truth beside them, by name: the four room cameras at
    1280x720 (the wide clips are :func:`wide_clips`).

    >>> [p.name for p in bundled_clips()]
    ['corridor.mp4', 'hall.mp4', 'kiosk.mp4', 'lobby.mp4']
    """
    folder = footage_dir()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.mp4") if p.with_suffix(".json").is_file())


def wide_clips() -> list[Path]:
    """The bundled wide clips (``assets/footage/wide``): pictures wider than a monitor shows, for a
    digital head to move a window in, with their ground truth beside them, by name.

    >>> [p.name for p in wide_clips()]
    ['gallery.mp4']
    """
    folder = footage_dir() / WIDE_FOLDER
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.mp4") if p.with_suffix(".json").is_file())


def load_ground_truth(path: str | Path) -> GroundTruth:
    """Read the ground truth of a clip, given the video or the ``.json`` itself.

    A missing file is a :class:`UsageError`, a malformed one a
    :class:`ConfigError`; both name the file on one line.

    >>> truth = load_ground_truth(footage_dir() / "lobby.mp4")
    >>> truth.clip, truth.video.name
    ('lobby', 'lobby.mp4')
    >>> load_ground_truth("nowhere/hall.mp4")
    Traceback (most recent call last):
    ...
    installation.errors.UsageError: nowhere/hall.mp4: no ground truth beside it (expected nowhere/hall.json)
    """
    path = Path(path)
    json_path = path if path.suffix.lower() == ".json" else path.with_suffix(".json")
    if not json_path.is_file():
        if json_path == path:
            raise UsageError(f"{path}: no such ground-truth file")
        raise UsageError(f"{path}: no ground truth beside it (expected {json_path})")
    try:
        doc = json.loads(json_path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{json_path}: not a text file") from None
    except json.JSONDecodeError as err:
        raise ConfigError(f"{json_path}: not valid JSON: {err.msg} at line {err.lineno}") from None
    except OSError as err:
        raise UsageError(f"{json_path}: cannot read: {err.strerror}") from None
    return _parse(doc, json_path)


def _parse(doc: Any, path: Path) -> GroundTruth:
    def fail(where: str, what: str) -> ConfigError:
        return ConfigError(f"{path}: {where}: {what}")

    if not isinstance(doc, dict):
        raise ConfigError(f"{path}: expected a JSON object at the top")

    def need(key: str) -> Any:
        if key not in doc:
            raise fail(key, "missing")
        return doc[key]

    clip = need("clip")
    if not isinstance(clip, str) or not clip:
        raise fail("clip", "expected a name")
    width, height = _positive_int(need("width")), _positive_int(need("height"))
    if width is None:
        raise fail("width", "expected a positive whole number of pixels")
    if height is None:
        raise fail("height", "expected a positive whole number of pixels")
    fps = need("fps")
    if not _number(fps) or fps <= 0:
        raise fail("fps", "expected a positive number")
    range_ = need("range")
    if range_ not in RANGES:
        raise fail("range", f"expected one of {', '.join(RANGES)}, got {range_!r}")
    frames_doc = need("frames")
    if not isinstance(frames_doc, list):
        raise fail("frames", "expected a list with one list of faces per frame")
    count = doc.get("frame_count", len(frames_doc))
    if _positive_int(count) is None and count != 0:
        raise fail("frame_count", "expected a whole number")
    if count != len(frames_doc):
        raise fail("frames", f"{len(frames_doc)} frames listed but frame_count says {count}")

    frames: list[list[TruthFace]] = []
    for i, faces_doc in enumerate(frames_doc):
        if not isinstance(faces_doc, list):
            raise fail(f"frames[{i}]", "expected a list of faces")
        faces = [_face(face, f"frames[{i}][{j}]", fail) for j, face in enumerate(faces_doc)]
        ids = [f.track_id for f in faces]
        if len(set(ids)) != len(ids):
            raise fail(f"frames[{i}]", "the same track appears twice")
        frames.append(sorted(faces, key=lambda f: f.track_id))

    notes: dict[int, str] = {}
    tracks = doc.get("tracks", [])
    if isinstance(tracks, list):
        for entry in tracks:
            if isinstance(entry, dict) and isinstance(entry.get("track"), int):
                notes[entry["track"]] = str(entry.get("note", ""))
    video_name = doc.get("video")
    video = path.parent / video_name if isinstance(video_name, str) and video_name else None
    description = doc.get("description", "")
    return GroundTruth(
        clip=clip,
        width=width,
        height=height,
        fps=float(fps),
        range=range_,
        frames=frames,
        video=video,
        description=description if isinstance(description, str) else "",
        notes=notes,
    )


def _face(doc: Any, where: str, fail: Any) -> TruthFace:
    if not isinstance(doc, dict):
        raise fail(where, "expected a face object")
    track = doc.get("track")
    if isinstance(track, bool) or not isinstance(track, int) or track < 0:
        raise fail(f"{where}.track", "expected a track id (a whole number, 0 or more)")
    box = doc.get("box")
    if not isinstance(box, list) or len(box) != 4 or not all(_number(v) for v in box):
        raise fail(f"{where}.box", "expected [x, y, w, h] in pixels")
    if box[2] <= 0 or box[3] <= 0:
        raise fail(f"{where}.box", "width and height must be positive")
    flags = {}
    for key, low, high in (("occluded", 0.0, 1.0), ("outside", 0.0, 1.0), ("yaw", -90.0, 90.0)):
        value = doc.get(key, 0.0)
        if not _number(value) or not low <= value <= high:
            raise fail(f"{where}.{key}", f"expected a number from {low:g} to {high:g}")
        flags[key] = float(value)
    return TruthFace(track, Box(*(float(v) for v in box)), **flags)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _positive_int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    return value
