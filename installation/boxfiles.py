"""Reading a boxes file for ``anonymize --from-boxes``: anonymize's boxes JSON, MOT challenge CSV
or CVAT for video 1.1 XML, told apart by their content.

Whatever the format, a file becomes the regions to hide on each frame
(:class:`Listed`): face boxes (hidden with the effect and mask shape asked
for, grown by ``mask_scale``), regions hidden whole (the motion guard's), and
whether the frame is hidden whole. A frame the file does not mention has
nothing hidden. Boxes are in the video's pixels, before ``mask_scale``, as
``anonymize`` exports them; corners are read exactly
(:mod:`installation.outputs.numbering`), so an exported file hides the same
pixels again.

- JSON (``--boxes-json``): ``faces[].box`` are face boxes, ``guarded`` regions
  hidden whole, ``hidden_all`` a frame hidden whole.
- MOT (``--boxes-mot``): every row is a face box; frames count from 1 and
  ``bb_left``/``bb_top`` are 1-based; ``conf`` and ``x, y, z`` are not used.
- CVAT (``--boxes-cvat``): tracks labelled ``face``, ``motion`` or ``whole
  frame`` (:mod:`installation.outputs.cvat`), read as CVAT reads them: only key
  frames count; between two key frames a box moves linearly; an ``outside`` key
  frame ends the box until the track's next key frame; a track whose last key
  frame is not ``outside`` goes on to the task's last frame. A rotated box
  hides the upright rectangle around it. Boxes of other frames (CVAT writes
  its interpolation out) must lie where the key frames put them: CVAT would
  ignore one moved by hand, and so would the re-render.

Any fault is refused with one line naming the file and the line or element
(:class:`~installation.errors.UsageError`): a file that cannot be read as
meant hides nothing, so nothing is rendered from it.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeGuard
from xml.parsers import expat

from installation.errors import UsageError
from installation.geometry import Box
from installation.outputs.cvat import FACE, LABELS, MOTION, WHOLE_FRAME
from installation.outputs.numbering import text
from installation.track import TrackedFace

#: A box drawn by CVAT between two key frames is taken as CVAT's own interpolation if it lies
#: this close (pixels, each edge) to where the key frames put it (CVAT writes two decimals).
INTERPOLATION_TOLERANCE = 0.5


@dataclass
class Listed:
    """What a boxes file hides on one frame: face boxes (in the order they are hidden), regions
    hidden whole, and whether the whole frame is hidden."""

    faces: list[TrackedFace] = field(default_factory=list)
    guarded: list[Box] = field(default_factory=list)
    whole: bool = False


_NOTHING = Listed()


@dataclass
class BoxFile:
    """A boxes file, read.

    ``kind`` names the format; ``size`` is the frame size the file was made
    for (None: the format has no place for it, as MOT); ``covers`` the frames
    it says it describes, first and one past the last (None: it does not
    say); ``last`` the last frame it puts anything on (-1: none);
    ``mask_scale`` the one its boxes were hidden with, where it says.
    """

    path: Path
    kind: str
    frames: dict[int, Listed]
    size: tuple[int, int] | None = None
    covers: tuple[int, int] | None = None
    last: int = -1
    mask_scale: float | None = None

    def at(self, index: int) -> Listed:
        """What to hide on frame ``index`` (counted from 0): nothing where the file says nothing."""
        return self.frames.get(index, _NOTHING)

    def check_size(self, width: int, height: int) -> None:
        """Refuse a file made for frames of another size: its boxes would land elsewhere."""
        if self.size is not None and self.size != (width, height):
            raise UsageError(
                f"{self.path}: made for {self.size[0]}x{self.size[1]} frames, the video's are "
                f"{width}x{height}: boxes are not scaled; export the boxes of this video"
            )

    def check_frames(self, frames: int) -> list[str]:
        """Refuse a file with boxes beyond the video's ``frames``; warnings (one line each) where it
        describes fewer or more frames than the video has."""
        if self.last >= frames:
            raise UsageError(
                f"{self.path}: puts boxes on frame {self.last} (counted from 0), the video has "
                f"{frames} frames: is it the boxes file of another video?"
            )
        if self.covers is None:
            return []
        first, end = self.covers
        warnings = []
        if first > 0 or end < frames:
            warnings.append(
                f"{self.path}: describes frames {first} to {end - 1} (counted from 0) of the "
                f"video's {frames}: the others were written with nothing hidden"
            )
        elif end > frames:
            warnings.append(
                f"{self.path}: describes {end} frames, the video has {frames}: was it made from this video?"
            )
        return warnings


def read_boxes(path: Path) -> BoxFile:
    """Read ``path`` as anonymize's boxes JSON, MOT challenge CSV or CVAT for video 1.1 XML (told
    apart by the first character: ``{``, a digit, ``<``).

    >>> import tempfile
    >>> mot = Path(tempfile.mkdtemp()) / "boxes.csv"
    >>> _ = mot.write_text("1,1,101,51,40,40,0.9,-1,-1,-1\\n")
    >>> read_boxes(mot).at(0).faces[0].box
    Box(x=100.0, y=50.0, w=40.0, h=40.0)
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    start = data.removeprefix(b"\xef\xbb\xbf").lstrip()[:1]
    if not start:
        raise UsageError(f"{path}: is empty: expected a boxes file (JSON, MOT CSV or CVAT XML)")
    if start == b"<":
        return _read_cvat(path, data)
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text (byte {exc.start}): expected a boxes file") from None
    if start == b"{":
        return _read_json(path, content)
    if start.isdigit() or start in b"+-":
        return _read_mot(path, content)
    raise UsageError(
        f"{path}: not a boxes file: expected anonymize's boxes JSON ({{...}}), MOT challenge CSV "
        "(rows of frame,id,bb_left,...) or CVAT for video 1.1 XML (<annotations>)"
    )


