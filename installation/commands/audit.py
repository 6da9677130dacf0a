"""``installation audit``: a second opinion on an anonymized video (:mod:`installation.audit`),
and ``anonymize --audit``'s check of each output it wrote."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from installation.audit import EXIT_SUSPECTS, SHEET_MAX, audit_video, write_contact_sheet
from installation.errors import UsageError


def check_sheet_path(path: str | Path, *inputs: Path | None) -> Path:
    """``--contact-sheet``: a ``.png`` in an existing folder that is none of the inputs."""
    sheet = Path(path)
    if sheet.suffix.lower() != ".png":
        raise UsageError(f"--contact-sheet {sheet}: the contact sheet is a PNG file: name it .png")
    if not sheet.parent.is_dir():
        raise UsageError(f"--contact-sheet {sheet}: the folder {sheet.parent} does not exist")
    if sheet.is_dir():
        raise UsageError(f"--contact-sheet {sheet}: is a folder")
    for given in inputs:
        if given is not None and sheet.exists() and sheet.resolve() == given.resolve():
            raise UsageError(f"--contact-sheet {sheet}: refusing to overwrite the input {given}")
    return sheet


def check_inputs(video: Path, original: Path | None) -> None:
    """The videos exist, are files, and are two different files."""
    for path in (video, original):
        if path is None:
            continue
        if not path.exists():
            raise UsageError(f"{path}: no such file")
        if not path.is_file():
            raise UsageError(f"{path}: not a video file")
    if original is not None and video.resolve() == original.resolve():
        raise UsageError(f"{video}: --original names the same file: give the video it was made from")


def run_audit(
    video: Path,
    original: Path | None,
    *,
    as_json: bool = False,
    sheet: Path | None = None,
    every: int = 1,
    progress: bool = True,
    out: Any = None,
) -> int:
    """Audit one video and print the result (a table and a summary, or JSON); the exit code."""
    out = out or sys.stdout
    check_inputs(video, original)
    if sheet is not None:
        sheet = check_sheet_path(sheet, video, original)
    report = audit_video(video, original, every=every, progress=progress)
    written = None
    if sheet is not None and report.suspects:
        written = write_contact_sheet(video, report.suspects, sheet)
    if as_json:
        doc = report.as_dict()
        doc["contact_sheet"] = str(sheet) if written is not None else None
        print(json.dumps(doc, indent=2), file=out)
    else:
        if report.suspects:
            print(report.table(), file=out)
        print(report.summary(), file=out)
        if written is not None:
            print(f"contact sheet: {sheet} ({written} of {len(report.suspects)} suspects)", file=out)
        elif sheet is not None:
            print("contact sheet: not written (no suspect)", file=out)
    return report.exit_code


def audit_outputs(pairs: Sequence[tuple[Path | None, Path]], *, progress: bool = True) -> int:
    """``anonymize --audit``: each output audited against the input it was made from (None: on its
    own, an output trimmed to some spans of it); the summaries on stdout; :data:`EXIT_SUSPECTS`
    when any output has a suspect, else 0."""
    code = 0
    for src, dst in pairs:
        report = audit_video(dst, src, progress=progress)
        print(f"audit: {report.summary()}")
        for line in report.table().splitlines()[1:6] if report.suspects else []:
            print(f"audit:   {line.strip()}")
        if len(report.suspects) > 5:
            against = f" --original {src}" if src is not None else ""
            print(f"audit:   ... (installation audit {dst}{against} lists all)")
        code = max(code, report.exit_code)
    return code


def register(sub: Any) -> None:
    """Add ``audit`` to the ``installation`` command."""
    p = sub.add_parser(
        "audit",
        help="look for faces that still show in an anonymized video",
        description="Check an anonymized video for faces whose detail survived, with a detector of "
        "another family (MTCNN) at a low threshold, small faces included. A detection is a suspect "
        "only when the leak measure says its detail survived: against the original with --original, "
        "estimated from the video alone without. Nothing is written unless --contact-sheet is given.",
        epilog=f"exit codes: 0 no suspect; {EXIT_SUSPECTS} suspects remain; 2 bad arguments or a video "
        "that cannot be read (or an original that does not match)",
    )
    p.add_argument("video", metavar="VIDEO", help="the anonymized video")
    p.add_argument(
        "--original", metavar="ORIG", help="the video it was made from: same frames, same size (better)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    p.add_argument(
        "--contact-sheet",
        metavar="PATH",
        help=f"write the suspects' crops (at most {SHEET_MAX}), cut from VIDEO only, to this PNG",
    )
    p.add_argument(
        "--every",
        type=int,
        default=1,
        metavar="N",
        help="run the detector on every Nth frame only (default 1)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")

    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return run_audit(
        Path(args.video),
        Path(args.original) if args.original else None,
        as_json=args.json,
        sheet=Path(args.contact_sheet) if args.contact_sheet else None,
        every=args.every,
        progress=not args.no_progress,
    )
