"""``installation bench``: speed, memory and leak rate on the bundled footage.

Runs the same pipeline as the installation, headless, over every frame of the
bundled clips and reports, per stage, the median and 95th percentile time,
end-to-end frames per second, peak memory and the leak rate against ground
truth. Nothing is written to disk: encoding is measured into memory.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from installation.effects import Effect
from installation.frames import Frame, Processed
from installation.outputs import FrameSink, NullSink, VideoSink, Wrapped
from installation.pipeline import Processor, run_batch
from installation.scoring import FootageScore


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(values, q)) if len(values) else 0.0


class PeakMemory:
    """Samples the process's resident memory in a thread; ``peak`` in MiB."""

    def __init__(self, interval: float = 0.05) -> None:
        self._proc = psutil.Process()
        self.peak = self._proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="peak-memory", daemon=True)
        self.interval = interval

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)

    @property
    def peak_mib(self) -> float:
        return self.peak / 2**20


@dataclass
class ClipResult:
    clip: str
    mode: str
    frames: int = 0
    stages: dict[str, list[float]] = field(default_factory=dict)
    live_fps: float = 0.0
    anonymize_fps: float = 0.0
    score: FootageScore = field(default_factory=FootageScore)
    anonymize_score: FootageScore = field(default_factory=FootageScore)

    def as_dict(self) -> dict[str, Any]:
        return {
            "clip": self.clip,
            "mode": self.mode,
            "frames": self.frames,
            "stages_ms": {
                name: {"p50": round(percentile(v, 50), 3), "p95": round(percentile(v, 95), 3)}
                for name, v in self.stages.items()
            },
            "live_fps": round(self.live_fps, 1),
            "anonymize_fps": round(self.anonymize_fps, 1),
            "score": _rounded(self.score.summary()),
            "anonymize_score": _rounded(self.anonymize_score.summary()),
        }


def _rounded(summary: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in summary.items()}


def bench_clip(
    path: Path, *, max_frames: int = 0, effect: Effect = Effect.BLUR, strength: float = 0.0
) -> ClipResult:
    """Time each stage over one clip and score it against its ground truth."""
    from installation.config import demo_config
    from installation.detect import ROOM_DETECTOR, create_detector
    from installation.groundtruth import load_ground_truth
    from installation.sources import open_source, read_ahead
    from installation.track import Tracker

    truth = load_ground_truth(path)
    camera = next((c for c in demo_config().cameras if Path(c.source) == path), None)
    small = camera.small_faces if camera else False
    spec = camera.detector_spec() if camera else ROOM_DETECTOR
    mode = f"{spec}{' + small faces' if small else ''}"
    result = ClipResult(clip=path.stem, mode=mode)
    stages: dict[str, list[float]] = {k: [] for k in ("decode", "detect", "track", "effect", "encode")}

    # Pass 1: each stage timed on its own, frame by frame, and scored.
    source = open_source(str(path))
    fps, size = source.fps, source.size
    detector = create_detector(spec, small_faces=small)
    processor = Processor(detector, Tracker(), name=path.stem)

    def decoded() -> Iterator[Frame]:
        while True:
            t = time.perf_counter()
            frame = source.read()
            if frame is None:
                return
            stages["decode"].append((time.perf_counter() - t) * 1000)
            yield frame

    def timed(out: Processed) -> None:
        for key in ("detect", "track", "effect"):
            stages[key].append(out.timings.get(key, 0.0))
        index = out.frame.index
        faces = [(f.track_id, f.box) for f in truth.frames[index]] if index < len(truth.frames) else []
        result.score.add(
            index,
            out.frame.image,
            out.image,
            faces,
            out.hidden_boxes,
            hidden_all=out.hidden_all,
            guarded=out.guarded,
        )

    encoder = _Timed(VideoSink(None, fps=fps, size=size, threaded=False, timed=False), stages["encode"])
    ran = run_batch(
        decoded, processor, encoder, effect=effect, strength=strength, on_frame=timed, max_frames=max_frames
    )
    source.close()
    result.frames = ran.frames
    result.stages = stages

    # Pass 2: the live path end to end (decode -> detect -> track -> effect). As in the
    # room, decoding runs on its own thread beside the processing.
    processor.reset()
    source = open_source(str(path))
    ran = run_batch(
        lambda: read_ahead(source),
        processor,
        NullSink(),
        effect=effect,
        strength=strength,
        max_frames=max_frames,
    )
    result.live_fps = ran.fps
    source.close()

    # Pass 3: `installation anonymize` itself (detection ahead of the output, every
    # other frame), encoding into memory, its output scored on its own.
    from installation.anonymize import anonymize_file

    def score_anonymized(out: Processed) -> None:
        index = out.frame.index
        if max_frames and index >= max_frames:
            return
        faces = [(f.track_id, f.box) for f in truth.frames[index]] if index < len(truth.frames) else []
        result.anonymize_score.add(
            index,
            out.frame.image,
            out.image,
            faces,
            out.hidden_boxes,
            hidden_all=out.hidden_all,
            guarded=out.guarded,
        )

    stats = anonymize_file(
        path,
        None,
        effect=effect,
        strength=strength,
        detector=spec,
        small_faces=small,
        progress=False,
        on_frame=score_anonymized,
        max_frames=max_frames,
    )
    result.anonymize_fps = stats["fps"]
    detector.close()
    return result


class _Timed(Wrapped):
    """A sink whose every write is timed (milliseconds, into ``times``)."""

    def __init__(self, sink: FrameSink, times: list[float]) -> None:
        super().__init__(sink)
        self.times = times

    def write(self, processed: Processed) -> None:
        t = time.perf_counter()
        self.sink.write(processed)
        self.times.append((time.perf_counter() - t) * 1000)


def format_table(results: list[ClipResult], peak_mib: float) -> str:
    lines = []
    for r in results:
        d = r.as_dict()
        lines.append(f"{r.clip} ({r.mode}), {r.frames} frames at 1280x720")
        lines.append("  stage      p50 ms   p95 ms")
        for name, v in d["stages_ms"].items():
            lines.append(f"  {name:<9} {v['p50']:>7.2f}  {v['p95']:>7.2f}")
        lines.append(f"  live pipeline (decode+detect+track+effect): {r.live_fps:.1f} fps")
        lines.append(f"  anonymize (look-ahead, H.264 into memory):  {r.anonymize_fps:.1f} fps")
        for label, s in (("live", d["score"]), ("anonymize", d["anonymize_score"])):
            lines.append(
                f"  {label + ' leaks:':<16} {s['leaked_large']}/{s['face_frames_large']} "
                f"face-frames >= 48 px "
                f"({100 * s['leak_rate_large']:.2f} %), {s['leaked_small']}/{s['face_frames_small']} smaller "
                f"({100 * s['leak_rate_small']:.2f} %); falsely hidden "
                f"{100 * s['false_hidden_fraction']:.2f} % of the frame"
            )
    lines.append(f"peak memory: {peak_mib:.0f} MiB")
    return "\n".join(lines)
