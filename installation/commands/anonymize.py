"""``installation anonymize``: hide the faces in recorded video files (:mod:`installation.anonymize`).

The options are checked, and every output named and refused if it would write over an input or
another output, before any video is opened. A folder as input is done video by video
(:mod:`installation.anonymize_folders`), going on past one that fails.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from installation.anonymize_folders import EXIT_FAILED
from installation.detect import (
    ANONYMIZE_DETECTOR,
    ANONYMIZE_SMALL_FACES,
    DEFAULT_THRESHOLD,
    DETECTOR_ALIASES,
    DETECTORS,
    THRESHOLD_RANGE,
    parse_detector,
)
from installation.effects import Effect, MaskShape
from installation.errors import ConfigError, InstallationError, UsageError
from installation.pipeline import DETECT_EVERY_RANGE
from installation.pipeline.exclusions import regions_option
from installation.spans import spans_option
from installation.track import HOLD_RANGE

if TYPE_CHECKING:
    from installation.outputs import PreviewSink

# What a run reports is logged under the name of the module that anonymizes, as it always was.
log = logging.getLogger("installation.anonymize")

#: libx264's quality scale for 8-bit video: 0 is lossless, 51 the worst.
CRF_RANGE = (0, 51)

#: The boxes files anonymize can write: option, and the ending of each file in a folder (several
#: inputs).
BOXES_OUTPUTS = {"--boxes-json": ".boxes.json", "--boxes-mot": ".boxes.csv", "--boxes-cvat": ".boxes.xml"}
#: The options that set up detection: none of them applies to a render from a boxes file.
DETECTION_OPTIONS = {
    "--detector": "detector",
    "--range": "range",
    "--threshold": "threshold",
    "--no-small-faces": "small_faces",
    "--hold": "hold",
    "--detect-every": "detect_every",
}


class Job(NamedTuple):
    """One video to anonymize: the input, the output, and the boxes files to write (by option)."""

    src: Path
    dst: Path
    boxes: dict[str, Path]


def _crf(text: str) -> int:
    """``--crf``: a whole number in :data:`CRF_RANGE` (x264 fails on less and quietly clamps more)."""
    low, high = CRF_RANGE
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number from {low} to {high}, got {text!r}"
        ) from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"expected {low} (lossless) to {high} (lowest quality), got {value}")
    return value


def register(sub: Any) -> None:
    """Add ``anonymize`` to the ``installation`` command's sub-parsers."""
    p = sub.add_parser(
        "anonymize",
        help="hide faces in recorded video files (H.264 MP4 out)",
        description="Hide every face in recorded footage with the installation's pipeline. "
        "Writes H.264 MP4 at the input's resolution, upright, every frame at its time in the input "
        "(with --only, the spans given, one after another); audio is dropped unless --keep-audio, "
        "metadata (time, place, device) always.",
        epilog="exit codes: 0 done; 2 bad arguments or an input that cannot be read; 5 --audit found "
        f"faces that may still show; {EXIT_FAILED} a folder run in which some videos failed (the others "
        "were written; the summary lists each with its reason); 130 interrupted",
    )
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="video files (several: OUTPUT is a folder), or one folder: every video in it and its "
        "subfolders, written at the same paths under OUTPUT",
    )
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUTPUT",
        help="output file, or folder for several inputs or a folder (made if missing)",
    )
    p.add_argument("--effect", choices=[e.value for e in Effect if e.hides], default="blur")
    p.add_argument("--strength", type=float, default=0.5, help="0 just hides, 1 is heavy (default 0.5)")
    p.add_argument("--mask-scale", type=float, default=1.3, help="grow face boxes by this (default 1.3)")
    p.add_argument("--mask", choices=[m.value for m in MaskShape], default="ellipse")
    p.add_argument(
        "--detector",
        default=None,
        metavar="NAME",
        help=f"face detector: {', '.join(DETECTORS)}, or several joined by + (default {ANONYMIZE_DETECTOR})",
    )
    p.add_argument(
        "--range",
        choices=list(DETECTOR_ALIASES),
        default=None,
        help="older option: short is --detector blazeface-short, full is --detector blazeface-full",
    )
    p.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="detection confidence threshold on YuNet's scores; BlazeFace adds 0.3 to it "
        f"(default {DEFAULT_THRESHOLD})",
    )
    p.add_argument(
        "--no-small-faces",
        dest="small_faces",
        action="store_false",
        default=None,
        help="BlazeFace: skip the tiled search for small distant faces (faster)",
    )
    p.add_argument(
        "--hold",
        type=float,
        default=None,
        help="seconds a face stays hidden before it is first and after it is last seen (default 1)",
    )
    p.add_argument(
        "--detect-every",
        type=int,
        default=None,
        metavar="N",
        help="run the detector on every Nth frame (default 2; 1 also catches a face seen on one frame only)",
    )
    p.add_argument("--boxes-json", metavar="PATH", help="write the hidden boxes per frame as JSON")
    p.add_argument(
        "--boxes-mot",
        metavar="PATH",
        help="write the hidden face boxes as MOT challenge CSV (face boxes only: no motion regions, "
        "no frames hidden whole)",
    )
    p.add_argument(
        "--boxes-cvat",
        metavar="PATH",
        help="write the hidden boxes as CVAT for video 1.1 XML, to correct in CVAT (run locally)",
    )
    p.add_argument(
        "--from-boxes",
        metavar="FILE",
        help="no detection: hide exactly what FILE lists for each frame (boxes JSON, MOT CSV or CVAT "
        "XML, as the --boxes options write them), face boxes grown by --mask-scale (give the "
        "export's); frames FILE does not mention have nothing hidden",
    )
    p.add_argument(
        "--keep",
        action="append",
        metavar="x,y,w,h",
        help="leave still faces inside this rectangle untouched (a poster, a portrait; repeatable): "
        "pixels of the input, or percentages of its sides (70%%,0,30%%,50%%); a face that moves, or "
        "is ever seen outside it, stays hidden",
    )
    p.add_argument(
        "--only",
        action="append",
        metavar="START-END",
        help="write only this span of the video (repeatable; seconds or [HH:]MM:SS[.fff] from the "
        "first frame; START- to the end, -END from the start): the output is trimmed to the spans, "
        "sound too with --keep-audio",
    )
    p.add_argument(
        "--hide-all",
        action="append",
        metavar="START-END",
        help="hide this span whole, every frame of it (repeatable; times as for --only)",
    )
    p.add_argument("--keep-audio", action="store_true", help="copy the input's audio into the output")
    p.add_argument(
        "--crf",
        type=_crf,
        default=20,
        metavar="0-51",
        help="H.264 quality, lower is better: 0 lossless, 51 lowest (default 20)",
    )
    p.add_argument(
        "--preview",
        action="store_true",
        help="show the output in a window as it is made (Esc or closing it closes the window; the "
        "run goes on)",
    )
    p.add_argument(
        "--skip-existing",
        action="store_true",
        help="leave out a video whose output is already complete (and its boxes files there); "
        "what a run cut short left is done again",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--audit",
        action="store_true",
        help="then check each output against its input (on its own with --only) with `installation "
        "audit` (a second detector); exit code 5 when faces may still show",
    )
    p.set_defaults(func=anonymize_command)


