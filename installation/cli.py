"""The ``installation`` command: one subcommand per use."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from installation.errors import InstallationError
from installation.logs import LOGGED_COMMANDS, log_crash, log_to_file, setup_logging, stop_logging

# Modules that each add one or more subcommands through ``register(sub)``.
COMMANDS = (
    "installation.app",
    "installation.anonymize",
    "installation.bench",
    "installation.hardware.command",
    "installation.workshop",
    "installation.stats",
    "installation.record",
    "installation.kiosk",
    "installation.doctor",
    "installation.configtool",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="installation",
        description="Monitoring Room: on-device face detection and visitor-controlled blurring.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logged = args.command in LOGGED_COMMANDS and setup_logging() is not None
    try:
        return int(args.func(args) or 0)
    except InstallationError as exc:
        print(f"installation {args.command}: {exc}", file=sys.stderr)
        if logged:
            log_to_file(f"installation {args.command}: {exc} (exit code {exc.exit_code})")
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"installation {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if logged:
            log_crash(exc, f"installation {args.command}")
        raise
    finally:
        if logged:
            stop_logging()
