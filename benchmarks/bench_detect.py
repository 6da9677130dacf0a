"""Face detection cost and reach on a 1280x720 room frame: ``python benchmarks/bench_detect.py``.

The frame is a garage photograph that ships with scikit-image with real
faces pasted in at several sizes (two public-domain portraits: the
astronaut from scikit-image and Grace Hopper from matplotlib). For each
detector mode it prints the time per frame (p50, p95), which pasted faces
were found, the smallest one found, and how many boxes matched no face.
Nothing is written to disk unless ``--save PATH`` asks for a picture of the
frame with the boxes drawn.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

import cv2
import numpy as np

from installation.detect import CombinedDetector, TiledDetector, create_detector
from installation.frames import Detection
from installation.geometry import Box

FRAME_SIZE = (1280, 720)
# Face boxes in the two portraits, found by eye (x, y, w, h).
ASTRONAUT_FACE = Box(180, 80, 90, 98)
HOPPER_FACE = Box(170, 140, 190, 192)
# (face height in pixels, centre x, centre y): small, distant faces high up, large ones low and near.
LAYOUT = [
    (24, 120, 170),
    (32, 330, 150),
    (40, 560, 130),
    (48, 790, 160),
    (64, 1040, 150),
    (96, 1160, 420),
    (128, 190, 470),
    (160, 520, 480),
    (200, 850, 450),
]


def portraits() -> list[tuple[np.ndarray, Box]]:
    """The two packaged portraits (BGR) with their face boxes."""
    import matplotlib.cbook
    import skimage.data

    astronaut = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)
    hopper = cv2.imread(str(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    return [(astronaut, ASTRONAUT_FACE), (hopper, HOPPER_FACE)]


def room(size: tuple[int, int] = FRAME_SIZE) -> np.ndarray:
    """A face-free indoor scene (scikit-image's garage photograph) cropped to 16:9 and resized."""
    import skimage.data

    left = skimage.data.stereo_motorcycle()[0]
    height = round(left.shape[1] * 9 / 16)
    top = (left.shape[0] - height) // 2
    scene = cv2.cvtColor(np.ascontiguousarray(left[top : top + height]), cv2.COLOR_RGB2BGR)
    return cv2.resize(scene, size, interpolation=cv2.INTER_LINEAR)


def paste_face(
    frame: np.ndarray, photo: np.ndarray, face: Box, centre: tuple[float, float], height: float
) -> Box:
    """Paste the head and shoulders from ``photo`` so its face is ``height`` pixels high at ``centre``.

    The patch is blended in through a soft oval so no hard rectangle edge is
    left for the detector to latch on to. Returns the face box in ``frame``.
    """
    k = height / face.h
    x0, y0 = max(0, int(face.x - 0.7 * face.w)), max(0, int(face.y - 0.6 * face.h))
    x1 = min(photo.shape[1], int(face.x + 1.7 * face.w))
    y1 = min(photo.shape[0], int(face.y + 2.0 * face.h))
    crop = photo[y0:y1, x0:x1]
    cw, ch = max(1, round(crop.shape[1] * k)), max(1, round(crop.shape[0] * k))
    patch = cv2.resize(crop, (cw, ch), interpolation=cv2.INTER_AREA).astype(np.float32)
    fx, fy = (face.x - x0) * k, (face.y - y0) * k
    ox, oy = round(centre[0] - fx - face.w * k / 2), round(centre[1] - fy - face.h * k / 2)
    yy, xx = np.mgrid[0:ch, 0:cw]
    r = ((xx - cw / 2) / (cw / 2)) ** 2 + ((yy - ch / 2) / (ch / 2)) ** 2
    alpha = np.clip((1.0 - r) / 0.3, 0.0, 1.0)[..., None].astype(np.float32)
    fh, fw = frame.shape[:2]
    ax0, ay0, ax1, ay1 = max(0, -ox), max(0, -oy), min(cw, fw - ox), min(ch, fh - oy)
    region = frame[oy + ay0 : oy + ay1, ox + ax0 : ox + ax1].astype(np.float32)
    a = alpha[ay0:ay1, ax0:ax1]
    blended = a * patch[ay0:ay1, ax0:ax1] + (1.0 - a) * region
    frame[oy + ay0 : oy + ay1, ox + ax0 : ox + ax1] = blended.astype(np.uint8)
    return Box(ox + fx, oy + fy, face.w * k, face.h * k)


def test_frame() -> tuple[np.ndarray, list[Box]]:
    """The room with every face of ``LAYOUT`` pasted in, and their boxes."""
    frame = room()
    people = portraits()
    boxes = []
    for i, (height, cx, cy) in enumerate(LAYOUT):
        photo, face = people[i % 2]
        boxes.append(paste_face(frame, photo, face, (cx, cy), height))
    return frame, boxes


def matches(found: list[Detection], truth: list[Box], iou: float = 0.4) -> tuple[list[bool], int]:
    """Which true faces a detection overlaps by ``iou``, and how many detections overlap none."""
    hit = [any(d.box.iou(t) >= iou for d in found) for t in truth]
    stray = sum(1 for d in found if all(d.box.iou(t) < iou for t in truth))
    return hit, stray


def timed(call: Callable[[], object], repeats: int) -> tuple[float, float, float]:
    """Median, 95th percentile and mean milliseconds per call."""
    for _ in range(3):
        call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, statistics.fmean(times)


def stepper(
    detector: TiledDetector | CombinedDetector, frame: np.ndarray, how: str
) -> Callable[[], list[Detection]]:
    """One live-feed call: ``stepN`` runs the whole frame and N tiles; ``alternate`` runs the whole
    frame on one call and a single tile on the next."""
    if how.startswith("step"):
        count = int(how[4:])
        return lambda: detector.detect_step(frame, count)
    turn = [False]

    def alternate() -> list[Detection]:
        turn[0] = not turn[0]
        if turn[0]:
            return detector.detect_step(frame, 0)
        return detector.detect_step(frame, 1, whole_frame=False)

    return alternate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=100, help="timed frames per mode (default 100)")
    parser.add_argument("--save", metavar="PATH", help="write the test frame with every mode's boxes to PATH")
    args = parser.parse_args(argv)

    frame, truth = test_frame()
    sizes = [round(b.h) for b in truth]
    print(f"frame {FRAME_SIZE[0]}x{FRAME_SIZE[1]}, faces (px high): {sizes}")
    modes: list[tuple[str, dict, str]] = [
        ("short", {"spec": "short"}, "detect"),
        ("short input_scale=0.5", {"spec": "short", "input_scale": 0.5}, "detect"),
        ("full", {"spec": "full"}, "detect"),
        ("full input_scale=0.5", {"spec": "full", "input_scale": 0.5}, "detect"),
        ("full+small_faces, all tiles", {"spec": "full", "small_faces": True}, "detect"),
        ("full+small_faces, step of 1 tile", {"spec": "full", "small_faces": True}, "step1"),
        ("full+small_faces, step of 2 tiles", {"spec": "full", "small_faces": True}, "step2"),
        ("full+small_faces, whole frame | 1 tile", {"spec": "full", "small_faces": True}, "alternate"),
        ("short+small_faces, all tiles", {"spec": "short", "small_faces": True}, "detect"),
        ("yunet (full + half size)", {"spec": "yunet"}, "detect"),
        ("yunet-full", {"spec": "yunet-full"}, "detect"),
        ("yunet-half", {"spec": "yunet-half"}, "detect"),
        (
            "yunet+blazeface-full+small_faces, step 2",
            {"spec": "yunet+blazeface-full", "small_faces": True},
            "step2",
        ),
    ]
    drawn = frame.copy()
    header = (
        f"{'mode':38} {'tiles':>5} {'p50 ms':>7} {'p95 ms':>7} {'mean ms':>7}  {'smallest':>8}  "
        f"{'found (px)':21} stray"
    )
    print(header)
    print("-" * len(header))
    for name, kwargs, how in modes:
        with create_detector(**kwargs) as detector:
            tiles = 0
            if hasattr(detector, "tiles"):
                tiles = len(detector.tiles(*FRAME_SIZE))
            if how == "detect":
                call = lambda: detector.detect(frame)  # noqa: E731
                found = detector.detect(frame)
            else:
                call = stepper(detector, frame, how)
                # Two sweeps, so that every tile has reported as it would have in a live feed.
                for _ in range(detector.sweep_length(*FRAME_SIZE) * 4):
                    found = call()
            p50, p95, mean = timed(call, args.repeats)
            hit, stray = matches(found, truth)
            seen = [s for s, h in zip(sizes, hit, strict=True) if h]
            smallest = f"{min(seen)} px" if seen else "none"
            timing = f"{p50:7.2f} {p95:7.2f} {mean:7.2f}"
            print(f"{name:38} {tiles:5d} {timing}  {smallest:>8}  {str(seen):21} {stray}")
            if how == "detect":
                for d in found:
                    x0, y0, x1, y1 = d.box.pixel_bounds(*FRAME_SIZE)
                    cv2.rectangle(drawn, (x0, y0), (x1 - 1, y1 - 1), (0, 255, 0), 1)
    if args.save:
        for t in truth:
            x0, y0, x1, y1 = t.pixel_bounds(*FRAME_SIZE)
            cv2.rectangle(drawn, (x0, y0), (x1 - 1, y1 - 1), (0, 0, 255), 1)
        cv2.imwrite(args.save, drawn)
    return 0


if __name__ == "__main__":
    sys.exit(main())
