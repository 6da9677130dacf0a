"""How much of what leaks ``installation audit`` finds, on a rendered part of the development set.

    PYTHONPATH=. .venv/bin/python benchmarks/audit_devset.py [--part report|tune] [--clips N] [--every N]

For every clip of the part this makes the anonymize output (``installation
anonymize CLIP -o OUT``, the command's defaults), scores every face-frame of
it with the leak measure against the clip's ground truth (as
``installation/devset/report.py`` does), and audits the output twice: with
``--original`` and without. A leaked face-frame is *found* when a suspect of
its frame lies on it (the face's centre inside the suspect's box, the two
boxes' heights within a factor of 2); every other suspect is a *false alarm*,
counted as suspects (one box in one frame) and as stretches (one place in
frames at most two apart).

Against the original the audit's detector looks at the original frames, and
without it at the anonymized ones, so each audit runs MTCNN itself.

Outputs go to a temporary folder that is removed afterwards (``--keep DIR``
keeps them there, and a second run with the same DIR reuses them).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from installation.audit import AuditReport, Suspect, audit_video  # noqa: E402
from installation.devset.report import side_by_side  # noqa: E402
from installation.geometry import Box  # noqa: E402
from installation.groundtruth import load_ground_truth  # noqa: E402
from installation.leak import LEAK_THRESHOLD, leak_score  # noqa: E402

#: Face-height bands of the leaked face-frames, as the development set's report has them.
BANDS = ((0.0, "<24"), (24.0, "24-48"), (48.0, "48-96"), (96.0, "96-192"), (192.0, ">=192"))


def band(height: float) -> str:
    name = BANDS[0][1]
    for start, label in BANDS:
        if height >= start:
            name = label
    return name


def on_face(truth: Box, suspect: Box, size: tuple[int, int]) -> bool:
    """Whether a suspect lies on a true face: the centre of the face's part inside the frame inside the
    suspect's box, their heights within 2x."""
    seen = truth.clipped(*size)
    if seen.w <= 0 or seen.h <= 0:
        return False
    inside = suspect.x <= seen.cx <= suspect.x + suspect.w and suspect.y <= seen.cy <= suspect.y + suspect.h
    return inside and 0.5 <= suspect.h / seen.h <= 2.0


def runs(suspects: Sequence[Suspect]) -> int:
    """How many stretches the suspects make: one face (overlapping boxes) in frames at most 2 apart."""
    count = 0
    recent: list[Suspect] = []
    for s in sorted(suspects, key=lambda s: s.frame):
        recent = [p for p in recent if p.frame >= s.frame - 2]
        if not any(p.box.iou(s.box) > 0.2 for p in recent):
            count += 1
        recent.append(s)
    return count


@dataclass(frozen=True)
class Leak:
    """A leaked face-frame: where, and what kind of face."""

    clip: str
    frame: int
    box: Box
    outside: float


@dataclass
class Tally:
    """One way of auditing, over all clips."""

    name: str
    leaked: int = 0
    found: int = 0
    suspects: int = 0
    false_alarms: int = 0
    false_runs: int = 0
    false_on_faces: int = 0
    frames: int = 0
    minutes: float = 0.0
    seconds: float = 0.0
    found_by_band: Counter[str] = field(default_factory=Counter)
    false_by_clip: Counter[str] = field(default_factory=Counter)

    def add(self, clip: str, report: AuditReport, leaks: list[Leak], faces: dict[int, list[Box]]) -> None:
        by_frame: dict[int, list[Suspect]] = {}
        for s in report.suspects:
            by_frame.setdefault(s.frame, []).append(s)
        self.leaked += len(leaks)
        for leak in leaks:
            if any(on_face(leak.box, s.box, report.size) for s in by_frame.get(leak.frame, [])):
                self.found += 1
                self.found_by_band[band(leak.box.h)] += 1
        leaked_at = {(leak.frame, leak.box) for leak in leaks}
        false: list[Suspect] = []
        for s in report.suspects:
            self.suspects += 1
            if any(
                on_face(box, s.box, report.size)
                for box in faces.get(s.frame, [])
                if (s.frame, box) in leaked_at
            ):
                continue
            false.append(s)
            self.false_by_clip[clip] += 1
            if any(on_face(box, s.box, report.size) for box in faces.get(s.frame, [])):
                self.false_on_faces += 1
        self.false_alarms += len(false)
        self.false_runs += runs(false)
        self.frames += report.frames
        self.minutes += report.duration / 60.0
        self.seconds += report.seconds

    @property
    def per_minute(self) -> float:
        return self.false_alarms / self.minutes if self.minutes else 0.0

    @property
    def runs_per_minute(self) -> float:
        return self.false_runs / self.minutes if self.minutes else 0.0


def leaked_face_frames(clip: Path, output: Path) -> tuple[list[Leak], dict[int, list[Box]], int]:
    """The leaked face-frames of ``output`` by the leak measure; every true face box by frame; the
    face-frames scored."""
    truth = load_ground_truth(clip)
    leaks: list[Leak] = []
    faces: dict[int, list[Box]] = {}
    scored = 0
    for index, frame_a, frame_b in side_by_side(clip, output):
        for face in truth.faces(index):
            faces.setdefault(index, []).append(face.box)
            score = leak_score(frame_a, frame_b, face.box)
            if score is None:
                continue
            scored += 1
            if score >= LEAK_THRESHOLD:
                leaks.append(Leak(truth.clip, index, face.box, face.outside))
    return leaks, faces, scored


