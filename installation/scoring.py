"""Scoring a run against ground truth: leaked face-frames and falsely hidden area.

Used by the end-to-end tests and by ``installation bench``. A face-frame is
scored with the leak measure in ``installation.leak`` at its ground-truth box;
faces are split at 48 px (height) because the tests demand zero leaks above it
and only report the rate below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from installation.geometry import Box
from installation.leak import LeakTally

LARGE_FACE_PX = 48


@dataclass
class FootageScore:
    """Accumulates leak counts and hidden-area figures frame by frame."""

    large: LeakTally = field(default_factory=LeakTally)
    small: LeakTally = field(default_factory=LeakTally)
    frames: int = 0
    false_hidden: float = 0.0  # sum over frames of hidden area without a face, as a fraction of the frame
    true_area: float = 0.0  # sum of ground-truth face areas (mask-scaled)
    hidden_area: float = 0.0  # sum of hidden areas
    leaked_examples: list[tuple[int, int, float]] = field(default_factory=list)  # (frame, track, height)

    def add(
        self,
        frame_index: int,
        original: np.ndarray,
        output: np.ndarray,
        truth: Sequence[tuple[int, Box]],
        hidden: Sequence[Box],
        *,
        mask_scale: float = 1.3,
        hidden_all: bool = False,
        guarded: Sequence[Box] = (),
    ) -> None:
        """Score one frame: ``truth`` as ``(track_id, box)`` pairs, ``hidden`` the face boxes the
        pipeline hid (grown by ``mask_scale`` as the effect grows them), ``guarded`` other
        hidden regions, as they are."""
        h, w = original.shape[:2]
        self.frames += 1
        for track_id, box in truth:
            tally = self.large if box.h >= LARGE_FACE_PX else self.small
            if tally.add(original, output, box) and len(self.leaked_examples) < 50:
                self.leaked_examples.append((frame_index, track_id, box.h))
        mask, faces = hidden_masks(
            (h, w), hidden, guarded, [box for _, box in truth], mask_scale=mask_scale, hidden_all=hidden_all
        )
        self.hidden_area += float(mask.sum())
        self.true_area += float(faces.sum())
        self.false_hidden += float((mask & ~faces).sum()) / (w * h)

    @property
    def false_hidden_fraction(self) -> float:
        """Mean share of the frame hidden where no face is."""
        return self.false_hidden / self.frames if self.frames else 0.0

    @property
    def hidden_to_true_ratio(self) -> float:
        """Hidden area over true (mask-scaled) face area, summed over the run."""
        return self.hidden_area / self.true_area if self.true_area else 0.0

    def summary(self) -> dict[str, float]:
        return {
            "frames": self.frames,
            "face_frames_large": self.large.scored,
            "leaked_large": self.large.leaked,
            "leak_rate_large": self.large.rate,
            "face_frames_small": self.small.scored,
            "leaked_small": self.small.leaked,
            "leak_rate_small": self.small.rate,
            "false_hidden_fraction": self.false_hidden_fraction,
            "hidden_to_true_ratio": self.hidden_to_true_ratio,
        }


def hidden_masks(
    shape: tuple[int, int],
    hidden: Sequence[Box],
    guarded: Sequence[Box],
    faces: Sequence[Box],
    *,
    mask_scale: float = 1.3,
    hidden_all: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """What a frame of ``shape`` (height, width) has hidden (the face boxes grown by ``mask_scale``,
    the guarded regions as they are, or all of it) and where its ground-truth faces are (grown
    alike), as two boolean masks.

    >>> hidden, faces = hidden_masks((10, 10), [], [Box(0, 0, 5, 10)], [Box(4, 4, 2, 2)], mask_scale=1.0)
    >>> int(hidden.sum()), int((hidden & ~faces).sum())
    (50, 48)
    """
    h, w = shape
    mask = np.zeros((h, w), bool)
    for box in hidden:
        x0, y0, x1, y1 = box.scaled(mask_scale).pixel_bounds(w, h)
        mask[y0:y1, x0:x1] = True
    for box in guarded:
        x0, y0, x1, y1 = box.pixel_bounds(w, h)
        mask[y0:y1, x0:x1] = True
    if hidden_all:
        mask[:] = True
    true = np.zeros((h, w), bool)
    for box in faces:
        x0, y0, x1, y1 = box.scaled(mask_scale).pixel_bounds(w, h)
        true[y0:y1, x0:x1] = True
    return mask, true
