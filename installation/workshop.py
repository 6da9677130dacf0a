"""``installation workshop``: the room opened up for a group and a facilitator.

Beside the feed the screen shows what the face model is actually given (the
frame shrunk to the model's small square input), the boxes it finds with
their scores, and the detection threshold as a slider that changes the live
detector, so a group can watch faces appear and disappear as it moves. An
evasion challenge times how long the visitor in front of the camera stays
unseen by the detector, and a short explanation panel says how detection
works, why the blur can fail and what the installation keeps.

This module holds the logic (explanation texts, the challenge timer, the
model's input geometry, the command); ``installation.display.workshop`` draws.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from installation.app import App, RoomOptions, add_screen_options, room_options
from installation.detect import THRESHOLD_RANGE
from installation.detect.views import ModelWindow
from installation.errors import ConfigError
from installation.geometry import Box, Detection
from installation.resources import explain_file

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from PyPI
    import tomli as tomllib

if TYPE_CHECKING:
    from installation.config import Config
    from installation.state import IndicatorState
    from installation.track import TrackedFace

log = logging.getLogger(__name__)

LANGUAGES = ("en", "zh")

# -- the explanation panel ---------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One card of the explanation panel: a title and a few lines, per language."""

    key: str
    title: dict[str, str]
    body: dict[str, str]


@dataclass(frozen=True)
class Explanation:
    """The explanation panel's cards and the workshop screen's labels."""

    sections: tuple[Section, ...]
    labels: dict[str, dict[str, str]]

    def label(self, key: str, language: str, **values: object) -> str:
        """Label ``key`` in ``language`` (English when missing), with ``{n}`` etc. filled in.

        >>> load_explanation().label("model_size", "zh", w=128, h=128)
        '128 × 128 像素'
        """
        entry = self.labels[key]
        s = entry.get(language) or entry["en"]
        return s.format(**values) if values else s

    def strings(self) -> list[str]:
        """Every text in every language (for the font subset and its test)."""
        out = [s for entry in self.labels.values() for s in entry.values()]
        for section in self.sections:
            out += list(section.title.values()) + list(section.body.values())
        return out


def load_explanation(path: str | Path | None = None) -> Explanation:
    """Read the workshop's texts: the shipped ones without ``path`` (or with an empty one), else a
    gallery's own (``[room] explain_file``). Anything missing is a ``ConfigError`` naming the file
    and the entry.

    >>> [s.key for s in load_explanation().sections]
    ['how', 'fail', 'keeps']
    """
    path = Path(path) if path else explain_file()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the workshop texts: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None

    def both(value: object, where: str) -> dict[str, str]:
        if not isinstance(value, dict) or not all(
            isinstance(value.get(lang), str) and value[lang].strip() for lang in LANGUAGES
        ):
            raise ConfigError(f"{path}: {where}: needs both an 'en' and a 'zh' text")
        return {lang: value[lang].strip() for lang in LANGUAGES}

    sections = []
    for i, entry in enumerate(data.get("section", [])):
        where = f"section[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
            raise ConfigError(f"{path}: {where}: needs a 'key'")
        title = {lang: entry.get(lang, {}).get("title") for lang in LANGUAGES}
        body = {lang: entry.get(lang, {}).get("body") for lang in LANGUAGES}
        sections.append(Section(entry["key"], both(title, f"{where}.title"), both(body, f"{where}.body")))
    if not sections:
        raise ConfigError(f"{path}: no [[section]] for the explanation panel")
    labels_doc = data.get("labels", {})
    labels = {key: both(value, f"labels.{key}") for key, value in labels_doc.items()}
    needed = {
        "workshop",
        "model_title",
        "model_size",
        "model_windows",
        "model_tiles",
        "model_found",
        "threshold",
        "challenge_title",
        "challenge_hint",
        "challenge_waiting",
        "challenge_seen",
        "challenge_unseen",
        "challenge_last",
        "challenge_best",
        "recording",
    }
    missing = sorted(needed - set(labels))
    if missing:
        raise ConfigError(f"{path}: labels.{missing[0]}: missing")
    return Explanation(tuple(sections), labels)


# -- the evasion challenge -------------------------------------------------------


