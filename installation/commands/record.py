"""``installation record``: a short clip from one camera, faces hidden, with a red mark on screen
while it records (:mod:`installation.record`)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from installation.effects import Effect
from installation.errors import UsageError
from installation.record import confirm_unblurred, find_camera, record_clip

# The recording's lines are logged under the name of the module that records, as they always were.
log = logging.getLogger("installation.record")

#: The longest clip ``--seconds`` allows.
MAX_SECONDS = 600.0


def record_command(args: argparse.Namespace) -> int:
    from installation.config import load_config
    from installation.display.screen import parse_size
    from installation.outputs import PreviewSink

    if not 0 < args.seconds <= MAX_SECONDS:
        raise UsageError(f"--seconds: expected more than 0 and at most {MAX_SECONDS:.0f}, got {args.seconds}")
    if not 0.0 <= args.strength <= 1.0:
        raise UsageError(f"--strength: expected a value from 0 to 1, got {args.strength}")
    output = Path(args.output)
    if output.suffix.lower() != ".mp4":
        raise UsageError(f"{output}: the output must be an .mp4 file")
    if output.is_dir() or not output.parent.is_dir():
        raise UsageError(
            f"{output}: the folder {output.parent} does not exist"
            if not output.parent.is_dir()
            else f"{output}: is a folder"
        )
    if args.unblurred and args.effect:
        raise UsageError("--unblurred and --effect: choose one")
    config = load_config(args.config)
    camera = find_camera(config, args.camera)
    if args.unblurred:
        confirm_unblurred()
        effect = Effect.EXPOSED
    else:
        effect = Effect(args.effect) if args.effect else config.effect.kind
        if not effect.hides:
            effect = Effect.BLUR
    how = "UNBLURRED" if effect is Effect.EXPOSED else f"faces hidden ({effect.value})"
    from installation.explanation import load_explanation

    words = load_explanation(config.room.explain_file)
    label = f"{words.label('recording', 'en')}  {words.label('recording', 'zh')}"
    size = parse_size(args.size) if args.size else None
    preview = None if args.headless else PreviewSink(label, seconds=args.seconds, size=size)

    def started(width: int, height: int, fps: float) -> None:
        # Only now, with a picture from the camera, do the log and the window say RECORDING: a
        # camera that does not open is one error line, never a recording that did not happen.
        if preview is not None:
            preview.open()
        log.info(
            "RECORDING %s (%dx%d at %g fps) for %.1f s into %s, %s",
            camera.name,
            width,
            height,
            fps,
            args.seconds,
            output,
            how,
        )

    def progress(done: float, total: float) -> None:
        log.info("RECORDING %s: %.0f of %.0f s", camera.name, done, total)

    try:
        result = record_clip(
            camera,
            config,
            output,
            seconds=args.seconds,
            effect=effect,
            strength=args.strength,
            preview=preview,
            progress=progress,
            started=started,
        )
    except KeyboardInterrupt:
        raise UsageError("recording stopped before the end; nothing was kept") from None
    finally:
        if preview is not None:
            preview.close()
    print(
        f"{result.path}: {result.frames} frames, {result.seconds:.1f} s of {camera.name}, {how}; "
        "no audio, no metadata",
        file=sys.stderr,
    )
    return 0


def register(subparsers: Any) -> None:
    """Add ``record`` to the ``installation`` command's sub-parsers."""
    summary = "record a short clip from one camera, faces hidden, for use as demo footage"
    p = subparsers.add_parser(
        "record",
        help=summary,
        description=summary + ". A red mark is on screen while it records. --unblurred needs consent typed "
        "at a terminal.",
    )
    p.add_argument("--camera", required=True, metavar="NAME", help="the camera's name in the config")
    p.add_argument("--seconds", required=True, type=float, metavar="N", help="how long to record")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="the .mp4 to write")
    p.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="the installation's TOML config (default: the bundled demo footage as cameras)",
    )
    p.add_argument(
        "--effect",
        choices=[e.value for e in Effect if e.hides],
        default=None,
        help="how faces are hidden (default: the config's effect, else blur)",
    )
    p.add_argument("--strength", type=float, default=0.5, help="0 just hides, 1 is heavy (default 0.5)")
    p.add_argument(
        "--unblurred",
        action="store_true",
        help="keep faces visible; asks for typed consent confirmation at a terminal",
    )
    p.add_argument(
        "--headless", action="store_true", help="no window: log lines instead of the on-screen mark"
    )
    p.add_argument("--size", default=None, metavar="WxH", help="window size, e.g. 960x540")
    p.set_defaults(func=record_command)
