"""MTCNN through OpenCV's dnn: a second opinion from a detector family that never hides a face.

``installation audit`` checks what YuNet and BlazeFace hid with a detector
that shares neither their training nor their failures: MTCNN (Zhang et al.,
2016), three small cascaded networks. The weights ship in this package
(``installation/detect/weights/mtcnn_*.onnx``, MIT, provenance in the README
there), are checked against their sha256 each time they load, and run
through ``cv2.dnn``; nothing is downloaded and no MTCNN package is imported.

The cascade, as this module runs it:

1. **P-Net** slides a 12-pixel window over an image pyramid (fully
   convolutional: each output cell is one window, 2 pixels apart). The
   pyramid starts at ``12 / min_face``, so ``min_face`` below 12 enlarges the
   frame first and reaches faces smaller than the network's window. Windows
   above the first threshold are merged per level and across levels, moved
   by the network's box regression and made square.
2. **R-Net** looks again at each candidate, cut from the frame and resized to
   24 x 24, keeps those above the second threshold, and refines their boxes.
3. **O-Net** does the same at 48 x 48; its face probability is the score.

The networks were converted from Keras, so each input is NHWC with width and
height swapped (``(N, W, H, 3)``), RGB, scaled to [-1, 1].

Boxes come back in the project's convention (brow to chin, cheek to cheek,
see ``assets/footage/README.md``): MTCNN's square box reaches from the
forehead to below the chin and is about as wide as the face; the factors
below, measured on the clear faces of the bundled clips, move it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from installation.closing import Closing
from installation.detect.models import sha256_of, weights_dir
from installation.errors import ConfigError, ModelError
from installation.frames import Detection
from installation.geometry import Box

#: The three networks' files in ``installation/detect/weights/`` and what each must hash to.
MTCNN_FILES: dict[str, str] = {
    "pnet": "mtcnn_pnet.onnx",
    "rnet": "mtcnn_rnet.onnx",
    "onet": "mtcnn_onet.onnx",
}
MTCNN_SHA256: dict[str, str] = {
    "pnet": "07a69013008e612c4d2ad31b09645038911dfec67411cd68ccd0da55ca291a35",
    "rnet": "de0f837f02b57e1e85959c3ae5c46bcd16162e6e95be5db8794e3c7c85a89004",
    "onet": "d80f19b44f72e45dd2b7d01384d56994220f60d9417b2a7fbba9041ef1d75e52",
}
#: The output layers each network is asked for: box regression, (landmarks,) face probability.
_OUTPUTS: dict[str, list[str]] = {
    "pnet": ["conv2d_4", "softmax"],
    "rnet": ["dense_2", "softmax_1"],
    "onet": ["dense_5", "softmax_2"],
}
#: The window each stage looks through, in pixels.
_PNET_CELL = 12
_PNET_STRIDE = 2
_RNET_SIZE = 24
_ONET_SIZE = 48
#: Each pyramid level is this much smaller than the one before (the published value).
PYRAMID_FACTOR = 0.709
#: Thresholds of the three stages in the published detector.
PUBLISHED_THRESHOLDS = (0.6, 0.7, 0.7)
#: Candidates R-Net and O-Net are given in one batch.
_BATCH = 256
#: The most P-Net candidates that go on to R-Net (strongest first): a frame of texture at a low
#: threshold can produce tens of thousands.
MAX_CANDIDATES = 4000
#: The most P-Net windows one pyramid level contributes (strongest first).
MAX_PER_LEVEL = 2000
_NEIGHBOURS = np.ones((3, 3), np.uint8)

#: MTCNN's box to the project's: its width and height times these, moved down by this much of
#: its height. Measured on the clear faces of the bundled clips.
WIDTH_FACTOR = 1.14
HEIGHT_FACTOR = 0.95
DOWN_SHIFT = 0.065


def resolve_mtcnn(*, packaged: Path | None = None) -> dict[str, Path]:
    """The three MTCNN files, each checked against its sha256; by network name.

    ``packaged`` replaces the folder they are read from (tests). A missing file
    or a wrong hash is a :class:`~installation.errors.ModelError` naming the
    path. There is no configured copy: the audit runs the shipped files only.

    >>> sorted(p.name for p in resolve_mtcnn().values())
    ['mtcnn_onet.onnx', 'mtcnn_pnet.onnx', 'mtcnn_rnet.onnx']
    """
    folder = packaged if packaged is not None else weights_dir()
    paths = {}
    for name, file in MTCNN_FILES.items():
        path = folder / file
        if not path.is_file():
            raise ModelError(
                f"MTCNN face model: no such file {path} (it ships in the package; reinstall monitoring-room)"
            )
        got = sha256_of(path)
        if got != MTCNN_SHA256[name]:
            raise ModelError(
                f"MTCNN face model {path}: sha256 mismatch: expected {MTCNN_SHA256[name]}, got {got}; "
                f"reinstall monitoring-room"
            )
        paths[name] = path
    return paths


def to_face_box(x0: float, y0: float, x1: float, y1: float) -> Box:
    """An MTCNN box (corners) as the project's face box.

    >>> to_face_box(100, 100, 200, 200) == Box.from_centre(150, 150 + DOWN_SHIFT * 100,
    ...                                                    100 * WIDTH_FACTOR, 100 * HEIGHT_FACTOR)
    True
    """
    w, h = x1 - x0, y1 - y0
    return Box.from_centre((x0 + x1) / 2, (y0 + y1) / 2 + DOWN_SHIFT * h, w * WIDTH_FACTOR, h * HEIGHT_FACTOR)


def pyramid(width: int, height: int, min_face: float, factor: float = PYRAMID_FACTOR) -> list[float]:
    """The scales P-Net runs at: from ``12 / min_face`` down while the frame still holds a window.

    >>> [round(s, 3) for s in pyramid(48, 40, 12)]
    [1.0, 0.709, 0.503, 0.356]
    >>> pyramid(640, 360, 6)[0]
    2.0
    """
    if min_face <= 0:
        raise ConfigError(f"MTCNN min_face {min_face}: must be above 0 pixels")
    scales = []
    scale = _PNET_CELL / min_face
    while min(width, height) * scale >= _PNET_CELL:
        scales.append(scale)
        scale *= factor
    return scales


def nms(boxes: np.ndarray, scores: np.ndarray, overlap: float, *, by_smaller: bool = False) -> np.ndarray:
    """Indices of the boxes kept by greedy non-maximum suppression, strongest first.

    ``boxes`` are rows ``(x0, y0, x1, y1)``; a box goes when its overlap with a
    kept one exceeds ``overlap``: intersection over union (OpenCV's
    ``NMSBoxes``, fast on the thousands of windows P-Net proposes), or over
    the smaller box's area with ``by_smaller`` (which also drops a box inside
    another; used on O-Net's few boxes).

    >>> b = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [2, 2, 6, 6]], float)
    >>> nms(b, np.array([0.9, 0.8, 0.7, 0.6]), 0.5).tolist()
    [0, 2, 3]
    >>> nms(b, np.array([0.9, 0.8, 0.7, 0.6]), 0.5, by_smaller=True).tolist()
    [0, 2]
    """
    if len(boxes) == 0:
        return np.zeros(0, np.int64)
    if not by_smaller:
        rects = np.stack(
            [boxes[:, 0], boxes[:, 1], boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]], axis=1
        )
        kept = cv2.dnn.NMSBoxes(rects.tolist(), scores.astype(float).tolist(), 0.0, overlap)
        return np.asarray(kept, np.int64).reshape(-1)
    x0, y0, x1, y1 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    area = np.maximum(0.0, x1 - x0) * np.maximum(0.0, y1 - y0)
    order = np.argsort(-scores, kind="stable")
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        iw = np.maximum(0.0, np.minimum(x1[i], x1[rest]) - np.maximum(x0[i], x0[rest]))
        ih = np.maximum(0.0, np.minimum(y1[i], y1[rest]) - np.maximum(y0[i], y0[rest]))
        ratio = (iw * ih) / np.maximum(np.minimum(area[i], area[rest]), 1e-9)
        order = rest[ratio <= overlap]
    return np.array(keep, np.int64)


def _square(boxes: np.ndarray) -> np.ndarray:
    """Each ``(x0, y0, x1, y1)`` box made square about its centre, on its longer side."""
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    side = np.maximum(w, h)
    cx, cy = boxes[:, 0] + w / 2, boxes[:, 1] + h / 2
    return np.stack([cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2], axis=1)


def _regress(boxes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Boxes moved by a network's regression: each corner by its offset times the box's size."""
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    size = np.stack([w, h, w, h], axis=1)
    return boxes[:, :4] + offsets[:, :4] * size


