"""``installation record``: a short clip from one camera, on purpose, for use as demo footage.

The room itself never writes a frame. This command does, and only when a
facilitator runs it: one named camera, for a given number of seconds, through
the same detector, tracker and effect as the room, so faces are hidden
(blurred unless another effect is chosen). While it runs a red "recording"
mark is on screen (or, with ``--headless``, a log line every second).

An unblurred recording needs ``--unblurred`` and, after a consent reminder,
the typed words ``yes, they agreed`` at a terminal; without a terminal to
type them at, it is refused. The clip is H.264 with no audio and no
metadata, written under a temporary name and renamed when complete.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from installation.effects import Effect
from installation.errors import SourceError, UsageError
from installation.frames import Frame, Processed

if TYPE_CHECKING:
    from installation.config import CameraConfig, Config
    from installation.outputs import FrameSink

log = logging.getLogger(__name__)

#: What has to be typed to record faces unblurred.
CONSENT_PHRASE = "yes, they agreed"
CONSENT_REMINDER = (
    "An unblurred recording keeps the face of everyone the camera sees.\n"
    "Record only people who have each agreed to it, knowing what the clip is for and where it will\n"
    "be shown.\n"
    "Stop (Esc or Ctrl-C) if anyone comes into view who has not agreed.\n"
    "The file is then yours to look after: keep it safe and delete it when it is no longer needed."
)


def confirm_unblurred(stdin: TextIO | None = None, stderr: TextIO | None = None) -> None:
    """Ask for the typed consent confirmation; a ``UsageError`` unless it is given at a terminal.

    >>> import io
    >>> confirm_unblurred(io.StringIO("yes, they agreed\\n"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    installation.errors.UsageError: --unblurred: refused, ... at a terminal ...; nothing was recorded
    """
    stdin = sys.stdin if stdin is None else stdin
    stderr = sys.stderr if stderr is None else stderr
    if stdin is None or not stdin.isatty():
        raise UsageError(
            "--unblurred: refused, the consent confirmation must be typed at a terminal and "
            "input is not one; nothing was recorded"
        )
    print(CONSENT_REMINDER, file=stderr)
    prompt = f'Type "{CONSENT_PHRASE}" to record unblurred, anything else to stop: '
    print(prompt, end="", file=stderr, flush=True)
    answer = stdin.readline()
    if answer.strip().lower().rstrip(".!") != CONSENT_PHRASE:
        raise UsageError("--unblurred: not confirmed; nothing was recorded")


def find_camera(config: Config, name: str) -> CameraConfig:
    """The camera called ``name`` (case does not matter); a ``UsageError`` listing the names otherwise.

    >>> from installation.config import demo_config
    >>> find_camera(demo_config(), "kiosk").name
    'Kiosk'
    >>> find_camera(demo_config(), "Door")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    installation.errors.UsageError: --camera Door: no such camera (cameras: Corridor, Hall, Kiosk, ...)
    """
    for camera in config.cameras:
        if camera.name.lower() == name.strip().lower():
            return camera
    names = ", ".join(c.name for c in config.cameras)
    raise UsageError(f"--camera {name}: no such camera (cameras: {names})")


@dataclass
class Recorded:
    """What a recording produced."""

    path: Path
    frames: int
    seconds: float
    effect: Effect


def record_clip(
    camera: CameraConfig,
    config: Config,
    output: Path,
    *,
    seconds: float,
    effect: Effect,
    strength: float,
    preview: FrameSink | None = None,
    progress: Callable[[float, float], None] | None = None,
    started: Callable[[int, int, float], None] | None = None,
) -> Recorded:
    """Record ``seconds`` of ``camera`` through the room's pipeline with ``effect`` into ``output``.

    Every frame is processed (none skipped). A live camera that delivers
    fewer frames than its rate while the pipeline works has its last picture
    repeated, so the clip keeps real time. ``preview`` (the recording
    window) is shown each processed picture; when it raises
    ``KeyboardInterrupt`` (Esc) the clip is discarded. ``started`` is told
    the picture's width, height and frame rate once the camera has
    delivered its first frame, when recording really begins. Nothing appears
    under ``output`` unless the recording completed.
    """
    from installation.outputs import KeepingTime, Tee, VideoSink
    from installation.pipeline import build_processor, camera_transform, run_batch
    from installation.sources import open_source

    try:
        source = open_source(camera.source, name=camera.name)
    except SourceError as exc:
        raise UsageError(f"--camera {camera.name}: cannot open {camera.source}: {exc}") from None
    processor = build_processor(camera, config)
    try:
        first = source.read()
        if first is None:
            raise UsageError(f"--camera {camera.name}: no frames from {camera.source}")
        fps = source.fps
        if started is not None:
            started(first.width, first.height, fps)
        total = max(1, round(seconds * fps))
        # The clip takes the size of the first picture as turned; frames follow each other at the
        # camera's rate.
        clip = KeepingTime(VideoSink(output, fps=fps, timed=False), fps=fps, frames=total)
        last_report = -1

        def recorded(result: Processed) -> bool:
            nonlocal last_report
            written = clip.written
            if progress is not None and written >= fps and int(written / fps) != last_report:
                last_report = int(written / fps)
                progress(written / fps, total / fps)
            return written < total

        def frames() -> Iterator[Frame]:
            yield first
            while (frame := source.read()) is not None:
                yield frame

        run_batch(
            frames,
            processor,
            clip if preview is None else Tee(clip, preview),
            effect=effect,
            strength=strength,
            transform=camera_transform(camera),
            on_frame=recorded,
        )
        if clip.written < total:
            log.warning(
                "%s: the source ended after %.1f s of the %.1f asked for",
                camera.name,
                clip.written / fps,
                total / fps,
            )
    finally:
        source.close()
        processor.detector.close()
    return Recorded(output, clip.written, clip.written / fps, effect)