def _check_readable(path: Path, what: str = "video files") -> None:
    """Refuse an input that is not a readable file, before anything is written."""
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    if not path.is_file():
        raise UsageError(f"{path}: not a regular file (a pipe or a device): anonymize reads {what}")
    if not os.access(path, os.R_OK):
        raise UsageError(f"{path}: not readable")


def _check_spans(args: argparse.Namespace) -> None:
    """``--only`` and ``--hide-all`` read into merged spans (a one-line error naming the option and
    the value otherwise)."""
    args.only = spans_option("--only", getattr(args, "only", None))
    args.hide_all = spans_option("--hide-all", getattr(args, "hide_all", None))
    args.keep = regions_option(getattr(args, "keep", None))
    if args.keep and getattr(args, "from_boxes", None):
        raise UsageError(
            "--keep: not used with --from-boxes (the file says exactly what to hide: delete the "
            "boxes of a face to keep from it)"
        )


def _check_args(args: argparse.Namespace) -> list[Job]:
    _check_spans(args)
    if not 0.0 <= args.strength <= 1.0:
        raise UsageError(f"--strength: expected a value from 0 to 1, got {args.strength}")
    if not 1.0 <= args.mask_scale <= 3.0:
        raise UsageError(f"--mask-scale: expected a value from 1 to 3, got {args.mask_scale}")
    from_boxes = Path(args.from_boxes) if getattr(args, "from_boxes", None) else None
    if from_boxes is not None:
        for option, name in DETECTION_OPTIONS.items():
            if getattr(args, name) is not None:
                raise UsageError(
                    f"{option}: not used with --from-boxes (no detector runs: the file says what to hide)"
                )
        if len(args.inputs) != 1:
            raise UsageError("--from-boxes: give one video, the one the boxes file describes")
        _check_readable(from_boxes, "boxes files")
    args.threshold = DEFAULT_THRESHOLD if args.threshold is None else args.threshold
    args.small_faces = ANONYMIZE_SMALL_FACES if args.small_faces is None else args.small_faces
    args.hold = 1.0 if args.hold is None else args.hold
    args.detect_every = 2 if args.detect_every is None else args.detect_every
    if args.range is not None:
        if args.detector is not None:
            raise UsageError("--range: give only --detector (--range is its older form)")
        args.detector = DETECTOR_ALIASES[args.range]
        print(
            f"anonymize: --range {args.range} is the older form of --detector {args.detector}",
            file=sys.stderr,
        )
    if args.detector is None:
        args.detector = ANONYMIZE_DETECTOR
    try:
        args.detector = "+".join(parse_detector(args.detector))
    except ConfigError as exc:
        raise UsageError(f"--detector: {exc}") from None
    low, high = THRESHOLD_RANGE
    if not low <= args.threshold <= high:
        raise UsageError(f"--threshold: expected a value from {low:g} to {high:g}, got {args.threshold}")
    low, high = HOLD_RANGE
    if not low <= args.hold <= high:
        raise UsageError(f"--hold: expected seconds from {low:g} to {high:g}, got {args.hold}")
    low, high = DETECT_EVERY_RANGE
    if not low <= args.detect_every <= high:
        raise UsageError(f"--detect-every: expected {low} to {high}, got {args.detect_every}")
    inputs = [Path(p) for p in args.inputs]
    output = Path(args.output)
    asked = {option: getattr(args, option[2:].replace("-", "_"), None) for option in BOXES_OUTPUTS}
    folder = _folder_input(args)
    if folder is not None:
        if from_boxes is not None:
            raise UsageError("--from-boxes: give one video, the one the boxes file describes")
        found = _folder_jobs(
            folder, output, {option: Path(value) for option, value in asked.items() if value}
        )
        _check_no_clashes(found)
        return found
    for path in inputs:
        if path.is_dir():
            raise UsageError(
                f"{path}: is a folder, not a video file: give it alone (anonymize {path} -o FOLDER), "
                f"or name the videos in it (such as {path / '*.mp4'})"
            )
        _check_readable(path)
    jobs: list[Job] = []
    if len(inputs) == 1 and not output.is_dir():
        if output.suffix.lower() != ".mp4":
            raise UsageError(f"{output}: the output must be an .mp4 file (or a folder)")
        jobs.append(Job(inputs[0], output, {option: Path(value) for option, value in asked.items() if value}))
    else:
        if not output.is_dir():
            raise UsageError(f"{output}: with several inputs the output must be an existing folder")
        folders = {option: Path(value) for option, value in asked.items() if value}
        for option, folder in folders.items():
            if not folder.is_dir():
                raise UsageError(f"{folder}: with several inputs {option} must be an existing folder")
        for path in inputs:
            boxes = {option: where / (path.stem + BOXES_OUTPUTS[option]) for option, where in folders.items()}
            jobs.append(Job(path, output / f"{path.stem}.mp4", boxes))
    for job in jobs:
        for path in (job.dst, *job.boxes.values()):
            if not path.parent.is_dir():
                raise UsageError(f"{path}: the folder {path.parent} does not exist")
    _check_no_clashes(jobs, also_read=[from_boxes] if from_boxes is not None else [])
    return jobs


