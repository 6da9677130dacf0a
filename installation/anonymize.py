"""``installation anonymize``: the live pipeline applied to recorded footage.

For facilitators preparing demo clips. Every frame is read in order, detected,
tracked and hidden, and written as H.264 at the input's resolution, each at
the time it has in the input (:mod:`installation.sources.footage` reads it:
footage from phones runs at a varying frame rate). Audio and metadata are
dropped unless ``--keep-audio`` is given. The output appears under its final
name only when complete.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from installation.detect import (
    ANONYMIZE_DETECTOR,
    DEFAULT_THRESHOLD,
    DETECTOR_ALIASES,
    DETECTORS,
    THRESHOLD_RANGE,
    create_detector,
    parse_detector,
)
from installation.effects import Effect, MaskShape
from installation.errors import ConfigError, InstallationError, SourceError, UsageError
from installation.frames import Frame, Processed
from installation.outputs import BoxesSink, FrameSink, Tee, VideoSink
from installation.outputs.files import remove_stale
from installation.outputs.video import audio_for_mp4
from installation.pipeline import DETECT_EVERY_RANGE, Lookahead, Processor, run_batch
from installation.sources import read_ahead
from installation.sources.footage import FootageFile
from installation.track import HOLD_RANGE, Tracker

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = {".mp4", ".mov", ".mkv", ".avi", ".m4v", ".webm", ".mpg", ".mpeg", ".wmv"}

#: The smallest picture the pipeline works on: the camera-motion estimate and the guard look
#: at a copy an eighth of each side. No face fits in less.
MIN_SIDE = 8
#: libx264's quality scale for 8-bit video: 0 is lossless, 51 the worst.
CRF_RANGE = (0, 51)


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


def _too_small(src: Path, width: int, height: int, where: str) -> UsageError | None:
    if width >= MIN_SIDE and height >= MIN_SIDE:
        return None
    return UsageError(
        f"{src}: {where} is {width}x{height} pixels; anonymize needs at least "
        f"{MIN_SIDE}x{MIN_SIDE} (no face fits in less)"
    )


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "anonymize",
        help="hide faces in recorded video files (H.264 MP4 out)",
        description="Hide every face in recorded footage with the installation's pipeline. "
        "Writes H.264 MP4 at the input's resolution, every frame at its time in the input; "
        "audio and metadata are dropped.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="video files (several: OUTPUT is a folder)")
    p.add_argument(
        "-o", "--output", required=True, metavar="OUTPUT", help="output file, or folder for several inputs"
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
        default=DEFAULT_THRESHOLD,
        help="detection confidence threshold on YuNet's scores; BlazeFace adds 0.3 to it "
        f"(default {DEFAULT_THRESHOLD})",
    )
    p.add_argument(
        "--no-small-faces",
        dest="small_faces",
        action="store_false",
        help="BlazeFace: skip the tiled search for small distant faces (faster)",
    )
    p.add_argument(
        "--hold",
        type=float,
        default=1.0,
        help="seconds a face stays hidden before it is first and after it is last seen (default 1)",
    )
    p.add_argument(
        "--detect-every",
        type=int,
        default=2,
        metavar="N",
        help="run the detector on every Nth frame (default 2; 1 also catches a face seen on one frame only)",
    )
    p.add_argument("--boxes-json", metavar="PATH", help="write the hidden boxes per frame as JSON")
    p.add_argument("--keep-audio", action="store_true", help="copy the input's audio into the output")
    p.add_argument(
        "--crf",
        type=_crf,
        default=20,
        metavar="0-51",
        help="H.264 quality, lower is better: 0 lossless, 51 lowest (default 20)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--audit",
        action="store_true",
        help="then check each output against its input with `installation audit` (a second detector); "
        "exit code 5 when faces may still show",
    )
    p.set_defaults(func=run)


def _check_args(args: argparse.Namespace) -> list[tuple[Path, Path, Path | None]]:
    if not 0.0 <= args.strength <= 1.0:
        raise UsageError(f"--strength: expected a value from 0 to 1, got {args.strength}")
    if not 1.0 <= args.mask_scale <= 3.0:
        raise UsageError(f"--mask-scale: expected a value from 1 to 3, got {args.mask_scale}")
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
    for path in inputs:
        if path.is_dir():
            raise UsageError(
                f"{path}: is a folder, not a video file: name the videos in it "
                f"(such as {path / '*.mp4'}) and give a folder as -o"
            )
        if not path.exists():
            raise UsageError(f"{path}: no such file")
        if not path.is_file():
            raise UsageError(f"{path}: not a regular file (a pipe or a device): anonymize reads video files")
        if not os.access(path, os.R_OK):
            raise UsageError(f"{path}: not readable")
    output = Path(args.output)
    jobs: list[tuple[Path, Path, Path | None]] = []
    if len(inputs) == 1 and not output.is_dir():
        if output.suffix.lower() != ".mp4":
            raise UsageError(f"{output}: the output must be an .mp4 file (or a folder)")
        boxes = Path(args.boxes_json) if args.boxes_json else None
        jobs.append((inputs[0], output, boxes))
    else:
        if not output.is_dir():
            raise UsageError(f"{output}: with several inputs the output must be an existing folder")
        boxes_dir = Path(args.boxes_json) if args.boxes_json else None
        if boxes_dir is not None and not boxes_dir.is_dir():
            raise UsageError(f"{boxes_dir}: with several inputs --boxes-json must be an existing folder")
        for path in inputs:
            boxes = boxes_dir / f"{path.stem}.boxes.json" if boxes_dir else None
            jobs.append((path, output / f"{path.stem}.mp4", boxes))
    for _, dst, _ in jobs:
        if not dst.parent.is_dir():
            raise UsageError(f"{dst}: the folder {dst.parent} does not exist")
    _check_no_clashes(jobs)
    return jobs


def _same_file_keys(path: Path) -> set[tuple[str, str]]:
    """What identifies the file ``path`` names: its folder and its name, and, for a link, what it
    points to. Names are compared without case: USB sticks (FAT, exFAT) and macOS take x.mp4
    and X.MP4 for one file."""
    keys = {(str(path.parent.resolve()), path.name.casefold())}
    if path.is_symlink():
        target = path.resolve()
        keys.add((str(target.parent), target.name.casefold()))
    return keys


def _check_no_clashes(jobs: list[tuple[Path, Path, Path | None]]) -> None:
    """Refuse, before anything is written, a run that would write two files to one name or
    write over one of its inputs: the later one would silently replace the earlier."""
    inputs: dict[tuple[str, str], Path] = {}
    for src, _, _ in jobs:
        keys = _same_file_keys(src)
        for key in keys & inputs.keys():
            also = f" (also as {inputs[key]})" if str(inputs[key]) != str(src) else ""
            raise UsageError(f"{src}: given twice{also}")
        inputs.update(dict.fromkeys(keys, src))
    written: dict[tuple[str, str], Path] = {}
    for src, *paths in jobs:
        for path in paths:
            if path is None:
                continue
            keys = _same_file_keys(path)
            for key in keys & inputs.keys():
                raise UsageError(f"{path}: refusing to overwrite the input {inputs[key]}")
            for key in keys & written.keys():
                if written[key] is src:
                    raise UsageError(f"{path}: --boxes-json and -o name the same file")
                raise UsageError(
                    f"{written[key]} and {src} would both be written to {path}: rename one "
                    "of them, or anonymize them into different folders"
                )
            written.update(dict.fromkeys(keys, src))


#: The signals that end a run as Ctrl-C does, cleaning up: a supervisor's SIGTERM, and SIGHUP
#: from a terminal or SSH session that closed.
_STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
#: Whether :func:`_stop_signals` has the stop signals now.
_taken = False
#: While a run's outputs are put in place, a stop signal waits (the signal that came, or None).
_holding = False
_held: int | None = None


def _stop(signum: int, frame: object) -> None:
    global _held
    if _holding:
        _held = signum
        return
    raise KeyboardInterrupt


@contextmanager
def _stop_signals() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP stop the run as Ctrl-C does: what is half written is removed.

    A signal ignored when the run began stays ignored: that is how ``nohup`` keeps a run
    going after its terminal closes, and how a shell keeps Ctrl-C from background jobs.
    """
    global _taken, _holding, _held
    previous: dict[int, Any] = {}
    _holding, _held = False, None
    try:
        for sig in _STOP_SIGNALS:
            if signal.getsignal(sig) is not signal.SIG_IGN:
                previous[sig] = signal.signal(sig, _stop)
    except ValueError:  # not the main thread: signals are not ours to take
        pass
    _taken = bool(previous)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _taken, _holding, _held = False, False, None


