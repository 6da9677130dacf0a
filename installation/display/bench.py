"""How fast the room's screen runs: ``installation bench --display``.

Renders the whole room (monitors, panel, controls, captions) with SDL's
dummy driver from feeds that publish ready-made frames at a fixed rate, so
the figures are the display's own: drawing, scaling and hand-over, not
detection. Two cases: one 1280x720 feed filling the wall at 1920x1080, and
a grid of four 640x480 feeds.
"""

from __future__ import annotations

import argparse
import json
import logging
import threading
import time
from typing import Any

import cv2
import numpy as np

from installation.effects import Effect
from installation.errors import InstallationError
from installation.frames import Frame, Processed
from installation.pipeline.fakes import FakeFeed
from installation.sources.live import SourceStatus

log = logging.getLogger(__name__)


class SyntheticFeed(FakeFeed):
    """Publishes a moving test picture at ``fps`` on its own thread, like a camera worker.

    >>> feed = SyntheticFeed("test", (64, 48), fps=100)
    >>> feed.start(); time.sleep(0.1); feed.stop()
    >>> seq, result = feed.latest()
    >>> seq > 0 and result.image.shape
    (48, 64, 3)
    """

    def __init__(self, name: str, size: tuple[int, int], fps: float) -> None:
        super().__init__(name, status=SourceStatus(True, "", 0.0, 0, 0.0))
        self.size = size
        self.fps = fps
        w, h = size
        x = np.linspace(0, 255, w, dtype=np.float32)[None, :]
        y = np.linspace(0, 255, h, dtype=np.float32)[:, None]
        rng = np.random.default_rng(len(name))
        self._frames = []
        for k in range(12):  # a few different pictures so each one must really be scaled
            base = np.stack(
                [(x + 20 * k) % 256 + 0 * y, (y + 10 * k) % 256 + 0 * x, (x + y) / 2 + 0 * x], axis=2
            )
            noise = rng.integers(0, 24, (h, w, 3))
            self._frames.append(np.clip(base + noise, 0, 255).astype(np.uint8))
        cv2.putText(self._frames[0], name, (10, h // 2), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        super().start()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"bench-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        super().stop()
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def _run(self) -> None:
        period = 1.0 / self.fps
        due = time.monotonic()
        i = 0
        while not self._stop.is_set():
            now = time.monotonic()
            if now < due:
                self._stop.wait(due - now)
                continue
            due = max(due + period, now - period)
            image = self._frames[i % len(self._frames)]
            frame = Frame(image, i, i * period, self.name, captured=time.monotonic())
            self.publish(Processed(frame, image, Effect.BLUR, [], [], timings={"detect": 0.0, "effect": 0.0}))
            self.status = SourceStatus(True, "", 0.0, i + 1, self.fps)
            i += 1


def _case(
    feeds: list[SyntheticFeed], frames: int, size: tuple[int, int], layout: str, fps: int
) -> dict[str, Any]:
    from installation.config import CameraConfig, Config
    from installation.room import Room, RoomOptions

    config = Config(cameras=[CameraConfig(source="pattern:bars", name=f.name) for f in feeds])
    config.display.layout = layout
    config.display.fps = fps
    config.room.idle_seconds = 3600.0
    app = Room(
        config,
        RoomOptions(headless=True, size=size, frames=frames, live=False),
        feeds=feeds,
    )
    t0 = time.monotonic()
    try:
        app.start()
        while app.step():
            pass
        elapsed = time.monotonic() - t0
        r = app.performance
        assert r is not None
        now = time.monotonic()
        per_feed = [s.shown.count / max(1e-6, elapsed - (app.first_frame_at or 0.0)) for s in r.stats]
        latency = [v for s in r.stats for v in s.latency_ms.values()]
        return {
            "display_fps": round(app.frames / elapsed, 1),
            "display_fps_recent": round(r.display_rate.rate(now), 1),
            "draw_ms_mean": round(r.frame_ms.mean(), 2),
            "draw_ms_p95": round(r.frame_ms.percentile(95), 2),
            "feed_fps": [round(v, 1) for v in per_feed],
            "latency_ms_p50": round(float(np.percentile(latency, 50)), 1) if latency else None,
            "latency_ms_p95": round(float(np.percentile(latency, 95)), 1) if latency else None,
            "startup_s": round(app.first_frame_at, 3) if app.first_frame_at is not None else None,
            "frames": app.frames,
        }
    finally:
        app.close()


def bench_display(frames: int = 600, size: tuple[int, int] = (1920, 1080), fps: int = 60) -> dict[str, Any]:
    """Measure the display; returns figures for both cases, plus uncapped headroom.

    ``fps`` is the frame-rate cap (``display.fps``); the ``*_uncapped`` cases
    run at the highest cap the config allows, to show the headroom.

    >>> result = bench_display(frames=30, size=(640, 360))  # doctest: +SKIP
    >>> sorted(result)                                        # doctest: +SKIP
    ['four_640x480', 'four_640x480_uncapped', 'one_1280x720', 'one_1280x720_uncapped', 'screen']
    """
    results: dict[str, Any] = {"screen": f"{size[0]}x{size[1]}"}
    for label, specs, layout, feed_fps in (
        ("one_1280x720", [("Hall", (1280, 720))], "single", 60.0),
        ("four_640x480", [(n, (640, 480)) for n in ("Door", "Hall", "Stairs", "Yard")], "grid", 30.0),
    ):
        for suffix, cap in (("", fps), ("_uncapped", 240)):
            feeds = [SyntheticFeed(name, sz, feed_fps) for name, sz in specs]
            results[label + suffix] = _case(feeds, frames, size, layout, cap)
    results["demo_startup_s"] = demo_startup(size)
    return results


def demo_startup(size: tuple[int, int], frames: int = 600) -> float | None:
    """Seconds from opening the demo (footage, models, screen) to its first camera picture on screen."""
    from installation.config import demo_config
    from installation.room import Room, RoomOptions

    try:
        config = demo_config()
    except InstallationError as exc:
        log.warning("demo start-up not measured: %s", exc)
        return None
    app = Room(config, RoomOptions(headless=True, size=size, frames=frames, live=False))
    try:
        app.start()
        while app.first_frame_at is None and app.step():
            pass
        return None if app.first_frame_at is None else round(app.first_frame_at, 3)
    finally:
        app.close()


def format_results(results: dict[str, Any]) -> str:
    """The figures as a few readable lines."""
    lines = [f"display benchmark at {results['screen']} (SDL dummy driver)"]
    for key, r in results.items():
        if key == "screen" or not isinstance(r, dict):
            continue
        feeds = ", ".join(f"{v:.1f}" for v in r["feed_fps"])
        lines.append(
            f"  {key:<22} display {r['display_fps']:6.1f} fps   per feed {feeds} fps"
            f"   draw {r['draw_ms_mean']:.1f} ms (p95 {r['draw_ms_p95']:.1f})"
            f"   latency p50 {r['latency_ms_p50']} ms p95 {r['latency_ms_p95']} ms"
            f"   start-up {r['startup_s']} s"
        )
    lines.append(
        f"  demo start-up (footage, models, screen) to first picture: {results.get('demo_startup_s')} s"
    )
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    """``installation bench --display``: uses ``args.frames`` (0: 600) and ``args.json``."""
    frames = int(getattr(args, "frames", 0) or 600)
    results = bench_display(frames=frames)
    if getattr(args, "json", False):
        print(json.dumps(results))
    else:
        print(format_results(results))
    return 0


if __name__ == "__main__":
    print(format_results(bench_display()))
