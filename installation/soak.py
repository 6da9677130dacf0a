"""``installation bench --soak SECONDS``: does the room run for weeks without wearing out?

Runs the demo (the bundled footage, detection, the whole screen) headless
under SDL's dummy driver for the given time and samples, once a second, the
process's resident memory, open file descriptors, threads (native ones
included: FFmpeg, mediapipe and SDL start their own) and the frames a
second drawn and processed. The first part of the run is warm-up (models
loading, caches filling) and is left out of the trend: after it, memory
should grow by less than 5 %, descriptors and threads should not move and
the frame rate should hold.
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import psutil

if TYPE_CHECKING:
    from installation.config import Config
    from installation.room import Room

log = logging.getLogger(__name__)

#: Targets from the kiosk issue: the hour's verdict is printed against these.
MAX_RSS_GROWTH_PCT = 5.0
#: The 5th percentile of the display's frame rate may sit this far below its mean.
MIN_FPS_STEADINESS = 0.75


@dataclass(frozen=True)
class Sample:
    """One second of the run: seconds since start, memory in MiB, descriptors, threads, rates.

    ``load`` is the machine's one-minute load average: frame rates fall when
    other programs take the cores, which is no fault of the room's.
    """

    t: float
    rss_mib: float
    fds: int
    threads: int
    display_fps: float
    processed_fps: float
    load: float = 0.0


@dataclass
class SoakResult:
    """Every sample of a run and where its warm-up ends.

    >>> r = SoakResult(seconds=4, warmup=1.0, samples=[
    ...     Sample(float(t), 100.0 + t, 20, 9, 30.0, 60.0) for t in range(5)])
    >>> s = r.summary()
    >>> s["rss_growth_pct"], s["fds"]["max"], s["threads"]["growth"], s["display_fps"]["mean"]
    (2.97, 20, 0, 30.0)
    """

    seconds: float
    warmup: float
    samples: list[Sample] = field(default_factory=list)
    display_size: tuple[int, int] = (1280, 720)
    cameras: int = 0
    #: What the descriptors opened after warm-up (and still open at the end) point at, with counts.
    opened_after_warmup: dict[str, int] = field(default_factory=dict)

    def steady(self) -> list[Sample]:
        """The samples after warm-up (all of them if the run ended before warm-up did)."""
        after = [s for s in self.samples if s.t >= self.warmup]
        return after or list(self.samples)

    def summary(self) -> dict[str, Any]:
        """The trend after warm-up, as numbers (see :func:`format_summary`)."""
        steady = self.steady()
        if not steady:
            return {"samples": 0}
        rss = np.array([s.rss_mib for s in steady])
        t = np.array([s.t for s in steady])
        # RSS swings by tens of MiB as frames come and go: compare the medians of the first and last tenth
        edge = max(1, len(steady) // 10)
        start, end = float(np.median(rss[:edge])), float(np.median(rss[-edge:]))
        slope = float(np.polyfit(t, rss, 1)[0]) * 3600 if len(steady) >= 3 and t[-1] > t[0] else 0.0
        fps = np.array([s.display_fps for s in steady])
        processed = np.array([s.processed_fps for s in steady])
        fds = [s.fds for s in steady]
        threads = [s.threads for s in steady]
        return {
            "seconds": round(self.seconds, 1),
            "samples": len(self.samples),
            "warmup_s": round(self.warmup, 1),
            "cameras": self.cameras,
            "display_size": f"{self.display_size[0]}x{self.display_size[1]}",
            "rss_mib": {
                "after_warmup": round(start, 1),
                "end": round(end, 1),
                "min": round(float(rss.min()), 1),
                "max": round(float(rss.max()), 1),
                "peak_whole_run": round(max(s.rss_mib for s in self.samples), 1),
            },
            "rss_growth_pct": round(100.0 * (end - start) / start, 2) if start else 0.0,
            "rss_slope_mib_per_hour": round(slope, 1),
            "fds": _counts(fds),
            "threads": _counts(threads),
            "opened_after_warmup": dict(self.opened_after_warmup),
            "display_fps": _stats(fps),
            "processed_fps": _stats(processed),
            "load": _stats(np.array([s.load for s in steady])),
        }


def _counts(values: list[int]) -> dict[str, int]:
    """Min, max, first and last, and ``growth``: how far the second half's median is above the first's.

    A leak raises the median; a thread that ends and is started again shows
    as a single dip and does not.

    >>> _counts([28, 28, 26, 28, 28, 28])["growth"], _counts([30, 30, 31, 32, 33, 34])["growth"]
    (0, 3)
    """
    half = max(1, len(values) // 2)
    growth = float(np.median(values[half:] or values)) - float(np.median(values[:half]))
    return {
        "min": min(values),
        "max": max(values),
        "start": values[0],
        "end": values[-1],
        "growth": int(np.ceil(growth)),
    }


def _stats(values: np.ndarray) -> dict[str, float]:
    return {
        "mean": round(float(values.mean()), 1),
        "min": round(float(values.min()), 1),
        "p5": round(float(np.percentile(values, 5)), 1),
        "max": round(float(values.max()), 1),
    }


def verdict(summary: dict[str, Any]) -> list[tuple[str, bool]]:
    """Each target with whether this run met it.

    >>> met = verdict({"rss_growth_pct": 1.0, "fds": {"growth": 0}, "threads": {"growth": 1},
    ...                "display_fps": {"mean": 30.0, "p5": 29.0}})
    >>> [ok for _, ok in met]
    [True, True, False, True]
    >>> met[0][0]
    'RSS growth under 5 % after warm-up'
    """
    fps = summary["display_fps"]
    return [
        (
            f"RSS growth under {MAX_RSS_GROWTH_PCT:g} % after warm-up",
            summary["rss_growth_pct"] < MAX_RSS_GROWTH_PCT,
        ),
        ("file descriptors flat", summary["fds"]["growth"] <= 0),
        ("threads flat", summary["threads"]["growth"] <= 0),
        (
            f"frame rate steady (p5 at least {MIN_FPS_STEADINESS:.0%} of the mean)".replace("%", " %"),
            fps["p5"] >= MIN_FPS_STEADINESS * fps["mean"],
        ),
    ]


#: Descriptor snapshots taken (a second apart) at the end of warm-up and at the end of the run.
SNAPSHOTS = 3


def opened_since(before: list[dict[str, int]], after: list[dict[str, int]]) -> dict[str, int]:
    """What is open in every snapshot ``after`` beyond what any snapshot ``before`` had, with counts.

    >>> clip, font = "hall.mp4", "font.otf"
    >>> opened_since([{clip: 1}, {}], [{clip: 1, font: 2}, {font: 1}])  # the clip reopened meanwhile
    {'font.otf': 1}
    """
    if not before or not after:
        return {}
    had = {t: max(s.get(t, 0) for s in before) for snap in before for t in snap}
    has = {t: min(s.get(t, 0) for s in after) for snap in after for t in snap}
    return {t: n - had.get(t, 0) for t, n in sorted(has.items()) if n > had.get(t, 0)}


def default_warmup(seconds: float) -> float:
    """The first 20 % of a run, but at least 10 s and at most 5 minutes.

    >>> default_warmup(60), default_warmup(3600), default_warmup(20)
    (12.0, 300.0, 10.0)
    """
    return float(min(300.0, max(10.0, 0.2 * seconds)))


class Sampler:
    """Reads this process's resources and the room's frame counts; call :meth:`take` once a second."""

    def __init__(self, app: Room, started: float) -> None:
        self.app = app
        self.started = started
        self.process = psutil.Process()
        self._last: tuple[float, int, int] | None = None

    def descriptors(self) -> dict[str, int]:
        """What each open descriptor points at (a path, ``pipe``, ``socket`` ...), with counts."""
        targets: dict[str, int] = {}
        fd_dir = Path(f"/proc/{self.process.pid}/fd")
        if fd_dir.is_dir():  # Linux: every kind of descriptor
            for entry in fd_dir.iterdir():
                try:
                    target = os.readlink(entry)
                except OSError:  # closed meanwhile
                    continue
                target = re.sub(r":\[\d+\]$", "", target)  # pipe:[1234] -> pipe
                targets[target] = targets.get(target, 0) + 1
        else:  # elsewhere: regular files only
            for f in self.process.open_files():
                targets[f.path] = targets.get(f.path, 0) + 1
        return targets

    def _processed(self) -> int:
        total = 0
        for feed in self.app.feeds:
            seq, _ = feed.latest()
            total += int(seq)
        return total

    def take(self, now: float) -> Sample | None:
        frames, processed = self.app.frames, self._processed()
        last, self._last = self._last, (now, frames, processed)
        if last is None or now <= last[0]:
            return None
        dt = now - last[0]
        return Sample(
            t=round(now - self.started, 2),
            rss_mib=round(self.process.memory_info().rss / 2**20, 2),
            fds=self.process.num_fds(),
            threads=self.process.num_threads(),
            display_fps=round((frames - last[1]) / dt, 2),
            processed_fps=round((processed - last[2]) / dt, 2),
            load=round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else 0.0,
        )


def soak(
    seconds: float,
    *,
    warmup: float | None = None,
    interval: float = 1.0,
    size: tuple[int, int] = (1280, 720),
    config: Config | None = None,
    on_sample: Callable[[Sample], None] | None = None,
) -> SoakResult:
    """Run the room headless for ``seconds`` (the demo unless ``config`` is given) and sample it.

    >>> result = soak(5, warmup=1)          # doctest: +SKIP
    >>> result.summary()["fds"]             # doctest: +SKIP
    {'min': 31, 'max': 31, 'start': 31, 'end': 31, 'growth': 0}
    """
    from installation.config import demo_config
    from installation.room import Room, RoomOptions

    config = config or demo_config()
    config.room.idle_seconds = max(config.room.idle_seconds, 5.0)
    result = SoakResult(
        seconds=seconds,
        warmup=default_warmup(seconds) if warmup is None else warmup,
        display_size=size,
        cameras=len(config.cameras),
    )
    app = Room(config, RoomOptions(headless=True, size=size, live=False))
    started = time.monotonic()
    try:
        app.start()
        sampler = Sampler(app, started)
        sampler.take(time.monotonic())
        # Descriptors at the end of warm-up and at the end of the run, each over a few seconds: a
        # clip that loops is closed and reopened, and one snapshot may fall in between.
        first: list[dict[str, int]] = []
        last: collections.deque[dict[str, int]] = collections.deque(maxlen=SNAPSHOTS)
        due = time.monotonic() + interval
        end = started + seconds
        while app.step():
            now = time.monotonic()
            if now >= due:
                due = max(due + interval, now)  # a long stall is one late sample, not a burst
                sample = sampler.take(now)
                if sample is not None:
                    if sample.t >= result.warmup:
                        snapshot = sampler.descriptors()
                        if len(first) < SNAPSHOTS:
                            first.append(snapshot)
                        last.append(snapshot)
                    result.samples.append(sample)
                    if on_sample is not None:
                        on_sample(sample)
            if now >= end:
                break
        result.opened_after_warmup = opened_since(first, list(last))
    finally:
        app.close()
    result.seconds = round(time.monotonic() - started, 1)
    return result


def format_summary(summary: dict[str, Any]) -> str:
    """The trend as a few readable lines, ending with the verdict against the targets."""
    if not summary.get("samples"):
        return "soak: no samples (the run ended before the first second)"
    rss, fds, thr = summary["rss_mib"], summary["fds"], summary["threads"]
    fps, proc = summary["display_fps"], summary["processed_fps"]
    lines = [
        f"soak: {summary['seconds']:.0f} s of the demo ({summary['cameras']} cameras, "
        f"{summary['display_size']}, SDL dummy driver), {summary['samples']} samples, "
        f"first {summary['warmup_s']:.0f} s are warm-up",
        f"  RSS        {rss['after_warmup']:.1f} MiB after warm-up -> {rss['end']:.1f} MiB at the end "
        f"({summary['rss_growth_pct']:+.2f} %, trend {summary['rss_slope_mib_per_hour']:+.1f} MiB/h); "
        f"min {rss['min']:.1f}, max {rss['max']:.1f}, peak over the whole run {rss['peak_whole_run']:.1f}",
        f"  fds        min {fds['min']}, max {fds['max']} (start {fds['start']}, end {fds['end']}, "
        f"median growth {fds['growth']:+d})",
        f"  threads    min {thr['min']}, max {thr['max']} (start {thr['start']}, end {thr['end']}, "
        f"median growth {thr['growth']:+d})",
        f"  display    mean {fps['mean']:.1f} fps, min {fps['min']:.1f}, p5 {fps['p5']:.1f}, "
        f"max {fps['max']:.1f}",
        f"  processed  mean {proc['mean']:.1f} fps (all cameras), min {proc['min']:.1f}, p5 {proc['p5']:.1f}",
        f"  machine    load average mean {summary['load']['mean']:.1f}, max {summary['load']['max']:.1f} "
        f"on {psutil.cpu_count()} cores",
    ]
    opened = summary.get("opened_after_warmup") or {}
    if opened:
        lines.append(
            "  opened after warm-up and still open: " + ", ".join(f"{n} x {t}" for t, n in opened.items())
        )
    for target, met in verdict(summary):
        lines.append(f"  {'OK  ' if met else 'MISS'} {target}")
    return "\n".join(lines)


def _progress(total: float) -> Callable[[Sample], None]:
    every = 60.0 if total > 300 else 10.0
    state = {"next": every}

    def show(sample: Sample) -> None:
        if sample.t >= state["next"]:
            state["next"] += every
            print(
                f"soak {sample.t:6.0f}/{total:.0f} s  rss {sample.rss_mib:7.1f} MiB  fds {sample.fds:3d}  "
                f"threads {sample.threads:3d}  display {sample.display_fps:5.1f} fps  "
                f"processed {sample.processed_fps:5.1f} fps",
                file=sys.stderr,
                flush=True,
            )

    return show


def main(args: argparse.Namespace) -> int:
    """``installation bench --soak SECONDS [--warmup SECONDS] [--json]``."""
    from installation.errors import UsageError

    seconds = float(args.soak)
    if seconds <= 0:
        raise UsageError(f"--soak: expected a positive number of seconds, got {args.soak}")
    warmup = getattr(args, "warmup", None)
    if warmup is not None and not 0 <= warmup < seconds:
        raise UsageError(f"--warmup: expected 0 or more seconds, less than --soak {seconds:g}, got {warmup}")
    result = soak(seconds, warmup=warmup, on_sample=_progress(seconds))
    summary = result.summary()
    if getattr(args, "json", False):
        summary["verdict"] = (
            {target: met for target, met in verdict(summary)} if summary.get("samples") else {}
        )
        summary["cpu_count"] = psutil.cpu_count()
        summary["series"] = _series(result.samples)
        print(json.dumps(summary))
    else:
        print(format_summary(summary))
    return 0


def _series(samples: Sequence[Sample]) -> dict[str, list[float]]:
    """The samples as one list per measure (compact in JSON)."""
    if not samples:
        return {}
    rows = [asdict(s) for s in samples]
    return {key: [row[key] for row in rows] for key in rows[0]}
