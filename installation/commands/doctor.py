"""``installation doctor``: is this machine ready to run the room? One line per check
(:mod:`installation.doctor`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from installation.config import default_config_path
from installation.doctor import FAIL, WARN, run_checks


def doctor_command(args: argparse.Namespace) -> int:
    failed = warned = 0
    for check in run_checks(args.config, timeout=args.timeout):
        print(check, flush=True)
        failed += check.status == FAIL
        warned += check.status == WARN
    print(f"{failed} failed, {warned} warnings" if failed or warned else "all checks passed")
    return 1 if failed else 0


def register(subparsers: Any) -> None:
    """Add ``doctor`` to the ``installation`` command's sub-parsers."""
    p = subparsers.add_parser(
        "doctor",
        help="check this machine: packages, models, cameras, panel, displays, fonts, disk",
        description="Check that this machine can run the room; one line per check with OK, WARN or FAIL "
        "and what to do. Exits with 1 when any check fails.",
    )
    p.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help=f"the config to check against (default: {default_config_path()})",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=3.0,
        metavar="SECONDS",
        help="how long a camera or the panel may take to answer (default: 3)",
    )
    p.set_defaults(func=doctor_command)