# -- numbers -------------------------------------------------------------------


def _decimal(value: str, what: str, fail: Callable[[str], UsageError]) -> Decimal:
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise fail(f"{what}: expected a number, got {value!r}") from None
    if not number.is_finite():
        raise fail(f"{what}: expected a finite number, got {value!r}")
    return number


def _whole(value: str, what: str, fail: Callable[[str], UsageError], *, least: int) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise fail(f"{what}: expected a whole number, got {value!r}") from None
    if number < least:
        raise fail(f"{what}: expected {least} or more, got {number}")
    return number


def _sized(x: Decimal, y: Decimal, w: Decimal, h: Decimal, fail: Callable[[str], UsageError]) -> Box:
    if w <= 0 or h <= 0:
        raise fail(f"the box is {text(w)} x {text(h)} pixels: width and height must be more than 0")
    return Box(float(x), float(y), float(w), float(h))


# -- MOT -----------------------------------------------------------------------


def _read_mot(path: Path, content: str) -> BoxFile:
    frames: dict[int, Listed] = {}
    for number, line in enumerate(content.splitlines(), 1):
        if not line.strip():
            continue

        def fail(what: str, number: int = number) -> UsageError:
            return UsageError(f"{path}: line {number}: {what}")

        values = line.split(",")
        if not 6 <= len(values) <= 10:
            raise fail(
                "expected frame,id,bb_left,bb_top,bb_width,bb_height[,conf,x,y,z] (6 to 10 "
                f"comma-separated values), got {len(values)}"
            )
        frame = _whole(values[0], "frame (counted from 1 in MOT files)", fail, least=1)
        track = _whole(values[1], "id", fail, least=-(2**31))
        left, top, width, height = (
            _decimal(v, name, fail)
            for v, name in zip(values[2:6], ("bb_left", "bb_top", "bb_width", "bb_height"), strict=True)
        )
        score = float(_decimal(values[6], "conf", fail)) if len(values) > 6 and values[6].strip() else 1.0
        for value, name in zip(values[7:], ("x", "y", "z")[: max(0, len(values) - 7)], strict=True):
            if value.strip():
                _decimal(value, name, fail)
        # MOT counts pixels from 1 (the MOT challenge's tools are MATLAB's).
        box = _sized(left - 1, top - 1, width, height, fail)
        frames.setdefault(frame - 1, Listed()).faces.append(TrackedFace(track, box, score, 0, 0, True))
    return BoxFile(path, "MOT CSV", frames, last=max(frames, default=-1))


# -- JSON ----------------------------------------------------------------------