def _hold_stop_signals() -> None:
    """From here a stop signal waits for :func:`_release_stop_signals`: the outputs are being put
    in place, all of them or none."""
    global _holding
    _holding = _taken


def _release_stop_signals() -> None:
    """A stop signal that came while held stops the run now."""
    global _holding, _held
    held, _holding, _held = _held, False, None
    if held is not None:
        raise KeyboardInterrupt


def _frames(src: Path) -> Iterator[Frame]:
    """Every frame of ``src`` in order, decoded on its own thread; the file is closed when done."""
    source = FootageFile(src, name=str(src))
    try:
        for frame in read_ahead(source):
            # A later part of the file can be smaller than its first picture.
            error = _too_small(src, frame.width, frame.height, f"frame {frame.index}")
            if error is not None:
                raise error
            yield frame
    finally:
        source.close()


def anonymize_file(
    src: Path,
    dst: Path | None,
    *,
    effect: Effect = Effect.BLUR,
    strength: float = 0.5,
    mask_scale: float = 1.3,
    mask: MaskShape = MaskShape.ELLIPSE,
    detector: str | None = None,
    detector_range: str | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    small_faces: bool = True,
    hold: float = 1.0,
    detect_every: int = 2,
    boxes_json: Path | None = None,
    keep_audio: bool = False,
    crf: int = 20,
    progress: bool = True,
    on_frame: Any = None,
    max_frames: int = 0,
) -> dict[str, float]:
    """Hide the faces in ``src`` and write ``dst`` (``None``: encode into memory); returns counts and timings.

    Detection runs ahead of the output (:mod:`installation.pipeline.lookahead`), on
    every ``detect_every``-th frame. ``on_frame(result)`` is called for each
    processed frame (tests and bench use it to score leaks against ground truth);
    ``max_frames`` (bench) stops after that many. ``detector`` is a detector
    string (default :data:`~installation.detect.ANONYMIZE_DETECTOR`);
    ``detector_range`` (``short``/``full``) is its older form.
    """
    try:
        with FootageFile(src, name=str(src)) as probe:
            (width, height), fps, total, origin = probe.size, probe.fps, probe.frame_count, probe.start
            peak_fps = probe.peak_fps
    except SourceError as exc:
        raise UsageError(f"{src}: cannot read video: {str(exc).removeprefix(f'{src}: ')}") from None
    error = _too_small(src, width, height, "the picture")
    if error is not None:
        raise error
    if keep_audio:
        problem = audio_for_mp4(src)
        if problem is not None:
            raise UsageError(
                f"{src}: --keep-audio: {problem}; run without --keep-audio, or convert the sound first"
            )
    spec = detector or (DETECTOR_ALIASES[detector_range] if detector_range else ANONYMIZE_DETECTOR)
    found = create_detector(spec, threshold=threshold, small_faces=small_faces)
    processor = Processor(
        found, Tracker(hold_seconds=hold), mask_shape=mask, mask_scale=mask_scale, name=src.name
    )
    # Only a caller that compares input and output needs the decoded frames kept as they were.
    # The look-ahead spans a hold in frames: count them where they come fastest.
    lookahead = Lookahead(
        processor, detect_every=detect_every, fps=peak_fps, keep_originals=on_frame is not None
    )
    sinks: list[FrameSink] = []
    bar = None
    shown = (width, height)

    def each(result: Processed) -> None:
        nonlocal shown
        size = (result.frame.width, result.frame.height)
        if size != shown:
            log.warning(
                "%s: the picture changes size at frame %d, from %dx%d to %dx%d: from there "
                "each frame is hidden at its own size and scaled to fit the output's %dx%d",
                src,
                result.frame.index,
                *shown,
                *size,
                width,
                height,
            )
            shown = size
        if on_frame is not None:
            on_frame(result)
        if bar is not None:
            bar.update(1)

    start = time.perf_counter()
    try:
        # Each frame at its own time (footage from phones runs at a varying rate); frames of
        # another size are scaled to fit the output.
        sinks.append(
            VideoSink(
                dst,
                fps=fps,
                size=(width, height),
                crf=crf,
                audio_from=src if keep_audio else None,
                audio_start=origin,
            )
        )
        if boxes_json is not None:
            header = {
                "input": src.name,
                "width": width,
                "height": height,
                "fps": fps,
                "mask_scale": mask_scale,
            }
            # Given its name before the video: should that fail, the video gets none either.
            sinks.insert(0, BoxesSink(boxes_json, header, size=(width, height)))
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=total, unit="frame", desc=src.name, file=sys.stderr, dynamic_ncols=True)
        try:
            ran = run_batch(
                lambda: _frames(src),
                lookahead,
                Tee(*sinks),
                effect=effect,
                strength=strength,
                on_frame=each,
                max_frames=max_frames,
                # Both files under their names, or neither: a stop signal now waits for the
                # caller (run) to release it, once the clip is reported complete.
                publishing=_hold_stop_signals,
            )
        except SourceError as exc:
            # The reader names the file and the frame it stopped at.
            raise UsageError(str(exc)) from None
    except BaseException:
        for sink in sinks:  # what was begun before the run (the run aborts what it was given)
            sink.abort()
        raise
    finally:
        if bar is not None:
            bar.close()
        found.close()
    frames = ran.frames
    elapsed = time.perf_counter() - start
    return {"frames": frames, "seconds": elapsed, "fps": frames / elapsed if elapsed else 0.0}


def run(args: argparse.Namespace) -> int:
    jobs = _check_args(args)
    folders = {dst.parent for _, dst, _ in jobs} | {boxes.parent for _, _, boxes in jobs if boxes is not None}
    for folder in sorted(folders):
        for stale in remove_stale(folder):
            log.info("removed %s, left by an earlier run that was killed", stale)
    with _stop_signals():
        for src, dst, boxes in jobs:
            try:
                stats = anonymize_file(
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
                    boxes_json=boxes,
                    keep_audio=args.keep_audio,
                    crf=args.crf,
                    progress=not args.no_progress,
                )
            except InstallationError:
                raise
            except (OSError, ValueError) as exc:
                raise UsageError(f"{src}: {exc}") from None
            print(
                f"{dst}: {stats['frames']} frames in {stats['seconds']:.1f} s ({stats['fps']:.1f} fps)",
                file=sys.stderr,
            )
            _release_stop_signals()
    if args.audit:
        from installation.audit import audit_outputs

        return audit_outputs([(src, dst) for src, dst, _ in jobs], progress=not args.no_progress)
    return 0