class EvasionTimer:
    """How long the visitor in front of the camera has stayed unseen by the detector.

    Feed it the tracked faces of the watched camera with the time. A run
    starts when the tracker lets go of the last confirmed face, counted from
    the last frame the detector saw it (the tracker holds a face for a moment
    after a miss, so a single missed frame is no escape); it stops when the
    detector sees a confirmed face again. The longest finished run is the
    session's best; it lives in memory only. A run longer than ``max_run``
    seconds is dropped without a record: the visitor has most likely left.

    >>> from installation.track import TrackedFace
    >>> from installation.geometry import Box
    >>> face = TrackedFace(1, Box(0, 0, 50, 50), 0.9, misses=0, age=5, confirmed=True)
    >>> timer = EvasionTimer()
    >>> timer.observe([face], 10.0)
    >>> timer.observe([], 11.5)      # the tracker let go: unseen since 10.0
    >>> timer.running, timer.elapsed(12.0)
    (True, 2.0)
    >>> timer.observe([face], 14.0)  # seen again
    >>> timer.running, timer.last, timer.best
    (False, 4.0, 4.0)
    """

    def __init__(self, *, max_run: float = 120.0) -> None:
        self.max_run = max_run
        self.best: float | None = None
        self.last: float | None = None
        self._present = False
        self._last_seen: float | None = None
        self._since: float | None = None

    @property
    def running(self) -> bool:
        """True while a visitor is unseen (a run is being timed)."""
        return self._since is not None

    @property
    def present(self) -> bool:
        """True while the tracker follows a confirmed face."""
        return self._present

    def elapsed(self, now: float) -> float:
        """Seconds of the current run (0 when none runs)."""
        return max(0.0, now - self._since) if self._since is not None else 0.0

    def observe(self, faces: Sequence[TrackedFace], now: float) -> None:
        """Fold in the faces the tracker holds on the watched camera at ``now``."""
        confirmed = [f for f in faces if f.confirmed]
        if any(f.misses == 0 for f in confirmed):
            if self._since is not None:
                run = max(0.0, now - self._since)
                self.last = run
                self.best = run if self.best is None else max(self.best, run)
                self._since = None
            self._last_seen = now
            self._present = True
        elif not confirmed:
            if self._present and self._since is None:
                self._since = self._last_seen if self._last_seen is not None else now
            self._present = False
        if self._since is not None and now - self._since > self.max_run:
            self._since = None

    def reset(self) -> None:
        """Forget the current visitor (another camera, a new visitor); the best time stays."""
        self._present = False
        self._last_seen = None
        self._since = None


# -- what the model is given -------------------------------------------------------


@dataclass(frozen=True)
class ModelInput:
    """How a frame reaches the face model(s).

    ``windows`` are the pictures the detector's models are given each frame
    (:class:`~installation.detect.ModelWindow`: the part of the frame, the
    size of the picture, the model's name). ``tiles`` counts extra
    full-detail tiles a small-face detector also runs.
    """

    windows: tuple[ModelWindow, ...]
    tiles: int = 0

    @property
    def models(self) -> list[str]:
        """The models' names, each once, in order."""
        return list(dict.fromkeys(w.model for w in self.windows))


def model_input(detector: object, width: int, height: int) -> ModelInput:
    """Where and at what size ``detector`` looks at a ``width`` x ``height`` frame.

    Each detector says so itself (``model_windows``): the short-range
    BlazeFace runs overlapping square windows over a wide frame, the
    full-range one letterboxes the whole frame into its square, YuNet takes
    the whole frame at the size of each of its passes. A detector that does
    not say is shown as one whole-frame window at the frame's size.

    >>> from installation.detect import create_detector
    >>> with create_detector("short") as d:
    ...     m = model_input(d, 1280, 720)
    >>> [(w.size, w.region.x, w.region.w) for w in m.windows]
    [((128, 128), 0.0, 720.0), ((128, 128), 560.0, 720.0)]
    """
    windows_of = getattr(detector, "model_windows", None)
    if callable(windows_of):
        windows = tuple(windows_of(width, height))
    else:
        windows = (ModelWindow("face model", Box(0.0, 0.0, float(width), float(height)), (width, height)),)
    tiles_of = getattr(detector, "tiles", None)
    tiles = len(tiles_of(width, height)) if callable(tiles_of) else 0
    return ModelInput(windows, tiles)


def describe_model(model: ModelInput, words: Explanation, lang: str) -> str:
    """One line for people: each model's name and the pictures it gets, and the tiles.

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
    if model.tiles:
        text += "   " + words.label("model_tiles", lang, n=model.tiles)
    return text


def _letterbox(window: ModelWindow) -> tuple[float, float, float]:
    """Scale and offset that put the window's region inside its picture, aspect kept."""
    (tw, th), region = window.size, window.region
    scale = window.scale
    return scale, (tw - region.w * scale) / 2, (th - region.h * scale) / 2


