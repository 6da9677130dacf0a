"""``installation bench``: speed, memory and leak rate on the bundled footage (:mod:`installation.bench`).

Runs the same pipeline as the installation, headless, over every frame of the
bundled clips and reports, per stage, the median and 95th percentile time,
end-to-end frames per second, peak memory and the leak rate against ground
truth. Nothing is written to disk: encoding is measured into memory.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from installation.effects import Effect
from installation.errors import UsageError


def register(sub: Any) -> None:
    """Add ``bench`` to the ``installation`` command's sub-parsers."""
    p = sub.add_parser(
        "bench",
        help="measure speed, memory and leak rate on the bundled footage",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--clips", nargs="*", metavar="CLIP", help="bundled clip names (default: all)")
    p.add_argument(
        "--frames",
        type=int,
        default=0,
        help="at most this many frames per clip, or per steering run (default: all)",
    )
    p.add_argument("--effect", choices=[e.value for e in Effect if e.hides], default="blur")
    p.add_argument("--strength", type=float, default=0.0, help="effect strength (default 0: the lightest)")
    p.add_argument("--display", action="store_true", help="measure the display instead (dummy video driver)")
    p.add_argument("--soak", type=float, metavar="SECONDS", help="run the demo this long and watch resources")
    p.add_argument(
        "--steer",
        action="store_true",
        help="steering instead: a digital head moved over the wide footage (leaks in view, frames hidden "
        "whole, input to view)",
    )
    p.add_argument(
        "--warmup",
        type=float,
        metavar="SECONDS",
        help="with --soak: seconds left out of the trend (default: 20 %% of it, 10 s to 5 min)",
    )
    p.add_argument(
        "--devset",
        action="store_true",
        help="leaks per condition on the rendered development set instead of the bundled footage",
    )
    from installation.devset.report import add_arguments

    add_arguments(p)
    p.set_defaults(func=bench_command)


def bench_command(args: argparse.Namespace) -> int:
    if args.display:
        from installation.display.bench import main as display_bench

        return int(display_bench(args) or 0)
    if args.steer:
        from installation.steer.bench import main as steer_bench

        return steer_bench(args)
    if args.soak:
        from installation.soak import main as soak

        return int(soak(args) or 0)
    if args.devset:
        from installation.devset.report import report_from

        return report_from(args)
    import psutil

    from installation.bench import PeakMemory, bench_clip, format_table
    from installation.groundtruth import bundled_clips

    clips = bundled_clips()
    if args.clips:
        wanted = set(args.clips)
        clips = [c for c in clips if c.stem in wanted]
        missing = wanted - {c.stem for c in clips}
        if missing:
            raise UsageError(f"--clips: no bundled clip named {', '.join(sorted(missing))}")
    results = []
    with PeakMemory() as memory:
        for clip in clips:
            if not args.json:
                print(f"measuring {clip.name} …", file=sys.stderr)
            results.append(
                bench_clip(clip, max_frames=args.frames, effect=Effect(args.effect), strength=args.strength)
            )
    if args.json:
        print(
            json.dumps(
                {
                    "clips": [r.as_dict() for r in results],
                    "peak_memory_mib": round(memory.peak_mib, 1),
                    "cpu_count": psutil.cpu_count(),
                },
                indent=2,
            )
        )
    else:
        print(format_table(results, memory.peak_mib))
    return 0
