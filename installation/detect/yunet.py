"""YuNet through OpenCV's ``cv2.FaceDetectorYN``: the whole frame at one or more sizes.

YuNet (Shiqi Yu, OpenCV Zoo, MIT) is a small anchor-free detector that takes
any input size, so it sees the frame at the size it is given instead of a
192-pixel square. On footage this project never saw, a 1280x720 pass found
74 % of faces (92 % of 24-48 px ones) where BlazeFace full range found 21 %;
a 640x360 pass is weaker on small faces but holds better in dim, noisy light
(83 % against 55 %), because halving averages the noise away. Their union is
what the default ``yunet`` detector runs.

Boxes are turned into the project's convention (brow to chin, cheek to cheek,
see ``assets/footage/README.md``): measured on the bundled clips (frontal,
unoccluded faces, 1,211 matches per pass), YuNet's box is about 0.90 of the
face's width and 1.08 of its height, its bottom on the chin and its top up on
the forehead, the same at every face size and at both passes. The factors
below undo that. (The bundled clips come from two portraits; the factors
should be checked again on a wider development set.)

Faces cut by the frame's side: the coarsest pass gets a quarter of its width
mirrored onto each side (:data:`EDGE_MIRROR`). A face walking in, or brought
in by a pan or a zoom out, is part of a face for many frames, which YuNet
scores like a look-alike or misses; mirrored, the part and its reflection
make a nearly whole face, found at 0.8 to 0.9 (``tests/test_detect.py``). On
the development set's tune part and a second draw of it (``--seed 1``) that
took the leaked face-frames of 24 px and more from 31 to 27 (``anonymize``)
and 78 to 69 (live) for no more collateral; the half-size pass costs about
half as much again. The mirror is a multiple of 32 pixels wide, so the frame meets
the model's grid as it would unmirrored.

Threads: OpenCV's DNN runs a pass on ``cv2.getNumThreads()`` threads (2 on
the reference machine, 2 cores). With both cores already busy, as they are
with several cameras, a second thread gained nothing measurable: a 1280x720
pass took 55 ms on one thread and 59 on two, in another run 90 and 101; the
640x360 pass 12 and 13, then 29 and 23 (``benchmarks/bench_detect_clips.py
--threads N``). The count is global to OpenCV, so it is left to the process.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from installation.detect.blazeface import DEFAULT_THRESHOLD, MIN_SCORE, FrameDetector, _check_image
from installation.detect.nms import clip_all, suppress
from installation.detect.views import ModelInput, ModelWindow, mirror_width
from installation.errors import ConfigError, ModelError
from installation.frames import Detection
from installation.geometry import Box

#: Passes per detector name: each is a size relative to the frame (after ``input_scale``).
YUNET_SCALES: dict[str, tuple[float, ...]] = {
    # The union measured on unseen footage: 77 % of faces, 83 % in dim light.
    "yunet": (1.0, 0.5),
    # The frame at its own size: the small faces (24-48 px: 92 %), 7x BlazeFace's cost.
    "yunet-full": (1.0,),
    # Half size: faces from about 48 px, and dim light; 1.5x BlazeFace's cost.
    "yunet-half": (0.5,),
}

#: The coarsest pass sees the frame with this share of its width mirrored onto each side: part of
#: a face cut by the left or right edge, mirrored, looks like a whole face (faces are nearly
#: symmetric), which YuNet finds where it finds nothing in the cut face alone.
EDGE_MIRROR = 0.25
#: A box found in the mirrored pass is kept when its centre lies in the frame, or this share of its
#: width outside: further out, it is the mirror image of a face inside the frame.
MIRROR_SLACK = 0.1
#: A box reaching further than that into the mirrored side is kept from this score: below it, 16 of
#: 38 such boxes on the tune part and its second draw were on no face (the mirror makes any
#: pattern at the edge symmetric, and symmetric patterns look like faces); above, 4 of 92.
EDGE_MIN_SCORE = 0.5

#: YuNet's box to the project's: widen, shorten (from the top), and move down by this much of its height.
WIDTH_FACTOR = 1.10
HEIGHT_FACTOR = 0.93
DOWN_SHIFT = 0.045
#: YuNet's own non-maximum suppression inside one pass (the project's ``suppress`` merges across passes).
NMS_IOU = 0.3
#: The most candidates one pass returns.
TOP_K = 5000


def to_face_box(x: float, y: float, w: float, h: float) -> Box:
    """A YuNet box (forehead to chin, a little narrow) as the project's (brow to chin, cheek to cheek).

    >>> box = to_face_box(100, 100, 100, 100)
    >>> [round(v, 1) for v in (box.x, box.y, box.w, box.h)]
    [95.0, 108.0, 110.0, 93.0]
    """
    cx, cy = x + w / 2, y + h / 2 + DOWN_SHIFT * h
    return Box.from_centre(cx, cy, w * WIDTH_FACTOR, h * HEIGHT_FACTOR)


class YuNetDetector(FrameDetector):
    """YuNet over the whole frame, once per scale in ``scales``, the passes merged.

    Takes BGR ``uint8`` frames and returns boxes in their pixels, merged,
    clipped to the frame, strongest first. The frame is shrunk by
    ``input_scale`` first, then to each scale (area averaging). ``threshold``
    may be changed at any time; YuNet's scores (the geometric mean of its face
    and box-quality outputs) are the scale every model's threshold is on:
    clear faces score about 0.8 to 0.95; faces in dim light, compressed,
    small or turned away often 0.2 to 0.5. At 0.5 it reported about one
    false face per hundred frames on unseen footage, at the default 0.2
    about one in fifty on a clip of an empty room.

    >>> from installation.detect.models import resolve_yunet
    >>> with YuNetDetector(resolve_yunet(), scales=(1.0, 0.5)) as detector:
    ...     detector.detect(np.zeros((720, 1280, 3), np.uint8))
    []
    """

    def __init__(
        self,
        path: Path,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        input_scale: float = 1.0,
        scales: Sequence[float] = YUNET_SCALES["yunet"],
    ) -> None:
        if not scales or not all(0.0 < s <= 1.0 for s in scales):
            raise ConfigError(f"YuNet scales {tuple(scales)}: each must be above 0 and at most 1")
        super().__init__(threshold=threshold, input_scale=input_scale)
        self._scales = tuple(float(s) for s in scales)
        self._path = path
        self._closed = False
        self._passes: list[cv2.FaceDetectorYN] = []
        self._sizes: list[tuple[int, int]] = []
        try:
            for _ in self._scales:
                self._passes.append(
                    cv2.FaceDetectorYN.create(str(path), "", (320, 320), MIN_SCORE, NMS_IOU, TOP_K)
                )
                self._sizes.append((320, 320))
            self._passes[0].detect(np.zeros((320, 320, 3), np.uint8))
        except cv2.error as exc:
            reason = _reason(exc)
            raise ModelError(f"YuNet face model {path}: cannot load it as a YuNet .onnx ({reason})") from exc

    @property
    def scales(self) -> tuple[float, ...]:
        """The size of each pass, relative to the frame after ``input_scale``."""
        return self._scales

    def detect(self, image: np.ndarray) -> list[Detection]:
        """The faces in a BGR ``uint8`` frame, in its pixels, strongest first."""
        height, width = _check_image(image)
        threshold = self.own_threshold
        found: list[Detection] = []
        for index, size in enumerate(self._pass_sizes(width, height)):
            same = size == (width, height)
            small = image if same else cv2.resize(image, size, interpolation=cv2.INTER_AREA)
            fx, fy = width / size[0], height / size[1]
            pad = self._mirror_px(index, size[0])
            if pad:
                small = cv2.copyMakeBorder(small, 0, 0, pad, pad, cv2.BORDER_REFLECT)
            for x, y, w, h, score in self._run(index, small):
                if score < threshold:
                    continue
                if pad:
                    x -= pad
                    if not -MIRROR_SLACK * w <= x + w / 2 <= size[0] + MIRROR_SLACK * w:
                        continue  # the mirror image of a face inside the frame
                    past = max(0.0, -x) + max(0.0, x + w - size[0])
                    if past > MIRROR_SLACK * w and score < max(threshold, EDGE_MIN_SCORE):
                        continue  # half in the mirror and weak: a symmetric pattern, most often
                box = to_face_box(x * fx, y * fy, w * fx, h * fy)
                if y <= 1.0:
                    # A face cut by the top edge: its forehead is not in the box to be trimmed,
                    # so the top stays at the edge (hide rather than show).
                    box = Box(box.x, y * fy, box.w, box.y + box.h - y * fy)
                found.append(Detection(box, score))
        return suppress(clip_all(found, width, height), frame=(width, height))

    def describe_input(self, width: int, height: int) -> ModelInput:
        """One window per pass: the whole frame, at that pass's size (the coarsest with its sides mirrored).

        >>> from installation.detect.models import resolve_yunet
        >>> with YuNetDetector(resolve_yunet()) as detector:
        ...     [(w.size, w.mirrored) for w in detector.describe_input(1280, 720).windows]
        [((1280, 720), 0.0), ((640, 360), 0.25)]
        """
        whole = Box(0.0, 0.0, float(width), float(height))
        sizes = self._pass_sizes(width, height)
        return ModelInput(
            tuple(
                ModelWindow("yunet", whole, size, EDGE_MIRROR if i == self._coarsest else 0.0)
                for i, size in enumerate(sizes)
            )
        )

    def close(self) -> None:
        """Release the model; closing twice is harmless."""
        if not self._closed:
            self._closed = True
            self._passes.clear()

    @property
    def _coarsest(self) -> int:
        return min(range(len(self._scales)), key=lambda i: self._scales[i])

    def _mirror_px(self, index: int, width: int) -> int:
        """Model pixels mirrored onto each side of pass ``index`` (``width`` wide): the coarsest pass only.

        Whole steps of YuNet's coarsest stride (32), so the frame meets the model's grid as it
        would unmirrored and what the pass finds inside the frame does not change.
        """
        return mirror_width(width, EDGE_MIRROR) if index == self._coarsest else 0

    def _pass_sizes(self, width: int, height: int) -> list[tuple[int, int]]:
        base = self._input_scale
        return [(max(1, round(width * base * s)), max(1, round(height * base * s))) for s in self._scales]

    def _run(self, index: int, image: np.ndarray) -> list[tuple[float, float, float, float, float]]:
        if self._closed:
            raise ModelError(f"YuNet face model {self._path}: used after close()")
        model = self._passes[index]
        size = (image.shape[1], image.shape[0])
        if self._sizes[index] != size:
            model.setInputSize(size)
            self._sizes[index] = size
        try:
            _, faces = model.detect(image)
        except cv2.error as exc:
            raise ModelError(f"YuNet face model {self._path}: failed on a frame ({_reason(exc)})") from exc
        if faces is None:
            return []
        # Each row: box, five landmarks (ignored), score.
        return [(float(f[0]), float(f[1]), float(f[2]), float(f[3]), float(f[14])) for f in faces]


def _reason(exc: BaseException) -> str:
    """OpenCV's error without its source-file prefix, kept short."""
    text = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    text = text.split(") ", 1)[-1] if text.startswith("OpenCV(") else text
    return text if len(text) <= 120 else text[:117] + "..."
