"""Detector recall on the bundled clips, by face size: ``python benchmarks/bench_detect_clips.py``.

For each detector string it runs the detector's whole-frame ``detect`` on
every third frame of the four clips in ``assets/footage`` and scores it
against their ground truth: a face counts as found when a box overlaps it
by IoU 0.3 or more or has its centre inside it (faces at least half visible
only). It prints recall per face-height band, on ``corridor`` (whose lights
dim and flicker), the median IoU of found faces (does the box convention
match the truth's), boxes that match no face per frame, and the p50 time
of one 1280x720 frame.

The clips are drawn from two portraits: a check that nothing is broken and a
rough comparison, not a measure of how a detector generalises.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import cv2
import numpy as np

from installation.detect import create_detector
from installation.groundtruth import bundled_clips, load_ground_truth

BANDS = ((0, 24), (24, 48), (48, 96), (96, 192), (192, 10_000))
SPECS = [
    ("blazeface-full + tiles", "blazeface-full", True),
    ("blazeface-full", "blazeface-full", False),
    ("blazeface-short", "blazeface-short", False),
    ("yunet-full", "yunet-full", False),
    ("yunet-half", "yunet-half", False),
    ("yunet", "yunet", False),
    ("yunet + blazeface-full + tiles", "yunet+blazeface-full", True),
    ("yunet-half + blazeface-full + tiles", "yunet-half+blazeface-full", True),
]


def frames(every: int) -> list[tuple[str, np.ndarray, list]]:
    """Every ``every``-th frame of each bundled clip, with its true faces."""
    out = []
    for clip in bundled_clips():
        truth = load_ground_truth(clip)
        capture = cv2.VideoCapture(str(clip))
        index = 0
        while True:
            ok, image = capture.read()
            if not ok:
                break
            if index % every == 0:
                out.append((clip.stem, image, truth.faces(index)))
            index += 1
        capture.release()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=3, help="score every Nth frame (default 3)")
    parser.add_argument("--repeats", type=int, default=30, help="timed frames per detector (default 30)")
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--only", nargs="*", help="detector labels to run (default: all)")
    parser.add_argument("--threads", type=int, default=None, help="cv2.setNumThreads (default: OpenCV's own)")
    args = parser.parse_args(argv)
    if args.threads is not None:
        cv2.setNumThreads(args.threads)

    data = frames(args.every)
    timing_frame = next(image for clip, image, _ in data if clip == "hall")
    bands = " ".join(f"{f'{lo}-{hi}' if hi < 10_000 else f'>={lo}':>7}" for lo, hi in BANDS)
    header = f"{'detector':36} {'all':>6} {bands} {'dim':>6} {'IoU':>5} {'stray/f':>7} {'p50 ms':>7}"
    print(f"{len(data)} frames, threshold {args.threshold}")
    print(header)
    print("-" * len(header))
    for label, spec, small in SPECS:
        if args.only and label not in args.only:
            continue
        with create_detector(spec, threshold=args.threshold, small_faces=small) as detector:
            found = {b: [0, 0] for b in BANDS}
            dim = [0, 0]
            ious: list[float] = []
            stray = 0
            for clip, image, faces in data:
                boxes = [d.box for d in detector.detect(image)]
                used = [False] * len(boxes)
                for face in faces:
                    if face.visible < 0.5:
                        continue
                    t = face.box
                    hits = [
                        i
                        for i, b in enumerate(boxes)
                        if b.iou(t) >= 0.3 or (t.x <= b.cx <= t.x + t.w and t.y <= b.cy <= t.y + t.h)
                    ]
                    band = next(b for b in BANDS if b[0] <= face.box.h < b[1])
                    found[band][1] += 1
                    if clip == "corridor":
                        dim[1] += 1
                    if hits:
                        found[band][0] += 1
                        dim[0] += clip == "corridor"
                        ious.append(max(boxes[i].iou(face.box) for i in hits))
                        for i in hits:
                            used[i] = True
                # Boxes on faces less than half visible are not counted as stray.
                for i, b in enumerate(boxes):
                    if not used[i] and all(b.iou(f.box) < 0.1 for f in faces):
                        stray += 1
            times = []
            for _ in range(3):
                detector.detect(timing_frame)
            for _ in range(args.repeats):
                start = time.perf_counter()
                detector.detect(timing_frame)
                times.append((time.perf_counter() - start) * 1000)
        total = sum(n for _, n in found.values())
        hit = sum(h for h, _ in found.values())
        cells = " ".join(f"{(100 * h / n if n else 0):6.0f}%" for h, n in found.values())
        print(
            f"{label:36} {100 * hit / total:5.0f}% {cells} {100 * dim[0] / max(1, dim[1]):5.0f}% "
            f"{statistics.median(ious) if ious else 0:5.2f} {stray / len(data):7.2f} "
            f"{statistics.median(times):7.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
