"""Side by side: ``installation anonymize`` against ``deface`` on the bundled footage.

Runs our command and deface (default settings, and with ``--scale 640x360``)
in one run on the same machine, each tool once over all the clips (as it
would be run on a folder of footage), times each as a whole command, and
scores every output against its clip's ground truth with the same leak
measure (installation/leak.py).

deface needs numpy 2 and opencv-python, which clash with mediapipe, so it
lives in its own virtualenv (benchmarks/.deface-venv, created on first use).

    .venv/bin/python benchmarks/compare_deface.py [--clips kiosk hall] [--json]

With ``--devset`` it runs both tools over a rendered part of the development
set instead (installation/devset/REPORT.md), deface first and then ours,
each once as a whole command at its own defaults (ours: blur at strength
0.5, where ``installation bench --devset`` uses 0), and scores every output
video with the per-condition measures of installation/devset/report.py, so
both tables have the same rows and columns:

    .venv/bin/python benchmarks/compare_deface.py --devset [--part report|tune] [--clips N] [--scaled]

``--scaled`` adds a run of ``deface --scale 640x360``. The fps of a whole
command is given once, after the tables: one command over all clips has no
time per condition. Hidden whole is left empty: an output video does not
say which frames a tool meant to hide whole (such frames show as collateral).

Outputs go to a temporary folder that is removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import cv2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from installation.geometry import Box  # noqa: E402
from installation.groundtruth import bundled_clips, load_ground_truth  # noqa: E402
from installation.scoring import FootageScore  # noqa: E402

DEFACE_VENV = ROOT / "benchmarks" / ".deface-venv"
#: The version every figure in the README was measured against.
DEFACE_PACKAGE = "deface==1.5.0"
#: Scores that need the hidden boxes, which neither tool's video output says.
NOT_KNOWN = {"false_hidden_fraction", "hidden_to_true_ratio"}


def deface_command() -> Path:
    exe = DEFACE_VENV / "bin" / "deface"
    if not exe.exists():
        print("creating benchmarks/.deface-venv with deface …", file=sys.stderr)
        # The Python this project's own virtualenv was made from.
        base = getattr(sys, "_base_executable", None) or sys.executable
        subprocess.run([base, "-m", "venv", str(DEFACE_VENV)], check=True)
        subprocess.run([str(DEFACE_VENV / "bin" / "pip"), "install", "-q", DEFACE_PACKAGE], check=True)
    return exe


def timed(cmd: list[str], cwd: Path | None = None) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=cwd)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr.strip().splitlines()[-1:]}")
    return elapsed


def score(original: Path, output: Path, hidden_per_frame: list[list[Box]] | None = None) -> FootageScore:
    """Leak-score ``output`` against ``original`` at the ground-truth boxes."""
    truth = load_ground_truth(original)
    result = FootageScore()
    a, b = cv2.VideoCapture(str(original)), cv2.VideoCapture(str(output))
    index = 0
    while True:
        ok_a, frame_a = a.read()
        ok_b, frame_b = b.read()
        if not (ok_a and ok_b):
            break
        faces = [(f.track_id, f.box) for f in truth.frames[index]] if index < len(truth.frames) else []
        hidden = hidden_per_frame[index] if hidden_per_frame and index < len(hidden_per_frame) else []
        result.add(index, frame_a, frame_b, faces, hidden)
        index += 1
    a.release()
    b.release()
    return result


def devset(part: str, limit: int | None, scaled: bool, as_json: bool) -> int:
    """Both tools over a rendered part of the development set, scored per condition."""
    from installation.devset.render import clips_dir, render_named
    from installation.devset.report import PathRun, format_report, not_rendered, rendered_clips, score_video
    from installation.errors import UsageError

    folder = clips_dir(part)
    try:
        if not rendered_clips(folder):
            render_named(part)  # a part not yet filmed is filmed from the fetched photos first
    except UsageError as exc:
        print(f"compare_deface: {exc}", file=sys.stderr)
        return 2
    clips = rendered_clips(folder)[:limit]
    if not clips:
        print(f"compare_deface: {not_rendered(folder, part)}", file=sys.stderr)
        return 2
    deface = deface_command()
    frames = {clip.stem: len(load_ground_truth(clip).frames) for clip in clips}
    total_frames = sum(frames.values())
    runs: dict[str, PathRun] = {}
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="compare-deface-") as tmp:
        inputs, ours = Path(tmp) / "in", Path(tmp) / "ours"
        inputs.mkdir()
        ours.mkdir()
        for clip in clips:
            shutil.copy(clip, inputs / clip.name)
        copies = [str(inputs / clip.name) for clip in clips]
        beside = lambda clip: inputs / f"{clip.stem}_anonymized.mp4"  # noqa: E731
        # deface first, then ours, in turn on the same machine; ours from this checkout's code.
        tools = {"deface": ([str(deface), *copies], beside)}
        if scaled:
            tools["deface --scale 640x360"] = ([str(deface), "--scale", "640x360", *copies], beside)
        anonymize = [
            sys.executable,
            "-m",
            "installation",
            "anonymize",
            "--no-progress",
            *copies,
            "-o",
            str(ours),
        ]
        tools["installation anonymize"] = (anonymize, lambda clip: ours / clip.name)
        for name, (cmd, output_of) in tools.items():
            print(f"{name} on {len(clips)} clips ({total_frames} frames) …", file=sys.stderr)
            seconds[name] = timed(cmd, cwd=ROOT)
            print(f"  {seconds[name]:.1f} s; scoring …", file=sys.stderr)
            run = runs[name] = PathRun(name, hidden_known=False)
            for clip in clips:
                output = output_of(clip)
                scored = score_video(clip, output, run)
                output.unlink()
                if scored != frames[clip.stem]:
                    print(
                        f"  {name}: {clip.name}: {scored} frames scored of {frames[clip.stem]}",
                        file=sys.stderr,
                    )
    ours_seconds = seconds["installation anonymize"]
    title = (
        f"deface 1.5 and installation anonymize, each at its defaults, on the development set, "
        f"part '{part}' ({len(clips)} clips, {total_frames} frames)"
    )
    if as_json:
        from installation.devset.report import summarise

        print(
            json.dumps(
                {
                    "part": part,
                    "clips": len(clips),
                    "frames": total_frames,
                    "tools": {
                        name: {
                            "seconds": round(seconds[name], 2),
                            "fps": round(total_frames / seconds[name], 2),
                            "ours_times_faster": round(seconds[name] / ours_seconds, 2),
                            "rows": [r.as_dict() for r in summarise(run)],
                        }
                        for name, run in runs.items()
                    },
                },
                indent=2,
            )
        )
        return 0
    print(format_report(runs, title))
    print(side_by_side(runs))
    print("Whole command, same machine, run in turn (the fps column above is empty for that reason):")
    print()
    for name in runs:
        print(
            f"- {name}: {seconds[name]:.1f} s for {total_frames} frames, "
            f"{total_frames / seconds[name]:.2f} fps; ours is {seconds[name] / ours_seconds:.2f}x as fast"
        )
    print()
    print(
        "Ours ran at its defaults (blur, strength 0.5); `installation bench --devset` uses strength 0. "
        "deface ran at its defaults (threshold 0.2, blur, mask scale 1.3)."
    )
    return 0


def side_by_side(runs: Mapping[str, object]) -> str:
    """One table: each report row with every tool's leaked %, worst run and collateral next to each other."""
    from installation.devset.report import PathRun, summarise

    tables = {
        name: {(r.group, r.value): r for r in summarise(run)}
        for name, run in runs.items()
        if isinstance(run, PathRun)
    }
    keys = list(dict.fromkeys(k for table in tables.values() for k in table))
    names = list(tables)
    head = (
        ["group", "value", "face-frames"]
        + [f"leaked % {n}" for n in names]
        + [f"worst run {n}" for n in names]
        + [f"collateral {n}" for n in names]
    )
    lines = ["### side by side", "", "| " + " | ".join(head) + " |", "|---|---|" + "--:|" * (len(head) - 2)]
    for key in keys:
        rows = [tables[n].get(key) for n in names]
        first = next(r for r in rows if r is not None)
        cells = [key[0], key[1], str(first.face_frames)]
        cells += ["" if r is None else f"{100 * r.leak_rate:.1f} %" for r in rows]
        cells += ["" if r is None else str(r.worst_run) for r in rows]
        cells += ["" if r is None or r.collateral is None else f"{100 * r.collateral:.1f} %" for r in rows]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--clips",
        nargs="*",
        help="bundled clip names (default: all); with --devset, a number: the first N clips",
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--devset", action="store_true", help="run on a rendered part of the development set")
    parser.add_argument("--part", default="report", help="with --devset: report (default), tune or sample")
    parser.add_argument(
        "--scaled", action="store_true", help="with --devset: also run deface --scale 640x360"
    )
    args = parser.parse_args()
    if args.devset:
        if args.clips and (len(args.clips) != 1 or not args.clips[0].isdigit()):
            parser.error("--clips: with --devset, give one number (the first N clips)")
        return devset(args.part, int(args.clips[0]) if args.clips else None, args.scaled, args.json)
    clips = [c for c in bundled_clips() if not args.clips or c.stem in args.clips]
    deface = deface_command()
    frames = {clip.stem: len(load_ground_truth(clip).frames) for clip in clips}
    total_frames = sum(frames.values())
    # One JSON record per clip and tool, and per tool.
    rows: list[dict[str, Any]] = []
    totals: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="compare-deface-") as tmp:
        inputs = Path(tmp) / "in"
        inputs.mkdir()
        for clip in clips:
            shutil.copy(clip, inputs / clip.name)
        copies = [str(inputs / clip.name) for clip in clips]
        # Each tool gets every clip in one command, as a facilitator would run it on a folder.
        # deface writes <name>_anonymized.mp4 beside each input when given several.
        tools = {
            "installation anonymize": (
                [
                    str(ROOT / ".venv" / "bin" / "installation"),
                    "anonymize",
                    "--no-progress",
                    *copies,
                    "-o",
                    f"{tmp}/ours",
                ],
                lambda clip: Path(tmp) / "ours" / clip.name,
            ),
            "deface": ([str(deface), *copies], lambda clip: inputs / f"{clip.stem}_anonymized.mp4"),
            "deface --scale 640x360": (
                [str(deface), "--scale", "640x360", *copies],
                lambda clip: inputs / f"{clip.stem}_anonymized.mp4",
            ),
        }
        (Path(tmp) / "ours").mkdir()
        for name, (cmd, output_of) in tools.items():
            print(f"{name} on {len(clips)} clips ({total_frames} frames) …", file=sys.stderr)
            seconds = timed(cmd)
            sums = {"ll": 0, "lf": 0, "sl": 0, "sf": 0}
            for clip in clips:
                output = output_of(clip)
                s = score(clip, output).summary()
                output.unlink()
                rows.append(
                    {
                        "clip": clip.stem,
                        "tool": name,
                        "frames": frames[clip.stem],
                        **{k: round(v, 4) for k, v in s.items() if k not in NOT_KNOWN},
                    }
                )
                sums["ll"] += int(s["leaked_large"])  # counts, in a summary of floats
                sums["lf"] += int(s["face_frames_large"])
                sums["sl"] += int(s["leaked_small"])
                sums["sf"] += int(s["face_frames_small"])
            totals.append(
                {
                    "tool": name,
                    "frames": total_frames,
                    "seconds": round(seconds, 2),
                    "fps": round(total_frames / seconds, 1),
                    "leaked_large": sums["ll"],
                    "face_frames_large": sums["lf"],
                    "leaked_small": sums["sl"],
                    "face_frames_small": sums["sf"],
                }
            )
    ours = totals[0]["fps"]
    for t in totals:
        t["ours_times_faster"] = round(ours / t["fps"], 2)
    if args.json:
        print(json.dumps({"clips": rows, "tools": totals}, indent=2))
        return 0
    # Neither tool reports what it hid, so only leaks are compared (not falsely hidden area).
    print(f"{'clip':<8} {'tool':<24} {'leak >=48px':>12} {'leak <48px':>11}")
    for r in rows:
        print(
            f"{r['clip']:<8} {r['tool']:<24} "
            f"{100 * r['leak_rate_large']:>11.2f}% {100 * r['leak_rate_small']:>10.2f}%"
        )
    print()
    for t in totals:
        print(
            f"{t['tool']:<24} {t['fps']:>6.1f} fps ({t['seconds']:.1f} s for {t['frames']} frames, "
            f"ours x{t['ours_times_faster']:.1f}), leaks {t['leaked_large']}/{t['face_frames_large']} "
            f">= 48 px, {t['leaked_small']}/{t['face_frames_small']} smaller"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
