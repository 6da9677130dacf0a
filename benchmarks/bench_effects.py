"""Time the privacy effects on a 1280x720 frame: p50 / p95 milliseconds per call.

Faces of 60-220 px (one of 400 px in the "close" row) wander and change size a
little between calls, as tracked boxes do, so the mask cache sees what it sees
in use. Run from the repository root:

    .venv/bin/python benchmarks/bench_effects.py [--frames 400] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

import cv2
import numpy as np
from skimage import data

from installation.effects import Effect, MaskShape, apply_effect, hide_everything
from installation.geometry import Box

WIDTH, HEIGHT = 1280, 720


def make_frame() -> np.ndarray:
    photo = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    return cv2.resize(photo, (WIDTH, HEIGHT), interpolation=cv2.INTER_LINEAR)


def wandering_boxes(
    count: int, frames: int, rng: np.random.Generator, sizes: tuple[float, float]
) -> list[list[Box]]:
    start = [
        (rng.uniform(0, WIDTH - 220), rng.uniform(0, HEIGHT - 220), rng.uniform(*sizes)) for _ in range(count)
    ]
    out = []
    for i in range(frames):
        row = []
        for k, (x, y, s) in enumerate(start):
            drift = 3.7 * i + 11 * k
            size = s + 2.5 * np.sin(i / 7 + k)
            row.append(Box((x + drift) % (WIDTH - size), y + 1.3 * np.sin(i / 5 + k), size, size * 1.05))
        out.append(row)
    return out


def time_calls(
    call: Callable[..., object], args_per_frame: list[tuple[object, ...]]
) -> tuple[float, float, float]:
    """Wall-clock p50 and p95 and CPU-time p50 (all threads of this process), in ms."""
    for args in args_per_frame[:20]:
        call(*args)
    wall, cpu = [], []
    for args in args_per_frame:
        t0, c0 = time.perf_counter(), time.process_time()
        call(*args)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    w, c = np.array(wall) * 1e3, np.array(cpu) * 1e3
    return float(np.percentile(w, 50)), float(np.percentile(w, 95)), float(np.percentile(c, 50))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=400)
    parser.add_argument("--threads", type=int, default=None, help="OpenCV threads (default: its own choice)")
    args = parser.parse_args()
    if args.threads is not None:
        cv2.setNumThreads(args.threads)
    rng = np.random.default_rng(7)
    frame = make_frame()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"1280x720, {args.frames} calls each, OpenCV threads: {cv2.getNumThreads()}, load average {load:.1f}"
    )
    print("CPU ms is the process time per call: what the call costs when it has the cores to itself.")
    print(f"{'effect':<10} {'faces':>8} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms':>8}")
    cases = [(1, (60, 220), "1"), (3, (60, 220), "3"), (8, (60, 220), "8"), (1, (398, 402), "1 close")]
    for effect in (Effect.BLUR, Effect.PIXELATE, Effect.SOLID, Effect.EXPOSED):
        for count, sizes, label in cases:
            boxes = wandering_boxes(count, args.frames, rng, sizes)
            p50, p95, cpu = time_calls(
                lambda b: apply_effect(frame, b, effect, 0.5, shape=MaskShape.ELLIPSE),  # noqa: B023
                [(b,) for b in boxes],
            )
            print(f"{effect.value:<10} {label:>8} {p50:>8.3f} {p95:>8.3f} {cpu:>8.3f}")
    p50, p95, cpu = time_calls(hide_everything, [(frame,)] * args.frames)
    print(f"{'hide all':<10} {'-':>8} {p50:>8.3f} {p95:>8.3f} {cpu:>8.3f}")
    p50, p95, cpu = time_calls(np.copy, [(frame,)] * args.frames)
    print(f"{'(copy)':<10} {'-':>8} {p50:>8.3f} {p95:>8.3f} {cpu:>8.3f}  (every effect starts with it)")


if __name__ == "__main__":
    main()
