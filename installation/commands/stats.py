"""``installation stats``: the counts as tables in the terminal, a chart, a new session."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from installation.errors import UsageError
from installation.stats.plot import plot
from installation.stats.report import format_table
from installation.stats.store import DATA_DIR_ENV, StatsLog, Summary, minute_label, stats_file


def parse_since(value: str, today: date | None = None) -> datetime:
    """``--since``: a date, a date and time, or a time today.

    >>> parse_since("2024-05-01"), parse_since("2024-05-01 14:30")
    (datetime.datetime(2024, 5, 1, 0, 0), datetime.datetime(2024, 5, 1, 14, 30))
    >>> parse_since("9:05", today=date(2024, 5, 2))
    datetime.datetime(2024, 5, 2, 9, 5)
    """
    text = value.strip()
    for fmt in ("%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            pass
    for fmt in ("%H:%M", "%H:%M:%S"):
        try:
            t = datetime.strptime(text, fmt).time()
        except ValueError:
            continue
        return datetime.combine(today or date.today(), t)
    raise UsageError(
        f"--since: expected a date (2024-05-01), a date and time (2024-05-01 14:30) or a time "
        f"today (14:30), got {value!r}"
    )


def stats_command(
    args: argparse.Namespace,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    clock: Callable[[], float] = time.time,
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    path = stats_file(args.data_dir)
    log_file = StatsLog(path)
    if args.reset:
        if args.since or args.session or args.plot or args.demo:
            raise UsageError("--reset: use it on its own (show or plot the ending session first)")
        log_file.start_session(clock())
        reading = log_file.read()
        began = minute_label(clock()).replace("T", " ")
        print(
            f"Started session {reading.sessions} at {began}: a session row was appended to {path}. "
            "Nothing was deleted; `installation stats` still shows everything, "
            "`installation stats --session` only what is counted from now on.",
            file=out,
        )
        return 0
    since = parse_since(args.since) if args.since else None
    reading = log_file.read()
    for problem in reading.problems:
        print(problem, file=err)
    rows = reading.select(since=since, session=args.session, demo=args.demo)
    which = f"session {reading.sessions} of {reading.sessions}" if args.session else "all sessions"
    if since is not None:
        which += f", since {since:%Y-%m-%d %H:%M}"
    if args.demo:
        which += "; demo runs on the bundled footage only"
    print(f"Statistics from {path} ({which})", file=out)
    summary = Summary.of(rows)
    if not rows:
        print("nothing counted yet" if not path.exists() else "nothing counted in this selection", file=out)
    else:
        print(format_table(summary), file=out)
    if not args.demo:
        demo = len({r.minute for r in reading.select(since=since, session=args.session, demo=True)})
        if demo:
            print(
                f"\n(not shown: {demo} minute(s) counted on the bundled demo footage, not visitors; "
                "`installation stats --demo` shows them)",
                file=out,
            )
    if args.plot:
        if args.demo:
            plot(summary, Path(args.plot), title="Monitoring Room: the bundled demo footage")
        else:
            plot(summary, Path(args.plot))
        print(f"chart written to {args.plot}", file=out)
    return 0


def register(subparsers: Any) -> None:
    """Add ``stats`` to the ``installation`` command's sub-parsers."""
    summary = "show the anonymous statistics the room counted (faces, exposed and hidden time, controls)"
    p = subparsers.add_parser(
        "stats",
        help=summary,
        description=summary + ". Only counts are kept: no picture, face, position or person.",
    )
    p.add_argument(
        "--since",
        metavar="DATE-OR-TIME",
        help="only from then on: 2024-05-01, '2024-05-01 14:30' or 14:30 (today)",
    )
    p.add_argument("--session", action="store_true", help="only the current session (since the last --reset)")
    p.add_argument("--plot", metavar="PNG", help="also write a chart for showing at the end of a session")
    p.add_argument(
        "--demo",
        action="store_true",
        help="show what was counted on the bundled demo footage instead (left out otherwise)",
    )
    p.add_argument(
        "--reset", action="store_true", help="start a new session (appends a session row; nothing is deleted)"
    )
    p.add_argument(
        "--data-dir",
        metavar="DIR",
        default=None,
        help=f"folder of stats.csv (default: ${DATA_DIR_ENV} or the user data folder)",
    )
    p.set_defaults(func=stats_command)
