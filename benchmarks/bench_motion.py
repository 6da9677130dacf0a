"""A moving camera over a room with two faces: collateral, leaks, and the cost of the motion estimate.

A 720p camera pans, zooms, rolls or shakes over a large textured room with
two real face photos in it (the astronaut and Grace Hopper), and
``Processor.process`` hides it with the short-range detector, every frame
or every third. Reported per move: collateral (the share of pixels outside
every true face box grown 1.6x whose lightly smoothed grey level changed by
more than 8; frames hidden whole count), the share of frames hidden whole,
face-frames that leak, and the motion estimate's p50 / p95 per 720p frame.
Run from the repository root (any checkout: the same script measures older
code, without the estimate's figures):

    .venv/bin/python benchmarks/bench_motion.py [--frames 60]
"""

from __future__ import annotations

import argparse
import time

import cv2
import matplotlib.cbook
import numpy as np
from skimage import data

from installation.detect import create_detector
from installation.effects import Effect
from installation.frames import Frame
from installation.geometry import Box
from installation.leak import leak_score
from installation.pipeline import Processor
from installation.track import Tracker

WIDTH, HEIGHT = 1280, 720
WORLD = (2400, 1600)
#: Face boxes in the world (x, y, side).
FACES = {"astronaut": (1000, 650, 130), "grace_hopper": (1550, 700, 110)}
KNOWN = {"astronaut": Box(174, 68, 104, 104), "grace_hopper": Box(166, 128, 200, 200)}


def world() -> tuple[np.ndarray, list[Box]]:
    cup = cv2.resize(cv2.cvtColor(data.coffee(), cv2.COLOR_RGB2BGR), WORLD, interpolation=cv2.INTER_CUBIC)
    gravel = cv2.cvtColor(np.tile(data.gravel(), (4, 5))[: WORLD[1], : WORLD[0]], cv2.COLOR_GRAY2BGR)
    image = cv2.addWeighted(cup, 0.7, gravel, 0.3, 0)
    boxes = []
    for name, (x, y, side) in FACES.items():
        if name == "astronaut":
            photo = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
        else:
            photo = cv2.imread(str(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
        known = KNOWN[name]
        x0, y0, x1, y1 = known.scaled(1.8).pixel_bounds(photo.shape[1], photo.shape[0])
        f = side / known.w
        sprite = cv2.resize(photo[y0:y1, x0:x1], None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        ox, oy = round(x - (known.x - x0) * f), round(y - (known.y - y0) * f)
        image[oy : oy + sprite.shape[0], ox : ox + sprite.shape[1]] = sprite
        boxes.append(Box(x, y, side, side))
    return image, boxes


def camera(move: str, i: int) -> np.ndarray:
    """The 2x3 matrix from world to view on frame ``i``."""
    rng = np.random.default_rng(i)
    x = y = angle = 0.0
    scale = 1.0
    if move == "pan":
        x, y = 8.0 * i - 240, 1.5 * i
    elif move == "zoom":
        scale = 1.01**i
    elif move == "roll":
        angle = 0.3 * i
    elif move == "shake":
        x, y = rng.normal(0, 6, 2)
    m: np.ndarray = cv2.getRotationMatrix2D((1260.0, 760.0), angle, scale)
    m[:, 2] -= (1260 - WIDTH / 2 + x, 760 - HEIGHT / 2 + y)
    return m


def outside(shape: tuple[int, ...], boxes: list[Box]) -> np.ndarray:
    mask = np.ones(shape[:2], bool)
    for box in boxes:
        x0, y0, x1, y1 = box.scaled(1.6).pixel_bounds(shape[1], shape[0])
        mask[y0:y1, x0:x1] = False
    return mask


def changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    grey = [
        cv2.GaussianBlur(cv2.cvtColor(i, cv2.COLOR_BGR2GRAY), (5, 5), 1.0).astype(np.int16) for i in (a, b)
    ]
    return np.abs(grey[0] - grey[1]) > 8


def run(
    move: str, frames: int, detect_every: int, detector: object, scene: np.ndarray, faces: list[Box]
) -> dict:
    proc = Processor(detector, Tracker(), detect_every=detect_every)  # type: ignore[arg-type]
    collateral, whole, leaked, face_frames = [], 0, 0, 0
    for i in range(frames):
        m = camera(move, i)
        image = cv2.warpAffine(scene, m, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR)
        boxes = []
        for box in faces:
            pts = cv2.transform(np.array([[[box.x, box.y], [box.x + box.w, box.y + box.h]]], np.float32), m)[
                0
            ]
            boxes.append(
                Box(
                    float(pts[0, 0]),
                    float(pts[0, 1]),
                    float(pts[1, 0] - pts[0, 0]),
                    float(pts[1, 1] - pts[0, 1]),
                )
            )
        out = proc.process(Frame(image, i, i / 30.0), Effect.BLUR, 0.0)
        keep = outside(image.shape, boxes)
        collateral.append(float(changed(image, out.image)[keep].mean()))
        whole += out.hidden_all
        for box in boxes:
            inside = box.clipped(WIDTH, HEIGHT)
            if inside.w >= 0.5 * box.w and inside.h >= 0.5 * box.h:
                score = leak_score(image, out.image, inside)
                face_frames += 1
                leaked += score is not None and score >= 0.5
    return {
        "collateral": float(np.mean(collateral)),
        "hidden_whole": whole / frames,
        "leaked": leaked,
        "face_frames": face_frames,
    }


def estimate_cost(scene: np.ndarray, frames: int) -> tuple[float, float]:
    from installation.track import MotionEstimator

    estimator = MotionEstimator()
    times = []
    for i in range(frames):
        image = cv2.warpAffine(scene, camera("pan", i), (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR)
        t = time.perf_counter()
        estimator.estimate(image)
        times.append((time.perf_counter() - t) * 1000)
    return float(np.percentile(times[1:], 50)), float(np.percentile(times[1:], 95))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=60)
    args = parser.parse_args()
    scene, faces = world()
    cv2.setNumThreads(1)
    with create_detector("short") as detector:
        print(f"{'move':<6} {'every':>5} {'collateral':>10} {'whole':>6} {'leaked':>12}")
        for move in ("still", "pan", "zoom", "roll", "shake"):
            for every in (1, 3):
                r = run(move, args.frames, every, detector, scene, faces)
                print(
                    f"{move:<6} {every:>5} {100 * r['collateral']:>9.2f}% {100 * r['hidden_whole']:>5.1f}% "
                    f"{r['leaked']:>5}/{r['face_frames']:<6}"
                )
    try:
        p50, p95 = estimate_cost(scene, 200)
    except ImportError:
        return
    print(f"motion estimate per 720p frame (one thread): p50 {p50:.2f} ms, p95 {p95:.2f} ms")


if __name__ == "__main__":
    main()