def anonymize(clip: Path, output: Path) -> None:
    """``installation anonymize CLIP -o OUTPUT`` with the command's defaults."""
    from installation.cli import main

    if output.exists():
        return
    code = main(["anonymize", str(clip), "-o", str(output), "--no-progress"])
    if code != 0:
        raise SystemExit(f"installation anonymize {clip} failed with exit code {code}")


def run(part: str, clips: Sequence[Path], folder: Path, every: int) -> dict[str, Any]:
    from installation.audit import MIN_FACE, THRESHOLDS
    from installation.detect.mtcnn import MtcnnDetector

    tallies = {"with --original": Tally("with --original"), "without": Tally("without")}
    leaked_bands: Counter[str] = Counter()
    mostly_outside = 0
    scored_total = 0
    detector = MtcnnDetector(thresholds=THRESHOLDS, min_face=MIN_FACE)
    started = time.perf_counter()
    try:
        for clip in clips:
            output = folder / clip.name
            anonymize(clip, output)
            leaks, faces, scored = leaked_face_frames(clip, output)
            scored_total += scored
            leaked_bands.update(band(leak.box.h) for leak in leaks)
            mostly_outside += sum(leak.outside >= 0.5 for leak in leaks)
            with_original = audit_video(output, clip, every=every, detector=detector)
            alone = audit_video(output, None, every=every, detector=detector)
            tallies["with --original"].add(clip.stem, with_original, leaks, faces)
            tallies["without"].add(clip.stem, alone, leaks, faces)
            print(
                f"  {clip.stem}: {len(leaks)} leaked; suspects {len(with_original.suspects)} with "
                f"--original, {len(alone.suspects)} without ({with_original.seconds:.0f} s)",
                file=sys.stderr,
            )
    finally:
        detector.close()
    return {
        "part": part,
        "clips": len(clips),
        "every": every,
        "face_frames": scored_total,
        "leaked_by_band": dict(leaked_bands),
        "leaked_mostly_outside": mostly_outside,
        "seconds": round(time.perf_counter() - started, 1),
        "tallies": tallies,
    }


def format_table(result: dict[str, Any]) -> str:
    tallies: dict[str, Tally] = result["tallies"]
    first = next(iter(tallies.values()))
    lines = [
        f"## installation audit on the anonymize outputs of part '{result['part']}' "
        f"({result['clips']} clips, {first.frames} frames, {result['face_frames']} face-frames"
        + (f", detector on every {result['every']}th frame" if result["every"] > 1 else "")
        + ")",
        "",
        "| audit | leaked face-frames | found | found % | suspects | false alarms (stretches) "
        "| of them on hidden faces | false alarms per minute (stretches) | audit fps |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for name, t in tallies.items():
        pct = f"{100 * t.found / t.leaked:.1f} %" if t.leaked else "–"
        fps = f"{t.frames / t.seconds:.2f}" if t.seconds else "–"
        lines.append(
            f"| {name} | {t.leaked} | {t.found} | {pct} | {t.suspects} | {t.false_alarms} ({t.false_runs}) "
            f"| {t.false_on_faces} | {t.per_minute:.1f} ({t.runs_per_minute:.1f}) | {fps} |"
        )
    lines += ["", "Leaked face-frames by face height, and how many of them each audit found:", ""]
    lines += ["| face height | leaked | " + " | ".join(f"found {n}" for n in tallies) + " |"]
    lines += ["|---|--:|" + "--:|" * len(tallies)]
    bands = result["leaked_by_band"]
    for _, label in BANDS:
        if bands.get(label):
            found = " | ".join(str(t.found_by_band[label]) for t in tallies.values())
            lines.append(f"| {label} | {bands[label]} | {found} |")
    lines += [
        "",
        f"Leaked face-frames at least half outside the frame: {result['leaked_mostly_outside']}.",
        f"Measured in {result['seconds']:.0f} s (anonymize, scoring and both audits).",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    from installation.devset.render import clips_dir
    from installation.devset.report import not_rendered, rendered_clips

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--part", default="report", help="which rendered part: report (default) or tune")
    parser.add_argument("--clips", type=int, default=0, help="only the first N clips (default all)")
    parser.add_argument("--every", type=int, default=1, help="run the audit's detector on every Nth frame")
    parser.add_argument("--keep", metavar="DIR", help="keep the anonymize outputs in DIR (and reuse them)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    args = parser.parse_args(argv)
    clips = rendered_clips(clips_dir(args.part))
    if not clips:
        print(f"audit_devset: {not_rendered(clips_dir(args.part), args.part)}", file=sys.stderr)
        return 2
    if args.clips:
        clips = clips[: args.clips]
    print(f"development set, part '{args.part}': {len(clips)} clips", file=sys.stderr)
    keep = Path(args.keep) if args.keep else None
    folder = keep or Path(tempfile.mkdtemp(prefix="audit-devset-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        result = run(args.part, clips, folder, args.every)
    finally:
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        doc = dict(result)
        doc["tallies"] = {
            name: {
                "leaked": t.leaked,
                "found": t.found,
                "suspects": t.suspects,
                "false_alarms": t.false_alarms,
                "false_alarms_on_faces": t.false_on_faces,
                "false_alarms_per_minute": round(t.per_minute, 2),
                "false_alarm_stretches": t.false_runs,
                "false_alarm_stretches_per_minute": round(t.runs_per_minute, 2),
                "found_by_band": dict(t.found_by_band),
                "false_alarms_by_clip": dict(t.false_by_clip),
                "frames": t.frames,
                "seconds": round(t.seconds, 1),
            }
            for name, t in result["tallies"].items()
        }
        print(json.dumps(doc, indent=2))
    else:
        print(format_table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