def model_view(image: np.ndarray, model: ModelInput) -> list[np.ndarray]:
    """``image`` as the model gets it: one picture per window at its size, letterboxed in black.

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
        out.append(canvas)
    return out


def in_model(detections: Sequence[Detection], window: ModelWindow) -> list[Detection]:
    """The detections that fall in ``window``'s region, in the model picture's pixels (clipped to it).

    >>> d = Detection(Box(600, 100, 100, 100), 0.9)
    >>> square = ModelWindow("m", Box(560, 0, 720, 720), (128, 128))
    >>> [(round(r.box.x, 2), round(r.box.w, 2)) for r in in_model([d], square)]
    [(7.11, 17.78)]
    """
    scale, ox, oy = _letterbox(window)
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


# -- the live threshold ------------------------------------------------------------


def feed_detector(feed: object) -> Any | None:
    """The live detector behind a feed (a ``CameraWorker``'s processor's), or None."""
    return getattr(getattr(feed, "processor", None), "detector", None)


class Workshop:
    """What the workshop screen keeps between frames: its texts, the challenge, the threshold.

    The threshold slider sets the ``threshold`` of the watched camera's own
    detector, which applies from its next frame. Raising it makes the
    detector miss faces, which are then shown: where faces must never be
    shown (``allow_raise`` false, from ``effect.allow_exposed = false``) the
    slider only goes down from each camera's configured threshold.
    """

    #: The lowest and highest threshold the slider reaches (the range every setting shares).
    LOWEST, HIGHEST = THRESHOLD_RANGE

    def __init__(
        self,
        explanation: Explanation | None = None,
        timer: EvasionTimer | None = None,
        *,
        allow_raise: bool = True,
    ) -> None:
        self.explanation = explanation or load_explanation()
        self.timer = timer or EvasionTimer()
        self.allow_raise = allow_raise
        self._configured: dict[int, float] = {}
        self._camera: int | None = None
        self._seq: int | None = None

    def threshold(self, feed: object) -> float | None:
        detector = feed_detector(feed)
        return None if detector is None else float(detector.threshold)

    def set_threshold(self, feed: object, value: float) -> None:
        """Set the feed's live detection threshold (kept within ``LOWEST`` .. ``HIGHEST``)."""
        detector = feed_detector(feed)
        if detector is None:
            return
        configured = self._configured.setdefault(id(detector), float(detector.threshold))
        highest = self.HIGHEST if self.allow_raise else max(self.LOWEST, configured)
        detector.threshold = min(highest, max(self.LOWEST, float(value)))

    def observe(self, camera: int, seq: int, faces: Sequence[TrackedFace] | None, now: float) -> None:
        """Each drawn frame: the watched camera, its newest result's number and faces (None: no picture)."""
        if camera != self._camera:
            self.timer.reset()
            self._camera, self._seq = camera, None
        if faces is None:
            self.timer.reset()
            return
        if seq != self._seq:
            self._seq = seq
            self.timer.observe(faces, now)


# -- the command -------------------------------------------------------------------


class WorkshopApp(App):
    """The room with the workshop screen instead of the wall.

    >>> from installation.config import demo_config                          # doctest: +SKIP
    >>> WorkshopApp(demo_config(), RoomOptions(headless=True, frames=60)).run()  # doctest: +SKIP
    0
    """

    def __init__(
        self, config: Config, options: RoomOptions, *, workshop: Workshop | None = None, **kwargs: Any
    ) -> None:
        super().__init__(config, options, **kwargs)
        self.workshop = workshop or Workshop(
            load_explanation(config.room.explain_file), allow_raise=config.effect.allow_exposed
        )
        self.observers.append(self._observe)

    def start(self) -> None:
        from installation.display.workshop import WorkshopRenderer
        from installation.state import InputKind

        super().start()
        assert self.canvas is not None and self.renderer is not None
        base = self.renderer
        self.renderer = WorkshopRenderer(
            self.feeds,
            self.controls,
            workshop=self.workshop,
            size=self.canvas.get_size(),
            board=base.board,
            target_fps=base.target_fps,
            started=self.started,
            idle_seconds=self.config.room.idle_seconds,
        )
        # The feed shows the tracker's boxes: the machine's view is the point here.
        self.controls.set_show_boxes(True, InputKind.SYSTEM)
        self._present()

    def _observe(self, app: App, state: IndicatorState, now: float) -> None:
        assert self.renderer is not None
        index = self.controls.selected
        if not 0 <= index < len(self.renderer.views):
            return
        view = self.renderer.views[index]
        faces = view.processed.faces if view.ok and view.processed is not None else None
        self.workshop.observe(index, view.seq, faces, now)


#: What the workshop assumes where its config does not say: the threshold lesson shows
#: faces the model stops finding unhidden, so exposing is allowed unless the file forbids it.
WORKSHOP_DEFAULTS = {"effect.allow_exposed": True}


def workshop_command(args: argparse.Namespace) -> int:
    from installation.config import load_config

    # A workshop runs in a window (a laptop beside the facilitator's notes) unless --fullscreen.
    options = room_options(args, live=args.config is not None, windowed=True)
    config = load_config(args.config, defaults=WORKSHOP_DEFAULTS)
    app = WorkshopApp(config, options)
    if not args.no_stats:
        from installation.stats import attach_stats

        attach_stats(app)
    return app.run()


def register(subparsers: Any) -> None:
    """Add ``workshop`` to the ``installation`` command's sub-parsers."""
    summary = "open the workshop screen: what the model sees, a live threshold, the evasion challenge"
    p = subparsers.add_parser(
        "workshop", help=summary, description=summary + ". In a window unless --fullscreen."
    )
    p.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="the installation's TOML config (default: the bundled demo footage)",
    )
    add_screen_options(p, windowed=True)
    p.add_argument("--no-stats", action="store_true", help="do not count anonymous statistics for this run")
    p.set_defaults(func=workshop_command)
