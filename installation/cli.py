"""The ``installation`` command: one subcommand per use, each added by its module in
:mod:`installation.commands`."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from installation.console import capture_native_output
from installation.errors import InstallationError
from installation.logs import LOGGED_COMMANDS, log_crash, log_to_file, setup_logging, stop_logging

# Modules that each add a subcommand through ``register(sub)``, in the order ``--help`` lists them.
COMMANDS = (
    "installation.commands.run",
    "installation.commands.demo",
    "installation.commands.anonymize",
    "installation.commands.audit",
    "installation.commands.bench",
    "installation.commands.panel",
    "installation.commands.workshop",
    "installation.commands.stats",
    "installation.commands.record",
    "installation.commands.kiosk",
    "installation.commands.doctor",
    "installation.commands.config",
)

#: Exit code when whoever reads the output stops early (``installation stats | head``): what a
#: shell reports for a command ended by SIGPIPE (128 + 13), as 130 is for Ctrl-C.
EXIT_CLOSED_OUTPUT = 141


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="installation",
        description="Monitoring Room: on-device face detection and visitor-controlled blurring.",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log more detail, and what the native libraries (MediaPipe, OpenCV, FFmpeg) print",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:
        # The command line itself (not a caller with its own arguments and streams): native
        # libraries' messages go to the debug log from here on, before anything loads them and
        # before logging opens its console handler on sys.stderr.
        capture_native_output()
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader has gone (``| head`` has its lines): there is nobody left to tell, and
        # the interpreter's last flush of what is still buffered must not fail again.
        _discard_stdout()
        return EXIT_CLOSED_OUTPUT


def _discard_stdout() -> None:
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (a test's capture): nothing to flush
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logged = args.command in LOGGED_COMMANDS and setup_logging() is not None
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a reader that has gone shows up here, not at the interpreter's exit
        return code
    except InstallationError as exc:
        print(f"installation {args.command}: {exc}", file=sys.stderr)
        if logged:
            log_to_file(f"installation {args.command}: {exc} (exit code {exc.exit_code})")
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"installation {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        raise  # not a crash: see main()
    except Exception as exc:
        if logged:
            log_crash(exc, f"installation {args.command}")
        raise
    finally:
        if logged:
            stop_logging()