def _read_json(path: Path, content: str) -> BoxFile:
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: line {exc.lineno} column {exc.colno}: not valid JSON: {exc.msg}") from None

    def fail(what: str) -> UsageError:
        return UsageError(f"{path}: {what}")

    if not isinstance(data, dict) or not isinstance(data.get("frames"), list):
        raise fail('expected anonymize\'s boxes JSON: an object with a "frames" list')
    if data.get("version") != 1:
        raise fail(f"version: expected 1, got {data.get('version')!r}")
    size = None
    if "width" in data or "height" in data:
        width, height = data.get("width"), data.get("height")
        if not (_is_whole(width) and _is_whole(height) and width > 0 and height > 0):
            raise fail(f"width, height: expected two whole numbers above 0, got {width!r}, {height!r}")
        size = (width, height)
    mask_scale = data.get("mask_scale")
    if mask_scale is not None and not _is_number(mask_scale):
        raise fail(f"mask_scale: expected a number, got {mask_scale!r}")
    frames: dict[int, Listed] = {}
    for i, entry in enumerate(data["frames"]):
        place = f"frames[{i}]"
        if not isinstance(entry, dict):
            raise fail(f"{place}: expected an object, got {_json(entry)}")
        index = entry.get("frame")
        if not _is_whole(index) or index < 0:
            raise fail(f"{place}.frame: expected a frame number from 0, got {_json(index)}")
        if index in frames:
            raise fail(f"{place}: frame {index} is listed twice")
        hidden_all = entry.get("hidden_all", False)
        if not isinstance(hidden_all, bool):
            raise fail(f"{place}.hidden_all: expected true or false, got {_json(hidden_all)}")
        listed = Listed(whole=hidden_all)
        faces = entry.get("faces", [])
        if not isinstance(faces, list):
            raise fail(f"{place}.faces: expected a list, got {_json(faces)}")
        for j, face in enumerate(faces):
            where = f"{place}.faces[{j}]"
            if not isinstance(face, dict):
                raise fail(f"{where}: expected an object with a box, got {_json(face)}")
            track, score = face.get("track", 0), face.get("score", 1.0)
            if not _is_whole(track):
                raise fail(f"{where}.track: expected a whole number, got {_json(track)}")
            if not _is_number(score):
                raise fail(f"{where}.score: expected a number, got {_json(score)}")
            box = _json_box(face.get("box"), f"{where}.box", fail)
            listed.faces.append(TrackedFace(track, box, float(score), 0, 0, True))
        guarded = entry.get("guarded", [])
        if not isinstance(guarded, list):
            raise fail(f"{place}.guarded: expected a list of boxes, got {_json(guarded)}")
        listed.guarded = [_json_box(box, f"{place}.guarded[{j}]", fail) for j, box in enumerate(guarded)]
        frames[index] = listed
    shown = (i for i, listed in frames.items() if listed.faces or listed.guarded or listed.whole)
    last = max(shown, default=-1)
    covers = (min(frames), max(frames) + 1) if frames else None
    return BoxFile(
        path,
        "JSON",
        frames,
        size=size,
        covers=covers,
        last=last,
        mask_scale=float(mask_scale) if mask_scale is not None else None,
    )