def _folder_input(args: argparse.Namespace) -> Path | None:
    """The folder to anonymize, when the one input is a folder."""
    inputs = [Path(p) for p in args.inputs]
    return inputs[0] if len(inputs) == 1 and inputs[0].is_dir() else None


def _check_folder_option(path: Path, option: str, endings: set[str]) -> None:
    """With a folder as input, ``option`` names a folder (made if missing): refuse a file, and a
    missing name with a file's ending (``out.mp4``: a file was meant)."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"{path}: with a folder as input {option} must be a folder, not a file")
    if not path.exists() and path.suffix.lower() in endings:
        raise UsageError(
            f"{path}: with a folder as input {option} must be a folder (made if missing), not a file name"
        )


def _folder_jobs(folder: Path, output: Path, boxes: dict[str, Path]) -> list[Job]:
    """A job for every video in ``folder``, written at the same path under ``output`` (and its boxes
    files under the folders in ``boxes``, by option)."""
    from installation.anonymize_folders import plan_folder
    from installation.sources.video import VIDEO_EXTENSIONS

    _check_folder_option(output, "-o", set(VIDEO_EXTENSIONS))
    for option, where in boxes.items():
        _check_folder_option(where, option, {Path(BOXES_OUTPUTS[option]).suffix})
    if output.exists() and output.resolve() == folder.resolve():
        raise UsageError(f"{output}: the folder the videos are in: give another folder for the outputs")
    found = plan_folder(
        folder, output, {option: (where, BOXES_OUTPUTS[option]) for option, where in boxes.items()}
    )
    return [Job(src, dst, files) for src, dst, files in found]


def _same_file_keys(path: Path) -> set[tuple[str, str]]:
    """What identifies the file ``path`` names: its folder and its name, and, for a link, what it
    points to. Names are compared without case: USB sticks (FAT, exFAT) and macOS take x.mp4
    and X.MP4 for one file."""
    keys = {(str(path.parent.resolve()), path.name.casefold())}
    if path.is_symlink():
        target = path.resolve()
        keys.add((str(target.parent), target.name.casefold()))
    return keys


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return True  # cannot tell: taken for one


def _check_no_clashes(jobs: list[Job], also_read: list[Path] | None = None) -> None:
    """Refuse, before anything is written, a run that would write two files to one name or
    write over one of the files it reads (its inputs, and ``also_read``): the later one would
    silently replace the earlier."""
    inputs: dict[tuple[str, str], Path] = {}
    for src, _, _ in jobs:
        keys = _same_file_keys(src)
        for key in keys & inputs.keys():
            # Names alike but for case are two files where the file system tells case apart (two
            # videos in one folder); their outputs are compared below.
            if _same_file(inputs[key], src):
                also = f" (also as {inputs[key]})" if str(inputs[key]) != str(src) else ""
                raise UsageError(f"{src}: given twice{also}")
        inputs.update(dict.fromkeys(keys, src))
    for path in also_read or []:
        inputs.update(dict.fromkeys(_same_file_keys(path), path))
    written: dict[tuple[str, str], tuple[Path, str]] = {}
    for src, dst, boxes in jobs:
        for option, path in [("-o", dst), *boxes.items()]:
            keys = _same_file_keys(path)
            for key in keys & inputs.keys():
                raise UsageError(f"{path}: refusing to overwrite the input {inputs[key]}")
            for key in keys & written.keys():
                earlier, earlier_option = written[key]
                if earlier is src:
                    raise UsageError(f"{path}: {option} and {earlier_option} name the same file")
                raise UsageError(
                    f"{earlier} and {src} would both be written to {path}: rename one "
                    "of them, or anonymize them into different folders"
                )
            written.update(dict.fromkeys(keys, (src, option)))


@contextmanager
def _previewing(args: argparse.Namespace) -> Iterator[PreviewSink | None]:
    """The ``--preview`` window (None without it), open before any work begins and closed after
    the last file; refused in one line where no screen can be reached."""
    if not getattr(args, "preview", False):
        yield None
        return
    from installation.display.screen import DisplayError
    from installation.outputs import PreviewSink

    # SDL's dummy driver, asked for by name, draws nowhere on purpose (tests); SDL falling back to
    # it by itself means there is no screen, and the window is refused.
    headless = os.environ.get("SDL_VIDEODRIVER") == "dummy"
    preview = PreviewSink("", seconds=0, headless=headless, recording=False, closing_stops=False, max_fps=30)
    try:
        preview.open()
    except DisplayError as exc:
        log.debug("--preview: %s", exc)
        raise UsageError(
            "--preview: no screen to show it on; run it from the desktop session (or set DISPLAY or "
            "WAYLAND_DISPLAY), or without --preview"
        ) from None
    try:
        yield preview
    finally:
        preview.close()


def anonymize_command(args: argparse.Namespace) -> int:
    from installation.anonymize import anonymize_file, release_stop_signals, stop_signals
    from installation.anonymize_folders import already_done, run_folder
    from installation.boxfiles import read_boxes
    from installation.outputs.files import remove_stale

    jobs = _check_args(args)
    # A boxes file that cannot be read is refused before any video is opened.
    from_boxes = read_boxes(Path(args.from_boxes)) if args.from_boxes else None
    folders = {path.parent for job in jobs for path in (job.dst, *job.boxes.values())}
    for folder in sorted(folders):
        for stale in remove_stale(folder):
            log.info("removed %s, left by an earlier run that was killed", stale)

    with stop_signals(), _previewing(args) as preview:

        def anonymize(job: Job, bar: Any = None) -> dict[str, float]:
            src, dst, boxes = job
            return anonymize_file(
                src,
                dst,
                effect=Effect(args.effect),
                strength=args.strength,
                mask_scale=args.mask_scale,
                mask=MaskShape(args.mask),
                detector=args.detector,
                threshold=args.threshold,
                small_faces=args.small_faces,
                hold=args.hold,
                detect_every=args.detect_every,
                boxes_json=boxes.get("--boxes-json"),
                boxes_mot=boxes.get("--boxes-mot"),
                boxes_cvat=boxes.get("--boxes-cvat"),
                from_boxes=from_boxes,
                keep_audio=args.keep_audio,
                crf=args.crf,
                progress=not args.no_progress,
                progress_bar=bar,
                only=args.only,
                hide_all=args.hide_all,
                keep=args.keep,
                preview=preview,
            )

        videos_in = _folder_input(args)
        if videos_in is not None:
            run = run_folder(
                jobs,
                videos_in,
                anonymize,
                skip_existing=args.skip_existing,
                progress=not args.no_progress,
                after_each=release_stop_signals,
            )
            counts, *failures = run.summary()
            print(f"anonymize: {counts}", *failures, sep="\n", file=sys.stderr)
            if args.audit and run.written:
                from installation.commands.audit import audit_outputs

                # A face that may still show outranks a video not made: both are in the summary.
                # A trimmed output has other frames than its input: it is audited on its own.
                written = [(None if args.only else src, dst) for src, dst in run.written]
                return audit_outputs(written, progress=not args.no_progress) or run.exit_code
            return run.exit_code
        for job in jobs:
            src, dst, _ = job
            if args.skip_existing and already_done(job):
                print(f"{dst}: already complete, skipped", file=sys.stderr)
                continue
            try:
                stats = anonymize(job)
            except InstallationError:
                raise
            except (OSError, ValueError) as exc:
                raise UsageError(f"{src}: {exc}") from None
            print(
                f"{dst}: {stats['frames']} frames in {stats['seconds']:.1f} s ({stats['fps']:.1f} fps)",
                file=sys.stderr,
            )
            release_stop_signals()
    if args.audit:
        from installation.commands.audit import audit_outputs

        # A trimmed output has other frames than its input: it is audited on its own.
        return audit_outputs(
            [(None if args.only else job.src, job.dst) for job in jobs], progress=not args.no_progress
        )
    return 0
