"""``installation anonymize``: the live pipeline applied to recorded footage.

For facilitators preparing demo clips. Every frame is read in order, detected,
tracked and hidden, and written as H.264 at the input's resolution, each at
the time it has in the input (:mod:`installation.sources.footage` reads it:
footage from phones runs at a varying frame rate), upright (a phone's clip
is turned as its display matrix says, :mod:`installation.sources.upright`).
Audio is dropped unless ``--keep-audio`` is given; metadata always is
(:mod:`installation.outputs.metadata`). The output appears under its final
name only when complete.

Only some spans of the video can be written (``--only``), and some hidden
whole (``--hide-all``): :mod:`installation.spans`.

The hidden boxes can be written beside it (``--boxes-json``, ``--boxes-mot``,
``--boxes-cvat``), corrected (in CVAT, or by hand), and rendered again with
``--from-boxes``: then no detector runs and each frame hides exactly what the
file lists for it (:mod:`installation.boxfiles`,
:mod:`installation.pipeline.replay`).
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from installation.boxfiles import BoxFile
from installation.detect import (
    ANONYMIZE_DETECTOR,
    ANONYMIZE_SMALL_FACES,
    DEFAULT_THRESHOLD,
    DETECTOR_ALIASES,
    create_detector,
)
from installation.effects import Effect, MaskShape
from installation.errors import SourceError, UsageError
from installation.frames import Frame, Processed
from installation.outputs import BoxesSink, FrameSink, PreviewSink, Tee, VideoSink, Wrapped
from installation.outputs.cvat import CvatSink
from installation.outputs.mot import MotSink
from installation.outputs.video import audio_for_mp4
from installation.pipeline import Lookahead, Processor, run_batch
from installation.pipeline.exclusions import Keep, Region
from installation.pipeline.replay import Replay
from installation.sources import read_ahead
from installation.sources.footage import FootageFile
from installation.spans import Cut, CutSink, Renumbered, Span
from installation.track import Tracker

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = {".mp4", ".mov", ".mkv", ".avi", ".m4v", ".webm", ".mpg", ".mpeg", ".wmv"}

#: The smallest picture the pipeline works on: the camera-motion estimate and the guard look
#: at a copy an eighth of each side. No face fits in less.
MIN_SIDE = 8


def _too_small(src: Path, width: int, height: int, where: str) -> UsageError | None:
    if width >= MIN_SIDE and height >= MIN_SIDE:
        return None
    return UsageError(
        f"{src}: {where} is {width}x{height} pixels; anonymize needs at least "
        f"{MIN_SIDE}x{MIN_SIDE} (no face fits in less)"
    )


#: The signals that end a run as Ctrl-C does, cleaning up: a supervisor's SIGTERM, and SIGHUP
#: from a terminal or SSH session that closed.
_STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
#: Whether :func:`stop_signals` has the stop signals now.
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
def stop_signals() -> Iterator[None]:
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
    """From here a stop signal waits for :func:`release_stop_signals`: the outputs are being put
    in place, all of them or none."""
    global _holding
    _holding = _taken


def release_stop_signals() -> None:
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


def _replay(boxes: BoxFile, size: tuple[int, int], *, mask: MaskShape, mask_scale: float) -> Replay:
    """What hides the frames of a video of ``size`` from ``boxes``, once the file is checked
    against the video."""
    boxes.check_size(*size)
    if boxes.mask_scale is not None and boxes.mask_scale != mask_scale:
        log.warning(
            "%s: its boxes were hidden grown by --mask-scale %g, this render grows them by %g: "
            "give --mask-scale %g to hide the same regions",
            boxes.path,
            boxes.mask_scale,
            mask_scale,
            boxes.mask_scale,
        )
    return Replay(boxes, size=size, mask_shape=mask, mask_scale=mask_scale)


class _Shown(Wrapped):
    """The preview window as an output of one file's run: shown every picture, left open when the
    run ends (the command closes it after the last file)."""

    def finish(self) -> None:
        pass

    def close(self) -> None:
        pass

    def abort(self) -> None:
        pass


def _keep(src: Path, regions: Sequence[Region], size: tuple[int, int]) -> Keep:
    """The ``--keep`` regions on a picture of ``size``; one wholly outside it is refused."""
    width, height = size
    boxes = []
    for region in regions:
        box = region.box(width, height).clipped(width, height)
        if box.area <= 0:
            raise UsageError(f"--keep {region}: outside the picture of {src} ({width}x{height} pixels)")
        boxes.append(box)
    return Keep(boxes, size)


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
    small_faces: bool = ANONYMIZE_SMALL_FACES,
    hold: float = 1.0,
    detect_every: int = 2,
    boxes_json: Path | None = None,
    boxes_mot: Path | None = None,
    boxes_cvat: Path | None = None,
    from_boxes: BoxFile | None = None,
    keep_audio: bool = False,
    crf: int = 20,
    progress: bool = True,
    progress_bar: Any = None,
    on_frame: Any = None,
    max_frames: int = 0,
    only: Sequence[Span] = (),
    hide_all: Sequence[Span] = (),
    keep: Sequence[Region] = (),
    preview: PreviewSink | None = None,
) -> dict[str, float]:
    """Hide the faces in ``src`` and write ``dst`` (``None``: encode into memory); returns counts and timings.

    Detection runs ahead of the output (:mod:`installation.pipeline.lookahead`), on
    every ``detect_every``-th frame. ``on_frame(result)`` is called for each
    processed frame (tests and bench use it to score leaks against ground truth);
    ``max_frames`` (bench) stops after that many. ``progress_bar`` is a bar to
    advance by each frame written instead of one of its own (a folder run's,
    for all its videos). ``detector`` is a detector
    string (default :data:`~installation.detect.ANONYMIZE_DETECTOR`);
    ``detector_range`` (``short``/``full``) is its older form.

    ``boxes_json``, ``boxes_mot`` and ``boxes_cvat`` name the boxes files to
    write beside the video. With ``from_boxes`` no detector runs: each frame
    hides what that file lists for it (:class:`~installation.pipeline.replay.Replay`),
    and the detection settings are not used.

    ``only`` (spans of input time) trims the output to those spans; ``hide_all``
    hides its spans whole (:class:`~installation.spans.Cut`). The frames a hold
    before and after each ``only`` span are processed too, not written, so that
    a face entering at a span's first frame is already tracked. ``on_frame``
    then sees the results written, numbered as in the output.

    ``keep`` are regions where a still face is left untouched
    (:mod:`~installation.pipeline.exclusions`): the whole video is then searched
    before the first frame is written. Not with ``from_boxes``, which hides
    exactly what its file lists.

    ``preview`` (``--preview``) is shown every picture written; it is left open
    at the end, for the next file.
    """
    try:
        with FootageFile(src, name=str(src)) as probe:
            (width, height), fps, total, origin = probe.size, probe.fps, probe.frame_count, probe.start
            peak_fps, turn = probe.peak_fps, probe.turn
    except SourceError as exc:
        raise UsageError(f"{src}: cannot read video: {str(exc).removeprefix(f'{src}: ')}") from None
    error = _too_small(src, width, height, "the picture")
    if error is not None:
        raise error
    if not turn.upright:
        log.info("%s: stored to be shown %s: written upright, %dx%d", src, turn.description, width, height)
    if keep_audio:
        problem = audio_for_mp4(src)
        if problem is not None:
            raise UsageError(
                f"{src}: --keep-audio: {problem}; run without --keep-audio, or convert the sound first"
            )
    found = None
    processor: Lookahead | Replay | Renumbered
    replay = None
    kept = _keep(src, keep, (width, height)) if keep else None
    if kept is not None and from_boxes is not None:
        raise UsageError("--keep: not used with --from-boxes (the file says exactly what to hide)")
    if from_boxes is not None:
        processor = replay = _replay(from_boxes, (width, height), mask=mask, mask_scale=mask_scale)
    else:
        spec = detector or (DETECTOR_ALIASES[detector_range] if detector_range else ANONYMIZE_DETECTOR)
        found = create_detector(spec, threshold=threshold, small_faces=small_faces)
        # Only a caller that compares input and output needs the decoded frames kept as they were.
        # The look-ahead spans a hold in frames: count them where they come fastest.
        finder = Processor(
            found, Tracker(hold_seconds=hold), mask_shape=mask, mask_scale=mask_scale, name=src.name
        )
        processor = Lookahead(
            finder,
            detect_every=detect_every,
            fps=peak_fps,
            keep_originals=on_frame is not None,
            keep=kept,
        )
        if kept is not None:
            log.info("%s: --keep: finding every face in the video before writing the first frame", src)
    cut = None
    if only or hide_all:
        # A boxes file is read frame by frame, with no tracker to warm up: nothing around the spans.
        pad = 0.0 if from_boxes is not None else hold + 2.0 / max(1.0, peak_fps)
        cut = Cut(list(only), list(hide_all), pad=pad, fps=fps)
        if replay is not None:
            processor = Renumbered(replay, cut)
        if cut.trims and total:
            length = total / fps
            total = round(sum(max(0.0, min(s.end, length) - s.start) for s in cut.only) * fps)
    sinks: list[FrameSink] = []
    bar = progress_bar
    own_bar = None
    shown = (width, height)
    written = 0

    def each(result: Processed) -> None:
        nonlocal shown, written
        written += 1
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
                audio_cut=cut.segments if cut is not None and cut.trims else None,
            )
        )
        # Given their names before the video: should that fail, the video gets none either.
        if boxes_json is not None:
            header = {
                "input": src.name,
                "width": width,
                "height": height,
                "fps": fps,
                "mask_scale": mask_scale,
            }
            sinks.insert(0, BoxesSink(boxes_json, header, size=(width, height)))
        if boxes_mot is not None:
            sinks.insert(0, MotSink(boxes_mot, size=(width, height)))
        if boxes_cvat is not None:
            sinks.insert(0, CvatSink(boxes_cvat, src.name, (width, height)))
        if preview is not None:
            preview.begin(src.name, (total or 0) / fps)
            sinks.append(_Shown(preview))
        if progress and bar is None:
            from tqdm import tqdm

            bar = own_bar = tqdm(
                total=total, unit="frame", desc=src.name, file=sys.stderr, dynamic_ncols=True
            )

        def publishing() -> None:
            if cut is not None:
                if cut.trims and not written:
                    raise UsageError(
                        f"{src}: --only: no frame of the video lies in "
                        f"{', '.join(str(s) for s in cut.only)} (it ends at {cut.end():.2f} s)"
                    )
                for warning in cut.warnings():
                    log.warning("%s: %s", src, warning)
            if from_boxes is not None:
                # Boxes for frames the video does not have: another video's file. Nothing is published.
                try:
                    warnings = from_boxes.check_frames(written)
                except UsageError as exc:
                    if cut is None or not cut.trims:
                        raise
                    raise UsageError(
                        f"{exc} (with --only, frames are counted in the trimmed output: give the "
                        "--only spans the file was exported with)"
                    ) from None
                for warning in warnings:
                    log.warning("%s", warning)
            # All files under their names, or none: a stop signal now waits for the caller (the
            # command) to release it, once the clip is reported complete.
            _hold_stop_signals()

        sink: FrameSink = Tee(*sinks)
        if cut is not None:
            sink = CutSink(sink, cut, on_written=each)
        try:
            ran = run_batch(
                (lambda: cut.frames(_frames(src))) if cut is not None else (lambda: _frames(src)),
                processor,
                sink,
                effect=effect,
                strength=strength,
                on_frame=each if cut is None else None,
                max_frames=max_frames,
                publishing=publishing,
            )
        except SourceError as exc:
            # The reader names the file and the frame it stopped at.
            raise UsageError(str(exc)) from None
    except BaseException:
        for sink in sinks:  # what was begun before the run (the run aborts what it was given)
            sink.abort()
        raise
    finally:
        if own_bar is not None:
            own_bar.close()
        if found is not None:
            found.close()
    frames = ran.frames if cut is None else written
    elapsed = time.perf_counter() - start
    return {"frames": frames, "seconds": elapsed, "fps": frames / elapsed if elapsed else 0.0}
