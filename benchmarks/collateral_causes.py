"""Where the collateral of a path comes from, clip by clip, on a rendered part of the development set.

    PYTHONPATH=. .venv/bin/python benchmarks/collateral_causes.py [--part tune|report] [--path anonymize|live]
                                                                  [--clips PREFIX ...] [--json]

Collateral is the development set's measure (``installation/devset/report.py``):
the share of the picture outside every true face (grown 1.6x) that the output
visibly changed. Each changed pixel is put down to the first of these whose
region (grown by the mask's 1.3) holds it:

- *on a face*: a box the tracker hides that touches a true face (its box too
  large, or held and widened after the face moved);
- *on no face*: a tracked box that touches no true face (a look-alike, or a
  face's box held after the face left);
- *ahead* (``anonymize`` only): a box the look-ahead hides before a face's
  first sighting;
- *guard*: what the motion guard hid;
- *rest*: anything else (a frame hidden whole counts here in full).

Per clip it prints the collateral, its split, and the frames where it was
worst, with what was hidden there. Tune on the tune part: the report part is
for measuring a choice once it is made.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from installation.devset.render import clips_dir  # noqa: E402
from installation.devset.report import (  # noqa: E402
    DetectorChoice,
    anonymize_clip,
    changed_outside,
    live_clip,
    not_rendered,
    rendered_clips,
)
from installation.effects import Effect  # noqa: E402
from installation.frames import Processed  # noqa: E402
from installation.geometry import Box  # noqa: E402
from installation.groundtruth import GroundTruth, load_ground_truth  # noqa: E402

CAUSES = ("on a face", "on no face", "ahead", "guard", "rest")
#: Each hidden box's region is grown by this before a changed pixel is put down to it (the mask's scale).
REGION_SCALE = 1.3


@dataclass
class ClipCauses:
    """One clip's collateral, summed over its frames (shares of the picture outside the faces)."""

    clip: str
    frames: int = 0
    total: float = 0.0
    causes: dict[str, float] = field(default_factory=lambda: dict.fromkeys(CAUSES, 0.0))
    #: (collateral, frame index, boxes on a face, boxes on no face, ahead, guarded)
    worst: list[tuple[float, int, int, int, int, int]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        n = max(1, self.frames)
        return {
            "clip": self.clip,
            "frames": self.frames,
            "collateral": round(self.total / n, 4),
            "causes": {k: round(v / n, 4) for k, v in self.causes.items()},
            "worst": [list(w) for w in sorted(self.worst, reverse=True)[:3]],
        }


def touches(box: Box, face: Box) -> bool:
    """Whether a hidden box lies on a true face: they overlap, or either's centre is inside the other."""
    return (
        box.iou(face) > 0.1
        or (face.x <= box.cx <= face.x + face.w and face.y <= box.cy <= face.y + face.h)
        or (box.x <= face.cx <= box.x + box.w and box.y <= face.cy <= box.y + box.h)
    )


def attribute(out: Processed, truth: GroundTruth, into: ClipCauses) -> None:
    """Score one frame of a path's output and put its collateral down to its causes."""
    original, output = out.frame.image, out.image
    h, w = original.shape[:2]
    faces = [f.box for f in truth.faces(out.frame.index)]
    changed, outside = changed_outside(original, output, faces)
    share = 1.0 if out.hidden_all else float(changed.sum()) / max(1, outside)
    into.frames += 1
    into.total += share
    if out.hidden_all:
        into.causes["rest"] += 1.0
        return
    on_face = [f.box for f in out.faces if any(touches(f.box, t) for t in faces)]
    on_none = [f.box for f in out.faces if not any(touches(f.box, t) for t in faces)]
    ahead = [f.box for f in out.ahead]
    claimed = np.zeros((h, w), bool)
    for cause, boxes in (
        ("on a face", on_face),
        ("on no face", on_none),
        ("ahead", ahead),
        ("guard", out.guarded),
    ):
        region = np.zeros((h, w), bool)
        for box in boxes:
            x0, y0, x1, y1 = box.scaled(REGION_SCALE).pixel_bounds(w, h)
            region[y0:y1, x0:x1] = True
        mine = region & changed & ~claimed
        claimed |= mine
        into.causes[cause] += float(mine.sum()) / max(1, outside)
    into.causes["rest"] += float((changed & ~claimed).sum()) / max(1, outside)
    into.worst.append(
        (round(share, 4), out.frame.index, len(on_face), len(on_none), len(ahead), len(out.guarded))
    )


def run_clip(video: Path, path: str, choice: DetectorChoice) -> ClipCauses:
    truth = load_ground_truth(video)
    causes = ClipCauses(video.stem)
    run = anonymize_clip if path == "anonymize" else live_clip
    run(video, truth, choice, Effect.BLUR, 0.0, lambda out: attribute(out, truth, causes))
    return causes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", default="tune", help="rendered part (default tune)")
    parser.add_argument("--path", choices=("anonymize", "live"), default="anonymize")
    parser.add_argument("--clips", nargs="*", default=[], help="only clips whose names start so")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of lines")
    args = parser.parse_args(argv)
    folder = clips_dir(args.part)
    clips = [
        c for c in rendered_clips(folder) if not args.clips or any(c.name.startswith(p) for p in args.clips)
    ]
    if not clips:
        print(f"collateral_causes: {not_rendered(folder, args.part)}", file=sys.stderr)
        return 2
    rows = []
    for video in clips:
        row = run_clip(video, args.path, DetectorChoice()).as_dict()
        rows.append(row)
        if not args.json:
            split = ", ".join(f"{k} {100 * v:.2f}" for k, v in row["causes"].items())
            print(
                f"{row['clip']}: {100 * row['collateral']:.2f} % ({split}); worst frames {row['worst']}",
                flush=True,
            )
    frames = sum(r["frames"] for r in rows)
    overall = {k: sum(r["causes"][k] * r["frames"] for r in rows) / frames for k in CAUSES}
    total = sum(r["collateral"] * r["frames"] for r in rows) / frames
    if args.json:
        print(
            json.dumps(
                {"part": args.part, "path": args.path, "collateral": total, "causes": overall, "clips": rows}
            )
        )
    else:
        split = ", ".join(f"{k} {100 * v:.2f}" for k, v in overall.items())
        print(f"all {len(rows)} clips: {100 * total:.2f} % ({split})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