def _normalise(rgb: np.ndarray) -> np.ndarray:
    return (rgb.astype(np.float32) - 127.5) * (1.0 / 128.0)


class MtcnnDetector(Closing):
    """MTCNN over a whole frame: every face from ``min_face`` pixels up, strongest first.

    ``thresholds`` are the three stages' (P-Net, R-Net, O-Net); the score of a
    detection is O-Net's face probability. ``min_face`` below 12 enlarges the
    frame before P-Net (2x at 6), which is how small faces are reached.
    ``paths`` maps ``pnet``, ``rnet`` and ``onet`` to their files (default:
    the shipped ones, hashes checked).

    >>> with MtcnnDetector() as detector:
    ...     detector.detect(np.zeros((120, 160, 3), np.uint8))
    []
    """

    def __init__(
        self,
        paths: dict[str, Path] | None = None,
        *,
        thresholds: Sequence[float] = PUBLISHED_THRESHOLDS,
        min_face: float = 12.0,
        factor: float = PYRAMID_FACTOR,
    ) -> None:
        if len(thresholds) != 3 or not all(0.0 <= t < 1.0 for t in thresholds):
            raise ConfigError(f"MTCNN thresholds {tuple(thresholds)}: three values from 0 to under 1")
        if not 0.1 < factor < 0.95:
            raise ConfigError(f"MTCNN pyramid factor {factor}: expected a value between 0.1 and 0.95")
        pyramid(_PNET_CELL, _PNET_CELL, min_face)  # checks min_face
        self.thresholds = tuple(float(t) for t in thresholds)
        self.min_face = float(min_face)
        self.factor = float(factor)
        self._paths = paths if paths is not None else resolve_mtcnn()
        self._nets: dict[str, cv2.dnn.Net] = {}
        for name in MTCNN_FILES:
            path = self._paths[name]
            try:
                self._nets[name] = cv2.dnn.readNetFromONNX(str(path))
            except cv2.error as exc:
                raise ModelError(f"MTCNN face model {path}: cannot load it as an .onnx network") from exc

    def detect(self, image: np.ndarray) -> list[Detection]:
        """The faces in a BGR ``uint8`` frame, in its pixels (project convention), strongest first."""
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"MTCNN: expected a BGR uint8 image, got {image.dtype} {image.shape}")
        height, width = image.shape[:2]
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        boxes, _ = self._propose(rgb)
        if len(boxes):
            boxes, _ = self._refine(rgb, boxes, "rnet", _RNET_SIZE, self.thresholds[1])
        if len(boxes):
            boxes, scores = self._refine(rgb, boxes, "onet", _ONET_SIZE, self.thresholds[2], last=True)
        else:
            scores = np.zeros(0, np.float32)
        found = []
        for (x0, y0, x1, y1), score in zip(boxes, scores, strict=True):
            box = to_face_box(float(x0), float(y0), float(x1), float(y1)).clipped(width, height)
            if box.w > 0 and box.h > 0:
                found.append(Detection(box, float(score)))
        found.sort(key=lambda d: d.score, reverse=True)
        return found

    def close(self) -> None:
        """Release the networks; closing twice is harmless."""
        self._nets.clear()

    def _net(self, name: str) -> cv2.dnn.Net:
        net = self._nets.get(name)
        if net is None:
            raise ModelError(f"MTCNN face model {self._paths[name]}: used after close()")
        return net

    def _propose(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """P-Net over the pyramid: square candidate boxes (x0, y0, x1, y1) and their scores."""
        height, width = rgb.shape[:2]
        net = self._net("pnet")
        threshold = self.thresholds[0]
        all_boxes, all_scores = [], []
        for scale in pyramid(width, height, self.min_face, self.factor):
            size = (math.ceil(width * scale), math.ceil(height * scale))
            interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
            level = rgb if size == (width, height) else cv2.resize(rgb, size, interpolation=interpolation)
            net.setInput(np.ascontiguousarray(_normalise(level).transpose(1, 0, 2)[None]))
            offsets, probability = net.forward(_OUTPUTS["pnet"])
            # Outputs are (1, W', H', C): index [x, y].
            face = np.ascontiguousarray(probability[0, :, :, 1])
            # Only windows stronger than their eight neighbours: the rest overlap a stronger one
            # by more than NMS would allow, and at a low threshold there are tens of thousands.
            peaks = face >= cv2.dilate(face, _NEIGHBOURS)
            xs, ys = np.nonzero(peaks & (face >= threshold))
            if xs.size > MAX_PER_LEVEL:
                strongest = np.argsort(-face[xs, ys], kind="stable")[:MAX_PER_LEVEL]
                xs, ys = xs[strongest], ys[strongest]
            if xs.size == 0:
                continue
            scores = face[xs, ys]
            cells = (
                np.stack(
                    [
                        _PNET_STRIDE * xs,
                        _PNET_STRIDE * ys,
                        _PNET_STRIDE * xs + _PNET_CELL,
                        _PNET_STRIDE * ys + _PNET_CELL,
                    ],
                    axis=1,
                ).astype(np.float32)
                / scale
            )
            keep = nms(cells, scores, 0.5)
            moved = _regress(cells[keep], offsets[0, xs[keep], ys[keep], :])
            all_boxes.append(moved)
            all_scores.append(scores[keep])
        if not all_boxes:
            return np.zeros((0, 4), np.float32), np.zeros(0, np.float32)
        boxes, scores = np.concatenate(all_boxes), np.concatenate(all_scores)
        keep = nms(boxes, scores, 0.7)[:MAX_CANDIDATES]
        return _square(boxes[keep]), scores[keep]

    def _refine(
        self,
        rgb: np.ndarray,
        boxes: np.ndarray,
        name: str,
        size: int,
        threshold: float,
        *,
        last: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """R-Net or O-Net on each box's crop: the boxes kept, moved by the network, and their scores."""
        net = self._net(name)
        crops = _crops(rgb, boxes, size)
        offsets_parts, score_parts = [], []
        for start in range(0, len(crops), _BATCH):
            batch = np.ascontiguousarray(_normalise(crops[start : start + _BATCH]).transpose(0, 2, 1, 3))
            net.setInput(batch)
            offsets, probability = net.forward(_OUTPUTS[name])
            offsets_parts.append(offsets.reshape(len(batch), 4))
            score_parts.append(probability.reshape(len(batch), 2)[:, 1])
        offsets, scores = np.concatenate(offsets_parts), np.concatenate(score_parts)
        passed = scores >= threshold
        boxes, offsets, scores = boxes[passed], offsets[passed], scores[passed]
        if not len(boxes):
            return boxes, scores
        if last:
            boxes = _regress(boxes, offsets)
            keep = nms(boxes, scores, 0.7, by_smaller=True)
            return boxes[keep], scores[keep]
        keep = nms(boxes, scores, 0.7)
        return _square(_regress(boxes[keep], offsets[keep])), scores[keep]


def _crops(rgb: np.ndarray, boxes: np.ndarray, size: int) -> np.ndarray:
    """Each box cut from the frame (black beyond its edges) and resized to ``size`` x ``size``."""
    height, width = rgb.shape[:2]
    out = np.zeros((len(boxes), size, size, 3), np.uint8)
    for k, (x0, y0, x1, y1) in enumerate(boxes):
        ix0, iy0 = int(math.floor(x0)), int(math.floor(y0))
        ix1, iy1 = max(ix0 + 1, int(math.ceil(x1))), max(iy0 + 1, int(math.ceil(y1)))
        patch = np.zeros((iy1 - iy0, ix1 - ix0, 3), np.uint8)
        sx0, sy0, sx1, sy1 = max(ix0, 0), max(iy0, 0), min(ix1, width), min(iy1, height)
        if sx1 > sx0 and sy1 > sy0:
            patch[sy0 - iy0 : sy1 - iy0, sx0 - ix0 : sx1 - ix0] = rgb[sy0:sy1, sx0:sx1]
        interpolation = cv2.INTER_AREA if patch.shape[0] > size else cv2.INTER_LINEAR
        out[k] = cv2.resize(patch, (size, size), interpolation=interpolation)
    return out
