"""``installation bench --soak``: the room keeps its memory, descriptors and threads over time.

CI runs a one-minute soak of the demo in a child process (its own process,
so nothing pytest holds is counted). The hour-long run and its figures are
in the README; the command is the same with ``--soak 3600``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import pytest

from installation.errors import UsageError
from installation.soak import Sample, SoakResult, format_summary, main, verdict

#: Resident memory the one-minute demo soak (4 cameras at 1280x720 and the steered wide one at 1920x1080,
#: 1280x720 screen) must stay under. Measured with the four alone: about 500-600 MiB at its peak on a
#: 2-core machine (x86-64, Python 3.11, mediapipe 0.10.21); with the five, 790 MiB, and 828 MiB since
#: YuNet's half-size pass sees the frame's sides mirrored (a wider picture per camera), where a
#: fresh-clone CI run peaked at 906. A leak shows as growth, checked apart from this bound.
RSS_BOUND_MIB = 1000.0
#: Captions are fitted from 30 px down to 14 px in steps of 2: at most this many sizes opened late.


def _result(rss: list[float], fds: list[int] | None = None, threads: list[int] | None = None) -> SoakResult:
    n = len(rss)
    fds = fds or [30] * n
    threads = threads or [20] * n
    return SoakResult(
        seconds=n,
        warmup=10,
        samples=[Sample(float(t), rss[t], fds[t], threads[t], 60.0, 90.0) for t in range(n)],
    )


def test_a_leak_is_reported_and_a_steady_run_is_not() -> None:
    steady = _result([400.0 + (t % 7) for t in range(100)])  # noise, no trend
    s = steady.summary()
    assert abs(s["rss_growth_pct"]) < 1 and all(met for _, met in verdict(s))

    growing = _result(
        [400.0 + 0.5 * t for t in range(100)],
        fds=[30 + t // 20 for t in range(100)],
        threads=[20] * 60 + [21] * 40,
    )
    g = growing.summary()
    assert g["rss_growth_pct"] > 5 and g["rss_slope_mib_per_hour"] == pytest.approx(1800, rel=0.01)
    assert g["fds"] == {"min": 30, "max": 34, "start": 30, "end": 34, "growth": 2}
    assert [met for _, met in verdict(g)] == [False, False, False, True]
    text = format_summary(g)
    assert "MISS RSS growth" in text and "MISS file descriptors flat" in text and "min 30, max 34" in text


def test_warm_up_is_left_out_of_the_trend() -> None:
    # Models load and caches fill in the first seconds; only what comes after counts.
    result = _result([100.0 + 30 * min(t, 10) for t in range(60)], fds=[20 + min(t, 10) for t in range(60)])
    s = result.summary()
    assert s["rss_growth_pct"] == 0 and s["fds"]["min"] == s["fds"]["max"] == 30
    assert s["rss_mib"]["peak_whole_run"] == 400.0


def test_bad_durations_are_refused() -> None:
    with pytest.raises(UsageError, match="--soak"):
        main(argparse.Namespace(soak=0, warmup=None, json=False))
    with pytest.raises(UsageError, match="--warmup"):
        main(argparse.Namespace(soak=30, warmup=30, json=False))


@pytest.mark.slow
def test_a_minute_of_the_demo_keeps_descriptors_threads_and_memory_in_bounds() -> None:
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy"}
    done = subprocess.run(
        [sys.executable, "-m", "installation", "bench", "--soak", "60", "--warmup", "15", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    s = json.loads(done.stdout)
    assert s["cameras"] == 5 and s["samples"] >= 10, s  # the four room cameras and the wide one
    series = s["series"]
    assert len(series["rss_mib"]) == s["samples"] and min(series["display_fps"]) >= 0
    assert sum(series["processed_fps"]) > 0, "no camera frame was processed"
    # After warm-up nothing is started that does not end again (FFmpeg's decoder threads restart as a
    # clip loops: a dip in one sample, not a rise) ...
    assert s["threads"]["growth"] <= 0, s["threads"]
    # ... and nothing is opened that is not closed again (fonts are read from memory, so a caption
    # needing a new size, up to 18 x 12 s into the run, opens nothing either).
    assert s["fds"]["growth"] <= 0 and not s["opened_after_warmup"], s
    assert s["rss_mib"]["peak_whole_run"] < RSS_BOUND_MIB, s["rss_mib"]
