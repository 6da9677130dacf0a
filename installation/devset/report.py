"""Leaks per condition on the rendered development set, for both ways the installation hides faces.

    python -m installation.devset.report [--part report] [--paths anonymize,live] [--json]
    installation bench --devset [--part report] [--paths anonymize,live]

Every rendered clip is run through two paths: ``anonymize`` (what
``installation anonymize`` runs: detection ahead of the output, every other
frame) and ``live`` (``Processor.process`` on every frame, built as the room
builds a camera). Every face-frame is scored with the leak measure of
:mod:`installation.leak` at its ground-truth box, and every frame for
collateral damage. The figures are split by light (normal, dim,
compressed), by camera motion, by face size band and by whether the face
wears a mask.

Columns:

- *face-frames*: faces scored (some part in the frame), summed over frames.
- *leaked*: of those, how many the output still shows (leak score at or
  above the threshold), as a count and a percentage.
- *worst run*: the longest run of consecutive leaked frames of one face, for
  faces of 24 px and more: how long a face flashes through at worst.
- *collateral*: the mean share of the picture outside every true face (each
  face box grown 1.6 times) whose grey level, lightly smoothed, changed by
  more than 8 grey levels; a frame hidden whole counts as 100 %.
- *hidden whole*: the share of frames the pipeline hid whole (failing closed).
- *fps*: frames per second of the path itself (decoding and encoding included
  for ``anonymize``; the scoring is left out).

Size-band and mask rows count faces, which a frame may hold several of, so
their frame columns are left empty.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from installation.detect.blazeface import DEFAULT_THRESHOLD
from installation.devset.camera import BAND_NAMES, LIGHTS, MOTIONS, band_name
from installation.effects import Effect
from installation.errors import UsageError
from installation.frames import Processed
from installation.geometry import Box
from installation.groundtruth import GroundTruth, load_ground_truth
from installation.leak import LEAK_THRESHOLD, leak_score

PATHS = ("anonymize", "live")
#: True face boxes are grown by this before collateral is counted outside them.
FACE_MARGIN = 1.6
#: Grey levels a (smoothed) pixel must change by to count as damaged.
COLLATERAL_LEVELS = 8
COLLATERAL_SIGMA = 1.5
#: Faces smaller than this are left out of the worst flash-through run.
RUN_MIN_PX = 24.0


@dataclass(frozen=True)
class DetectorChoice:
    """How both paths find faces: the one place a run's detector settings are made.

    ``detector`` None takes the defaults a user gets: the room's detector for
    the live path, ``installation anonymize``'s for the anonymize path.
    ``small_faces`` adds tiles to BlazeFace members (None: each path's default, as for
    ``detector``: a room camera's config has none, ``installation anonymize`` has them).
    """

    detector: str | None = None
    small_faces: bool | None = None
    threshold: float = DEFAULT_THRESHOLD
    detect_every: int | None = None

    def camera(self, truth: GroundTruth, video: Path) -> Any:
        """A room camera's config for the clip (for the live path)."""
        from installation.config import CameraConfig
        from installation.detect import ROOM_DETECTOR

        return CameraConfig(
            source=str(video),
            name=truth.clip,
            detector=self.detector or ROOM_DETECTOR,
            small_faces=bool(self.small_faces),
            threshold=self.threshold,
            detect_every=self.detect_every or 1,
        )

    def anonymize_options(self, truth: GroundTruth) -> dict[str, Any]:
        """Keyword arguments of :func:`installation.anonymize.anonymize_file`."""
        from installation.detect import ANONYMIZE_DETECTOR, ANONYMIZE_SMALL_FACES

        options: dict[str, Any] = {
            "detector": self.detector or ANONYMIZE_DETECTOR,
            "small_faces": ANONYMIZE_SMALL_FACES if self.small_faces is None else self.small_faces,
            "threshold": self.threshold,
        }
        if self.detect_every:
            options["detect_every"] = self.detect_every
        return options


#: How much of a face the frame shows: ``whole`` (at least :data:`WHOLE_SHARE` of its box),
#: ``sliver`` (under :data:`SLIVER_SHARE`: a strip of hair, an ear or a cheek at the edge), ``cut``
#: between. A leaked sliver still counts as a leak; the row says how much of a band's leaks are.
VIEWS = ("whole", "cut", "sliver")
WHOLE_SHARE = 0.9
SLIVER_SHARE = 0.25


def view_name(inside: float) -> str:
    """The part of the frame's view a face with ``inside`` of its box in the frame falls in.

    >>> view_name(1.0), view_name(0.5), view_name(0.03)
    ('whole', 'cut', 'sliver')
    """
    if inside >= WHOLE_SHARE:
        return "whole"
    return "cut" if inside >= SLIVER_SHARE else "sliver"


@dataclass(frozen=True)
class FaceFrame:
    """One face in one frame, scored."""

    clip: str
    track: int
    frame: int
    height: float
    leaked: bool
    light: str
    motion: str
    masked: bool = False
    #: The share of the face's box inside the frame.
    inside: float = 1.0

    @property
    def band(self) -> str:
        return band_name(self.height)

    @property
    def view(self) -> str:
        return view_name(self.inside)


@dataclass(frozen=True)
class FrameScore:
    """One frame, scored for collateral."""

    clip: str
    frame: int
    collateral: float
    hidden_all: bool
    light: str
    motion: str


@dataclass
class PathRun:
    """Everything one path made of the clips."""

    path: str
    faces: list[FaceFrame] = field(default_factory=list)
    frames: list[FrameScore] = field(default_factory=list)
    #: Seconds the path itself took, per clip.
    seconds: dict[str, float] = field(default_factory=dict)
    #: False when scored from output videos alone, which do not say which frames were hidden whole.
    hidden_known: bool = True


def collateral(
    original: np.ndarray, output: np.ndarray, faces: Iterable[Box], *, hidden_all: bool = False
) -> float:
    """The share of pixels outside every true face (grown 1.6x) that the output changed visibly.

    >>> img = np.full((40, 60, 3), 100, np.uint8)
    >>> collateral(img, img, [Box(10, 10, 10, 10)]), collateral(img, img, [], hidden_all=True)
    (0.0, 1.0)
    """
    if hidden_all:
        return 1.0
    changed, total = changed_outside(original, output, faces)
    return float(changed.sum()) / total if total else 0.0


def changed_outside(original: np.ndarray, output: np.ndarray, faces: Iterable[Box]) -> tuple[np.ndarray, int]:
    """The pixels outside every true face (grown 1.6x) that the output changed visibly (a boolean
    mask), and how many pixels lie outside the faces."""
    h, w = original.shape[:2]
    outside = np.ones((h, w), bool)
    for box in faces:
        x0, y0, x1, y1 = box.scaled(FACE_MARGIN).pixel_bounds(w, h)
        outside[y0:y1, x0:x1] = False

    def smooth(image: np.ndarray) -> np.ndarray:
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
        return cv2.GaussianBlur(grey.astype(np.float32), (0, 0), COLLATERAL_SIGMA)

    changed = np.abs(smooth(original) - smooth(output)) > COLLATERAL_LEVELS
    return changed & outside, int(outside.sum())


def longest_leak_run(faces: Iterable[FaceFrame], min_px: float = RUN_MIN_PX) -> int:
    """The longest run of consecutive frames in which one face (clip and track) leaked.

    Only face-frames of at least ``min_px`` count; a frame where the face is
    absent, smaller or hidden ends the run.

    >>> leaks = [1, 1, 0, 1, 1, 1]
    >>> rows = [FaceFrame("c", 1, i, 40, leaked, "normal", "still") for i, leaked in enumerate(leaks)]
    >>> longest_leak_run(rows)
    3
    """
    by_face: dict[tuple[str, int], list[int]] = defaultdict(list)
    for f in faces:
        if f.leaked and f.height >= min_px:
            by_face[(f.clip, f.track)].append(f.frame)
    best = 0
    for frames in by_face.values():
        frames.sort()
        run = 0
        for i, index in enumerate(frames):
            run = run + 1 if i and index == frames[i - 1] + 1 else 1
            best = max(best, run)
    return best


@dataclass
class Row:
    """One line of the report."""

    group: str
    value: str
    face_frames: int
    leaked: int
    worst_run: int
    collateral: float | None = None
    hidden_whole: float | None = None
    fps: float | None = None

    @property
    def leak_rate(self) -> float:
        return self.leaked / self.face_frames if self.face_frames else 0.0

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["leak_rate"] = round(self.leak_rate, 4)
        for key in ("collateral", "hidden_whole", "fps"):
            if d[key] is not None:
                d[key] = round(d[key], 4)
        return d


def summarise(run: PathRun) -> list[Row]:
    """The report's rows for one path: in total, then per light, motion, size band, mask and how
    much of the face the frame shows (and of each size band, the slivers)."""
    rows = []

    def row(
        group: str,
        value: str,
        face_pred: Callable[[FaceFrame], bool],
        frame_pred: Callable[[FrameScore], bool] | None,
    ) -> None:
        faces = [f for f in run.faces if face_pred(f)]
        r = Row(group, value, len(faces), sum(f.leaked for f in faces), longest_leak_run(faces))
        if frame_pred is not None:
            frames = [f for f in run.frames if frame_pred(f)]
            if not frames and not faces:
                return
            if frames:
                r.collateral = float(np.mean([f.collateral for f in frames]))
                r.hidden_whole = sum(f.hidden_all for f in frames) / len(frames) if run.hidden_known else None
                clips = {f.clip for f in frames}
                seconds = sum(run.seconds.get(c, 0.0) for c in clips)
                count = sum(1 for f in run.frames if f.clip in clips)
                r.fps = count / seconds if seconds > 0 else None
        elif not faces:
            return
        rows.append(r)

    row("total", "all", lambda f: True, lambda f: True)
    for light in LIGHTS:
        row("light", light, _has("light", light), _has("light", light))
    # The goals are set for these bands: no leak of a face of 48 px or more in normal light, at most
    # a tenth of the faces of 24-192 px in dim light.
    for light in LIGHTS:
        row("light, >=48 px", light, _lit_between(light, 48.0, math.inf), None)
        row("light, 24-192 px", light, _lit_between(light, 24.0, 192.0), None)
    for motion in MOTIONS:
        row("motion", motion, _has("motion", motion), _has("motion", motion))
    for band in BAND_NAMES:
        row("size", band, _has("band", band), None)
    for masked in (False, True):
        row("masked", "yes" if masked else "no", _has("masked", masked), None)
    for view in VIEWS:
        row("in view", view, _has("view", view), None)
    for band in BAND_NAMES:
        # Where the large faces' leaks are: a zoom or a tilt leaves slivers of them at the edges.
        row(f"{band}, in view", "sliver", _sliver_of(band), None)
    return rows


def _lit_between(light: str, low: float, high: float) -> Callable[[FaceFrame], bool]:
    """A predicate: true for a face in ``light`` at least ``low`` and under ``high`` pixels high."""
    return lambda face: face.light == light and low <= face.height < high


def _sliver_of(band: str) -> Callable[[FaceFrame], bool]:
    """A predicate: true for a face of size ``band`` of which the frame shows only a sliver."""
    return lambda face: face.band == band and face.view == "sliver"


def _has(attribute: str, value: object) -> Callable[[FaceFrame | FrameScore], bool]:
    """A predicate: true for a face or frame whose ``attribute`` is ``value``."""
    return lambda scored: bool(getattr(scored, attribute) == value)


# -- running the paths ---------------------------------------------------------------------


def clip_condition(video: Path) -> tuple[str, str, dict[int, bool]]:
    """``(light, motion, masked per track)`` of a rendered clip, from its JSON.

    The light is ``compressed`` when the clip was compressed, else its light.
    """
    doc = json.loads(video.with_suffix(".json").read_text(encoding="utf-8"))
    cond = doc.get("condition", {})
    light = "compressed" if cond.get("compression", "none") != "none" else str(cond.get("light", "normal"))
    masked = {int(t["track"]): bool(t.get("masked", False)) for t in doc.get("tracks", []) if "track" in t}
    return light, str(cond.get("motion", "still")), masked


class Scorer:
    """Scores frames of one clip into a :class:`PathRun`, timing itself so paths can leave it out."""

    def __init__(self, run: PathRun, truth: GroundTruth, video: Path) -> None:
        self.run, self.truth = run, truth
        self.light, self.motion, self.masked = clip_condition(video)
        self.seconds = 0.0

    def __call__(self, index: int, original: np.ndarray, output: np.ndarray, hidden_all: bool) -> None:
        t0 = time.perf_counter()
        faces = self.truth.faces(index)
        for face in faces:
            score = leak_score(original, output, face.box)
            if score is None:
                continue
            self.run.faces.append(
                FaceFrame(
                    self.truth.clip,
                    face.track_id,
                    index,
                    face.box.h,
                    score >= LEAK_THRESHOLD,
                    self.light,
                    self.motion,
                    self.masked.get(face.track_id, False),
                    1.0 - face.outside,
                )
            )
        self.run.frames.append(
            FrameScore(
                self.truth.clip,
                index,
                collateral(original, output, [f.box for f in faces], hidden_all=hidden_all),
                hidden_all,
                self.light,
                self.motion,
            )
        )
        self.seconds += time.perf_counter() - t0


def side_by_side(video: Path, output: Path) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """The frames of a clip and of an output made from it, read together until either ends:
    (index, the clip's frame, the output's)."""
    original, made = cv2.VideoCapture(str(video)), cv2.VideoCapture(str(output))
    index = 0
    try:
        while True:
            ok_a, frame_a = original.read()
            ok_b, frame_b = made.read()
            if not (ok_a and ok_b):
                return
            yield index, frame_a, frame_b
            index += 1
    finally:
        original.release()
        made.release()


def score_video(video: Path, output: Path, run: PathRun) -> int:
    """Score another tool's output video of ``video`` into ``run``; the frames scored.

    A video says nothing of what the tool meant to hide, so no frame counts
    as hidden whole (a frame hidden whole still shows as collateral). The
    two videos are read side by side until either ends; the output must keep
    the clip's size.
    """
    scorer = Scorer(run, load_ground_truth(video), video)
    scored = 0
    for index, frame_a, frame_b in side_by_side(video, output):
        scorer(index, frame_a, frame_b, False)
        scored = index + 1
    return scored


def anonymize_clip(
    video: Path,
    truth: GroundTruth,
    choice: DetectorChoice,
    effect: Effect,
    strength: float,
    on_frame: Callable[[Processed], None],
) -> float:
    """``installation anonymize`` on one clip (encoding into memory), each result handed to
    ``on_frame``; the seconds it took, ``on_frame`` included."""
    from installation.anonymize import anonymize_file

    stats = anonymize_file(
        video,
        None,
        effect=effect,
        strength=strength,
        progress=False,
        on_frame=on_frame,
        **choice.anonymize_options(truth),
    )
    return float(stats["seconds"])


def live_clip(
    video: Path,
    truth: GroundTruth,
    choice: DetectorChoice,
    effect: Effect,
    strength: float,
    on_frame: Callable[[Processed], None],
) -> float:
    """``Processor.process`` on every frame of one clip, the processor built as the room builds one,
    each result handed to ``on_frame``; the seconds the processor took."""
    from installation.config import Config
    from installation.pipeline import build_processor
    from installation.sources import open_source, read_ahead

    config = Config(cameras=[choice.camera(truth, video)])
    processor = build_processor(config.cameras[0], config)
    source = open_source(str(video))
    busy = 0.0
    try:
        for frame in read_ahead(source):
            t0 = time.perf_counter()
            out = processor.process(frame, effect, strength)
            busy += time.perf_counter() - t0
            on_frame(out)
    finally:
        source.close()
        processor.detector.close()
    return busy


def _scored(scorer: Scorer) -> Callable[[Processed], None]:
    return lambda out: scorer(out.frame.index, out.frame.image, out.image, out.hidden_all)


def run_anonymize(video: Path, run: PathRun, choice: DetectorChoice, effect: Effect, strength: float) -> None:
    """``installation anonymize`` on one clip (encoding into memory), every frame scored."""
    truth = load_ground_truth(video)
    scorer = Scorer(run, truth, video)
    seconds = anonymize_clip(video, truth, choice, effect, strength, _scored(scorer))
    run.seconds[truth.clip] = max(1e-9, seconds - scorer.seconds)


def run_live(video: Path, run: PathRun, choice: DetectorChoice, effect: Effect, strength: float) -> None:
    """``Processor.process`` on every frame of one clip, the processor built as the room builds one."""
    truth = load_ground_truth(video)
    scorer = Scorer(run, truth, video)
    run.seconds[truth.clip] = max(1e-9, live_clip(video, truth, choice, effect, strength, _scored(scorer)))


RUNNERS: dict[str, Callable[[Path, PathRun, DetectorChoice, Effect, float], None]] = {
    "anonymize": run_anonymize,
    "live": run_live,
}


def rendered_clips(folder: Path) -> list[Path]:
    """The clips in ``folder`` that have ground truth beside them."""
    return (
        sorted(p for p in folder.glob("*.mp4") if p.with_suffix(".json").is_file()) if folder.is_dir() else []
    )


def measure(
    clips: Sequence[Path],
    paths: Sequence[str] = PATHS,
    *,
    choice: DetectorChoice = DetectorChoice(),
    effect: Effect = Effect.BLUR,
    strength: float = 0.0,
    progress: Callable[[str], None] | None = None,
) -> dict[str, PathRun]:
    """Run each path over every clip; the runs, by path."""
    runs = {p: PathRun(p) for p in paths}
    for video in clips:
        for p in paths:
            if progress is not None:
                progress(f"{p}: {video.name}")
            RUNNERS[p](video, runs[p], choice, effect, strength)
    return runs


def _pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f} %"


