"""Face boxes we drew on the development set, and where its files live.

The photos and videos themselves are third-party files that stay in a cache
folder outside the repository (``make devset`` fetches them); only our labels
(``labels.json``) and the tune/report split (``split.json``) are committed.
Everything here reads those two files and the cache; nothing downloads.

>>> labels = load_labels()
>>> photo = labels.photos["tracking-faces"]
>>> (photo.width, photo.height), len(photo.faces)
((600, 346), 3)
>>> split = load_split()
>>> "tracking-faces" in split.tune + split.report
True
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from installation.errors import ConfigError, UsageError
from installation.geometry import Box

HERE = Path(__file__).resolve().parent
LABELS_FILE = HERE / "labels.json"
SPLIT_FILE = HERE / "split.json"
SOURCES_FILE = HERE / "sources.json"

#: Environment variable that moves the cache (tests point it at a temporary folder).
ROOT_ENV = "MONITORING_ROOM_DEVSET"

#: Fraction of a box's area that must lie inside the image for the label to be valid.
MIN_INSIDE = 0.5

#: Face heights (pixels) that bound the size classes reports group faces by.
SIZE_CLASSES = (24, 48, 96, 192)


def devset_root() -> Path:
    """The cache folder: ``$MONITORING_ROOM_DEVSET``, else the user's cache folder.

    It lies outside the repository on purpose: the files are not ours to ship.

    >>> os.environ[ROOT_ENV] = "/tmp/devset-example"; devset_root()
    PosixPath('/tmp/devset-example')
    >>> del os.environ[ROOT_ENV]
    """
    explicit = os.environ.get(ROOT_ENV)
    if explicit:
        return Path(explicit).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("monitoring-room")) / "devset"


def file_path(source: str, file: str) -> Path:
    """Where the fetched file ``file`` of source ``source`` lives in the cache."""
    return devset_root() / "files" / source / file


@dataclass(frozen=True)
class Face:
    """One labelled face: the face itself, brow to chin and cheek to cheek.

    ``occluded`` is the fraction hidden by something in front (a hand, a glass,
    another person); ``masked`` means a mask or scarf covers mouth and nose;
    ``yaw`` is a rough turn in degrees, positive towards the right of the image.
    ``printed`` marks a face in a photograph or poster inside the picture: a
    detector that finds it is not wrong, one that misses it leaks nobody.
    """

    box: Box
    masked: bool = False
    occluded: float = 0.0
    yaw: float = 0.0
    printed: bool = False

    @property
    def size_class(self) -> str:
        """Which height class the face falls in, as reports print it.

        >>> Face(Box(0, 0, 30, 40)).size_class
        '24-48'
        >>> Face(Box(0, 0, 300, 400)).size_class
        '>=192'
        """
        return size_class(self.box.h)


def size_class(height: float) -> str:
    """The class name for a face ``height`` pixels high (``<24`` ... ``>=192``)."""
    low = 0
    for bound in SIZE_CLASSES:
        if height < bound:
            return f"<{bound}" if low == 0 else f"{low}-{bound}"
        low = bound
    return f">={SIZE_CLASSES[-1]}"


@dataclass(frozen=True)
class Photo:
    """A labelled photo. Boxes are in pixels of the upright image.

    Some files are stored on their side and set upright by a viewer:
    ``rotated_by_exif`` is the clockwise turn the file's EXIF orientation
    asks for, ``rotate_cw`` a further clockwise turn recorded elsewhere (the
    photo album's own index); :meth:`load` applies both.
    """

    id: str
    source: str
    file: str
    width: int
    height: int
    faces: tuple[Face, ...]
    rotated_by_exif: int = 0
    rotate_cw: int = 0
    note: str = ""
    checked: str = ""

    @property
    def path(self) -> Path:
        return file_path(self.source, self.file)

    def load(self) -> np.ndarray:
        """The upright photo as a BGR array (``width`` x ``height``).

        Raises ``UsageError`` when the file has not been fetched.
        """
        import cv2

        if not self.path.is_file():
            raise UsageError(f"{self.path}: development set photo {self.id!r} not fetched: run `make devset`")
        # IMREAD_COLOR applies the EXIF orientation itself.
        image = cv2.imread(str(self.path), cv2.IMREAD_COLOR)
        if image is None:
            raise UsageError(f"{self.path}: cannot decode development set photo {self.id!r}")
        turns = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
        if self.rotate_cw:
            image = cv2.rotate(image, turns[self.rotate_cw])
        return image


@dataclass(frozen=True)
class Video:
    """A labelled video: faces in every ``every``-th frame (0-based decoding order).

    A frame index missing from ``frames`` was not labelled; an index mapped to
    an empty tuple was labelled and has no face.
    """

    id: str
    source: str
    file: str
    width: int
    height: int
    fps: float
    frame_count: int
    every: int
    frames: dict[int, tuple[Face, ...]]
    note: str = ""
    checked: str = ""

    @property
    def path(self) -> Path:
        return file_path(self.source, self.file)


@dataclass(frozen=True)
class Labels:
    photos: dict[str, Photo]
    videos: dict[str, Video]

    def item(self, item_id: str) -> Photo | Video:
        """The photo or video called ``item_id``."""
        if item_id in self.photos:
            return self.photos[item_id]
        if item_id in self.videos:
            return self.videos[item_id]
        raise UsageError(f"{LABELS_FILE.name}: no photo or video {item_id!r}")

    def missing(self) -> list[Path]:
        """Labelled files not (yet) in the cache."""
        items: list[Photo | Video] = [*self.photos.values(), *self.videos.values()]
        return [item.path for item in items if not item.path.is_file()]


@dataclass(frozen=True)
class Split:
    """Which photos and videos tuning may look at, and which only reports use."""

    tune: tuple[str, ...]
    report: tuple[str, ...]
    rule: str

    def part(self, item_id: str) -> str:
        """``"tune"`` or ``"report"``."""
        if item_id in self.tune:
            return "tune"
        if item_id in self.report:
            return "report"
        raise UsageError(f"{SPLIT_FILE.name}: {item_id!r} is in neither part")


def _face(raw: dict[str, Any], where: str, width: int, height: int) -> Face:
    try:
        x, y, w, h = (float(v) for v in raw["box"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: box must be [x, y, w, h]") from exc
    if not (w > 0 and h > 0 and all(math.isfinite(v) for v in (x, y, w, h))):
        raise ConfigError(f"{where}: box {raw['box']} has no area")
    box = Box(x, y, w, h)
    inside = box.clipped(width, height).area / box.area if box.area else 0.0
    if inside < MIN_INSIDE:
        raise ConfigError(f"{where}: box {raw['box']} lies mostly outside the {width}x{height} image")
    occluded = float(raw.get("occluded", 0.0))
    if not 0.0 <= occluded < 1.0:
        raise ConfigError(f"{where}: occluded must be in [0, 1), got {occluded}")
    return Face(
        box,
        bool(raw.get("masked", False)),
        occluded,
        float(raw.get("yaw", 0.0)),
        bool(raw.get("printed", False)),
    )


def _size(raw: dict[str, Any], where: str) -> tuple[int, int]:
    width, height = int(raw["width"]), int(raw["height"])
    if not (16 <= width <= 10000 and 16 <= height <= 10000):
        raise ConfigError(f"{where}: implausible size {width}x{height}")
    return width, height


def load_labels(path: Path = LABELS_FILE) -> Labels:
    """Read and check ``labels.json``; raises ``ConfigError`` naming the bad entry."""
    doc = json.loads(Path(path).read_text())
    if doc.get("format") != 1:
        raise ConfigError(f"{path}: unknown format {doc.get('format')!r}")
    photos: dict[str, Photo] = {}
    for pid, raw in doc["photos"].items():
        where = f"{Path(path).name}: photos[{pid}]"
        width, height = _size(raw, where)
        rotate = int(raw.get("rotate_cw", 0))
        if rotate not in (0, 90, 180, 270):
            raise ConfigError(f"{where}: rotate_cw must be 0, 90, 180 or 270, got {rotate}")
        faces = tuple(_face(f, f"{where}.faces[{i}]", width, height) for i, f in enumerate(raw["faces"]))
        photos[pid] = Photo(
            pid, raw["source"], raw["file"], width, height, faces,
            int(raw.get("rotated_by_exif", 0)), rotate, raw.get("note", ""), raw.get("checked", ""),
        )  # fmt: skip
    videos: dict[str, Video] = {}
    for vid, raw in doc.get("videos", {}).items():
        where = f"{Path(path).name}: videos[{vid}]"
        if vid in photos:
            raise ConfigError(f"{where}: id also names a photo")
        width, height = _size(raw, where)
        frame_count, every = int(raw["frame_count"]), int(raw["every"])
        frames: dict[int, tuple[Face, ...]] = {}
        for key, faces in raw["frames"].items():
            index = int(key)
            if not 0 <= index < frame_count:
                raise ConfigError(f"{where}: frame {index} outside 0..{frame_count - 1}")
            frames[index] = tuple(
                _face(f, f"{where}.frames[{index}][{i}]", width, height) for i, f in enumerate(faces)
            )
        videos[vid] = Video(
            vid, raw["source"], raw["file"], width, height, float(raw["fps"]), frame_count, every,
            dict(sorted(frames.items())), raw.get("note", ""), raw.get("checked", ""),
        )  # fmt: skip
    return Labels(photos, videos)


def load_split(path: Path = SPLIT_FILE) -> Split:
    """Read ``split.json``; raises ``ConfigError`` if an id is in both parts."""
    doc = json.loads(Path(path).read_text())
    tune, report = tuple(doc["tune"]), tuple(doc["report"])
    both = set(tune) & set(report)
    if both:
        raise ConfigError(f"{Path(path).name}: {sorted(both)} in both tune and report")
    return Split(tune, report, doc["rule"])


def photo_path(photo_id: str) -> Path:
    """Cache path of labelled photo ``photo_id`` (it may not be fetched yet)."""
    return load_labels().photos[photo_id].path


def video_path(video_id: str) -> Path:
    """Cache path of labelled video ``video_id`` (it may not be fetched yet)."""
    return load_labels().videos[video_id].path


def fetched() -> bool:
    """Whether every labelled photo and video is in the cache."""
    return not load_labels().missing()