def _is_whole(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _json(value: Any) -> str:
    written = json.dumps(value)
    return written if len(written) <= 40 else written[:37] + "..."


def _json_box(value: Any, where: str, fail: Callable[[str], UsageError]) -> Box:
    if not (isinstance(value, list) and len(value) == 4 and all(_is_number(v) for v in value)):
        raise fail(f"{where}: expected [x, y, width, height] in pixels, got {_json(value)}")
    # The shortest text of each number is what was written: read back exactly.
    x, y, w, h = (Decimal(repr(float(v))) for v in value)
    return _sized(x, y, w, h, lambda what: fail(f"{where}: {what}"))


# -- CVAT ----------------------------------------------------------------------

#: CVAT shapes that are not boxes: refused, never guessed at.
_OTHER_SHAPES = {"polygon", "polyline", "points", "cuboid", "ellipse", "mask", "skeleton"}


@dataclass
class _Key:
    """One box of a CVAT track."""

    frame: int
    outside: bool
    keyframe: bool
    corners: tuple[float, float, float, float]
    box: Box
    rotation: float
    z: int
    line: int


def _parse_xml(path: Path, data: bytes) -> tuple[ET.Element, dict[int, int]]:
    """The element tree of ``data``, and the line each element starts on (by ``id``)."""
    parser = expat.ParserCreate()
    builder = ET.TreeBuilder()
    lines: dict[int, int] = {}

    def start(tag: str, attributes: dict[str, str]) -> None:
        lines[id(builder.start(tag, attributes))] = parser.CurrentLineNumber

    def entity(name: str, *args: object) -> None:
        # Entities can expand to anything (or to billions of characters): CVAT never writes them.
        raise UsageError(f"{path}: line {parser.CurrentLineNumber}: declares the entity {name!r}: refused")

    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.EntityDeclHandler = entity
    parser.buffer_text = True
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise UsageError(
            f"{path}: line {exc.lineno}: not well-formed XML: {expat.ErrorString(exc.code)}"
        ) from None
    return builder.close(), lines


def _read_cvat(path: Path, data: bytes) -> BoxFile:
    root, lines = _parse_xml(path, data)

    def fail_at(element: ET.Element, what: str) -> UsageError:
        return UsageError(f"{path}: line {lines.get(id(element), 0)}: <{element.tag}>: {what}")

    if root.tag != "annotations":
        raise fail_at(root, "expected CVAT for video 1.1 XML, whose root is <annotations>")
    version = root.find("version")
    if version is None or (version.text or "").strip() != "1.1":
        found = "none" if version is None else repr((version.text or "").strip())
        where = version if version is not None else root
        raise fail_at(where, f"expected <version>1.1</version>, found {found}")
    image = root.find("image")
    if image is not None:
        raise fail_at(image, "this is CVAT for images: export the task as CVAT for video 1.1")
    meta = root.find("meta")
    if meta is None:
        raise fail_at(root, "no <meta>: export the task from CVAT as CVAT for video 1.1")
    holder = meta.find("task")
    if holder is None:
        holder = meta.find("job")
    if holder is None:
        raise fail_at(meta, "no <task> or <job>: export the task from CVAT as CVAT for video 1.1")

    def number(parent: ET.Element, tag: str, *, least: int = 0) -> int | None:
        element = parent.find(tag)
        if element is None or not (element.text or "").strip():
            return None
        return _whole(element.text or "", f"<{tag}>", lambda what: fail_at(element, what), least=least)

    size = number(holder, "size")
    first = number(holder, "start_frame") or 0
    if holder.tag == "task":
        if first:
            raise fail_at(holder, f"the task starts at frame {first}: make the task from the whole video")
        step = holder.find("frame_filter")
        if step is not None and (step.text or "").strip() not in ("", "step=1"):
            raise fail_at(step, f"the task takes {(step.text or '').strip()}: make the task from every frame")
        if size is None:
            raise fail_at(holder, "gives no <size> (the task's frame count): export the task from CVAT")
        end = size
    else:
        stop = number(holder, "stop_frame")
        if stop is not None:
            end = stop + 1
        elif size is not None:
            end = first + size
        else:
            raise fail_at(holder, "gives neither <stop_frame> nor <size>: export the job from CVAT")
    frame_size = None
    original = meta.find(".//original_size")
    if original is not None:
        width, height = number(original, "width", least=1), number(original, "height", least=1)
        if width is None or height is None:
            raise fail_at(original, "expected <width> and <height>")
        frame_size = (width, height)

    frames: dict[int, Listed] = {}
    ranks: dict[int, list[tuple[tuple[int, int], TrackedFace]]] = {}
    guarded: dict[int, list[tuple[tuple[int, int], Box]]] = {}
    last = -1
    for order, track in enumerate(root.findall("track")):
        label = track.get("label", "")
        kind = label.strip().casefold()
        if kind not in LABELS:
            raise fail_at(
                track,
                f"label {label!r}: anonymize reads the labels {', '.join(LABELS)} (a face, a region "
                "hidden whole, the whole frame)",
            )
        try:
            number_id = int(track.get("id", order))
        except ValueError:
            number_id = order
        other = next((element for element in track if element.tag in _OTHER_SHAPES), None)
        if other is not None:
            raise fail_at(other, "anonymize reads boxes only (rectangles): draw the face as a rectangle")
        boxes = [element for element in track if element.tag == "box"]
        keys = [_cvat_box(element, lines.get(id(element), 0), fail_at) for element in boxes]
        keyframes = sorted((k for k in keys if k.keyframe), key=lambda k: k.frame)
        for a, b in zip(keyframes, keyframes[1:], strict=False):
            if a.frame == b.frame:
                raise fail_at(track, f"two key frames on frame {a.frame} (lines {a.line} and {b.line})")
        shown = _expand(keyframes, end)
        for key in keys:
            if key.keyframe or key.outside:
                continue
            expected = shown.get(key.frame)
            if expected is None or not _close(expected[0], _upright(key)):
                raise UsageError(
                    f'{path}: line {key.line}: <box frame="{key.frame}" keyframe="0">: not where the '
                    "track's key frames put it, and CVAT ignores boxes that are not key frames: make "
                    'it one (keyframe="1") or remove it'
                )
        for key in keyframes:
            if not key.outside:
                last = max(last, key.frame)
        for frame, (box, z) in shown.items():
            listed = frames.setdefault(frame, Listed())
            if kind == FACE:
                ranks.setdefault(frame, []).append(((z, order), TrackedFace(number_id, box, 1.0, 0, 0, True)))
            elif kind == MOTION:
                guarded.setdefault(frame, []).append(((z, order), box))
            else:
                assert kind == WHOLE_FRAME.casefold()
                listed.whole = True
    # Each frame hides its boxes in the order z_order gives (then the order of the tracks).
    for frame, ranked in ranks.items():
        frames[frame].faces = [face for _, face in sorted(ranked, key=lambda item: item[0])]
    for frame, ranked_boxes in guarded.items():
        frames[frame].guarded = [box for _, box in sorted(ranked_boxes, key=lambda item: item[0])]
    return BoxFile(path, "CVAT XML", frames, size=frame_size, covers=(first, end), last=last)


def _cvat_box(element: ET.Element, line: int, fail_at: Callable[[ET.Element, str], UsageError]) -> _Key:
    def fail(what: str) -> UsageError:
        return fail_at(element, what)

    def flag(name: str, default: str) -> bool:
        value = element.get(name, default).strip()
        if value not in ("0", "1"):
            raise fail(f"{name}: expected 0 or 1, got {value!r}")
        return value == "1"

    for name in ("frame", "xtl", "ytl", "xbr", "ybr"):
        if name not in element.attrib:
            raise fail(f"has no {name}")
    frame = _whole(element.get("frame", ""), "frame", fail, least=0)
    xtl, ytl, xbr, ybr = (_decimal(element.get(n, ""), n, fail) for n in ("xtl", "ytl", "xbr", "ybr"))
    rotation = float(_decimal(element.get("rotation", "0"), "rotation", fail))
    z = _whole(element.get("z_order", "0"), "z_order", fail, least=-(2**31))
    box = _sized(xtl, ytl, xbr - xtl, ybr - ytl, fail)
    return _Key(
        frame,
        flag("outside", "0"),
        flag("keyframe", "1"),
        (float(xtl), float(ytl), float(xbr), float(ybr)),
        box,
        rotation,
        z,
        line,
    )


def _expand(keyframes: list[_Key], end: int) -> dict[int, tuple[Box, int]]:
    """Where a track's box is on each frame it is shown, as CVAT shows it: each key frame as it is,
    linear between two key frames, until an ``outside`` key frame, and on to ``end`` after the
    last key frame unless that is ``outside``."""
    shown: dict[int, tuple[Box, int]] = {}
    for i, key in enumerate(keyframes):
        if key.outside:
            continue
        shown[key.frame] = (_upright(key), key.z)
        if i + 1 < len(keyframes):
            following = keyframes[i + 1]
            for frame in range(key.frame + 1, following.frame):
                shown[frame] = (_between(key, following, frame), key.z)
        else:
            for frame in range(key.frame + 1, end):
                shown[frame] = (_upright(key), key.z)
    return shown


def _between(a: _Key, b: _Key, frame: int) -> Box:
    """The box of frame ``frame`` between key frames ``a`` and ``b``, as CVAT interpolates it."""
    offset = (frame - a.frame) / (b.frame - a.frame)
    xtl, ytl, xbr, ybr = (p + (q - p) * offset for p, q in zip(a.corners, b.corners, strict=True))
    turn = ((b.rotation - a.rotation + 180) % 360) - 180
    rotation = (a.rotation + turn * offset + 360) % 360
    return _hull(Box(xtl, ytl, xbr - xtl, ybr - ytl), rotation)


def _upright(key: _Key) -> Box:
    return _hull(key.box, key.rotation)


def _hull(box: Box, rotation: float) -> Box:
    """The upright rectangle around ``box`` turned by ``rotation`` degrees about its centre."""
    if rotation % 360 == 0:
        return box
    angle = math.radians(rotation)
    cos, sin = abs(math.cos(angle)), abs(math.sin(angle))
    w, h = box.w * cos + box.h * sin, box.w * sin + box.h * cos
    return Box.from_centre(box.cx, box.cy, w, h)


def _close(a: Box, b: Box) -> bool:
    return all(
        abs(p - q) <= INTERPOLATION_TOLERANCE
        for p, q in zip((a.x, a.y, a.x + a.w, a.y + a.h), (b.x, b.y, b.x + b.w, b.y + b.h), strict=True)
    )