def format_report(runs: dict[str, PathRun], title: str) -> str:
    """A markdown table per path."""
    lines = [f"## {title}", ""]
    for name, run in runs.items():
        lines += [
            f"### {name} ({len({f.clip for f in run.frames})} clips, {len(run.frames)} frames)",
            "",
            "| group | value | face-frames | leaked | leaked % | worst run | collateral "
            "| hidden whole | fps |",
            "|---|---|--:|--:|--:|--:|--:|--:|--:|",
        ]
        for r in summarise(run):
            fps = "" if r.fps is None else f"{r.fps:.1f}"
            lines.append(
                f"| {r.group} | {r.value} | {r.face_frames} | {r.leaked} | {_pct(r.leak_rate)} | "
                f"{r.worst_run} | {_pct(r.collateral)} | {_pct(r.hidden_whole)} | {fps} |"
            )
        lines.append("")
    return "\n".join(lines)


def not_rendered(folder: Path, part: str) -> UsageError:
    return UsageError(
        f"no rendered development set in {folder}: run `make devset` to fetch it, then "
        f"`python -m installation.devset.render --part {part}`"
    )


def report(
    part: str,
    paths: Sequence[str],
    *,
    as_json: bool = False,
    effect: Effect = Effect.BLUR,
    strength: float = 0.0,
    choice: DetectorChoice = DetectorChoice(),
    folder: Path | None = None,
) -> int:
    """Measure a rendered part and print the report (or JSON); the exit code.

    A part not yet filmed into the cache folder is filmed first (from the fetched photos), so
    that after ``make devset`` the benchmark is one command; a ``folder`` given is only read.
    """
    from installation.devset.render import clips_dir, render_named

    unknown = [p for p in paths if p not in PATHS]
    if unknown or not paths:
        raise UsageError(f"--paths: expected some of {', '.join(PATHS)}, got {','.join(paths)}")
    given = folder is not None
    folder = folder or clips_dir(part)
    clips = rendered_clips(folder)
    if not clips and not given and render_named(part):
        clips = rendered_clips(folder)
    if not clips:
        raise not_rendered(folder, part)
    print(
        f"development set, part '{part}' ({len(clips)} clips in {folder})"
        + ("; the tune part is what to tune on" if part == "report" else ""),
        file=sys.stderr,
    )
    started = time.perf_counter()
    runs = measure(
        clips,
        paths,
        choice=choice,
        effect=effect,
        strength=strength,
        progress=None if as_json else lambda msg: print(f"  {msg}", file=sys.stderr),
    )
    elapsed = time.perf_counter() - started
    if as_json:
        print(
            json.dumps(
                {
                    "part": part,
                    "folder": str(folder),
                    "clips": len(clips),
                    "seconds": round(elapsed, 1),
                    "effect": effect.value,
                    "strength": strength,
                    "paths": {n: [r.as_dict() for r in summarise(run)] for n, run in runs.items()},
                },
                indent=2,
            )
        )
    else:
        print(
            format_report(
                runs, f"Leaks per condition: part '{part}', {effect.value} at strength {strength:g}"
            )
        )
        print(f"measured in {elapsed:.0f} s", file=sys.stderr)
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options ``installation bench --devset`` shares with this module."""
    parser.add_argument(
        "--part",
        default="report",
        help="which part: report (default), tune, tune-s<N> (another draw of it) or sample (the two "
        "portraits); filmed from the fetched photos first if it is not yet",
    )
    parser.add_argument(
        "--paths", default=",".join(PATHS), help="comma-separated: anonymize,live (default both)"
    )
    parser.add_argument(
        "--detector",
        default=None,
        help="detector string for both paths (default: the room's for live, anonymize's for anonymize)",
    )
    parser.add_argument(
        "--detect-every",
        type=int,
        default=None,
        dest="detect_every",
        help="run detection every Nth frame (default: each path's own)",
    )


def choice_from(args: argparse.Namespace) -> DetectorChoice:
    """The detector settings a command line asks for."""
    return DetectorChoice(detector=args.detector, detect_every=args.detect_every)


def report_from(args: argparse.Namespace) -> int:
    """:func:`report` as a command line (``installation bench --devset`` or this module's) asks for it."""
    return report(
        args.part,
        [p for p in args.paths.split(",") if p],
        as_json=args.json,
        effect=Effect(args.effect),
        strength=args.strength,
        choice=choice_from(args),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m installation.devset.report", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    add_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    parser.add_argument("--effect", choices=[e.value for e in Effect if e.hides], default="blur")
    parser.add_argument(
        "--strength", type=float, default=0.0, help="effect strength (default 0: the lightest)"
    )
    args = parser.parse_args(argv)
    try:
        return report_from(args)
    except UsageError as exc:
        print(f"report: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
