"""BlazeFace detectors: a whole-frame pass, and tiles on top of it for small faces.

Both take BGR ``uint8`` frames (OpenCV's order) and return
:class:`~installation.frames.Detection` boxes in that frame's pixels, merged
and clipped to the frame, strongest first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from installation.closing import Closing
from installation.detect.engines import Engine, Job, Raw
from installation.detect.nms import clip_all, suppress
from installation.detect.views import ModelInput, ModelWindow
from installation.errors import ConfigError
from installation.frames import Detection
from installation.geometry import Box

#: The score the models are built with; the live threshold filters above it.
MIN_SCORE = 0.1
#: The threshold a detector gets when none is configured, on YuNet's scale (see
#: :attr:`FrameDetector.SCORE_OFFSET` for BlazeFace's). Chosen on the development set's tune
#: part, live room path (``yunet``, blur at strength 0): at 0.5 it leaked 16.8 % of
#: face-frames, at 0.3 8.0 %, at 0.2 3.8 %, at 0.15 2.5 %; what was hidden outside the faces
#: grew from 0.2 % to 0.9, 1.4 and 2.4 % (dim light: 0.5, 2.1, 2.8, 5.2 %). On a clip of an
#: empty room YuNet at 0.2 reported one box in fifty frames. Hiding a patch of wall now and
#: then is the cost of not showing a face.
DEFAULT_THRESHOLD = 0.2
#: The thresholds a camera's config, ``anonymize --threshold`` and the workshop's slider may
#: set: from the weakest score the models report (a lower one would silently act as it) to
#: just under 1 (at 1 no face is ever found, so none would be hidden).
THRESHOLD_RANGE = (MIN_SCORE, 0.99)
#: How far frames may be scaled before detection: down to a tenth (smaller finds nothing
#: a room camera shows), never up (enlarging a frame adds time, not detail).
INPUT_SCALE_RANGE = (0.1, 1.0)


class FrameDetector(Closing):
    """What the single-model detectors share: a threshold that may change between any two frames,
    from any thread (it applies from the next frame), and the scale frames are shrunk by first.

    The threshold is one scale for every model, YuNet's; a model whose scores run higher adds
    its :attr:`SCORE_OFFSET` before comparing (:attr:`own_threshold`), so that one number
    set on a camera (or on the workshop's slider) means about the same for each model. The
    scores it reports are on that scale too, its own less the offset: every rule that reads a
    score (a sure face when boxes are merged, a weak sighting in the tracker, the label beside
    a box in the workshop) then means the same whichever model found the face.
    """

    #: Added to the threshold before this model's scores are compared with it (at most 0.99),
    #: and taken off the scores it reports.
    SCORE_OFFSET = 0.0

    def __init__(self, *, threshold: float, input_scale: float) -> None:
        self._threshold = valid_threshold(threshold)
        self._input_scale = valid_input_scale(input_scale)

    @property
    def threshold(self) -> float:
        """Scores below this are not reported; set it at any time (``MIN_SCORE`` to 1; people's
        settings stay within :data:`THRESHOLD_RANGE`)."""
        return self._threshold

    @threshold.setter
    def threshold(self, value: float) -> None:
        self._threshold = valid_threshold(value)

    @property
    def own_threshold(self) -> float:
        """The threshold on this model's own scores: ``threshold`` plus :attr:`SCORE_OFFSET`."""
        return min(0.99, self._threshold + self.SCORE_OFFSET)

    @property
    def input_scale(self) -> float:
        return self._input_scale


class BlazeFaceDetector(FrameDetector):
    """Runs one model over the whole frame.

    The frame is first shrunk by ``input_scale`` and then halved (2x2 box
    averaging: cheap, and it does not alias) while it is more than twice the
    model's input size, or four times for an engine that reports whole pixels
    (short range), so that the model's own bilinear resize never has to skip
    pixels. Colour is converted once, on the small image. ``threshold`` may be
    changed at any time, from any thread; it applies from the next frame.

    BlazeFace's scores run higher than YuNet's: on a clip of an empty room
    full range reported 0.35 boxes a frame at 0.5, 1.6 at 0.3 and 3 at 0.2,
    where YuNet at 0.2 reported 0.02. Its threshold is therefore the
    configured one plus :attr:`SCORE_OFFSET` (0.3): the default 0.2 is 0.5
    on BlazeFace's own scores, its threshold before the two shared a scale. It reports
    its scores less the offset: a face it scores 0.9 is reported at 0.6.

    >>> from installation.detect.engines import GraphFullRange
    >>> from installation.detect.models import resolve_model
    >>> with BlazeFaceDetector(GraphFullRange(resolve_model("full"), min_score=MIN_SCORE)) as detector:
    ...     detector.detect(np.zeros((720, 1280, 3), np.uint8))
    []
    """

    SCORE_OFFSET = 0.3

    def __init__(
        self,
        engine: Engine,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        input_scale: float = 1.0,
        squares: bool = False,
    ) -> None:
        self._engine = engine
        # The square model letterboxes a 16:9 frame, showing faces at 56 % of
        # the size a square window of the frame's height gives; overlapping
        # square windows reach faces that much smaller, at one run per window.
        # Frames squarer than 16:10 lose little to the letterbox and are run
        # whole: every extra window is another chance of a false face.
        self._squares = squares
        self._closed = False
        super().__init__(threshold=threshold, input_scale=input_scale)
        # With whole-pixel results the image the model gets is left larger so the rounding stays small.
        self._keep = 2.0 if engine.whole_pixels else 1.0

    def detect(self, image: np.ndarray) -> list[Detection]:
        """The faces in a BGR ``uint8`` frame, in its pixels, strongest first."""
        height, width = _check_image(image)
        scaled, fx, fy = self._scaled(image)
        return self._finish(self._whole_frame(scaled, fx, fy), width, height)

    def describe_input(self, width: int, height: int) -> ModelInput:
        """What the whole-frame pass shows the model of a ``width`` x ``height`` frame, and at what size.

        The square short-range model gets overlapping square windows of a wide
        frame (the same ones :meth:`detect` runs); otherwise the whole frame is
        letterboxed into the model's square.

        >>> from installation.detect.engines import TasksShortRange
        >>> from installation.detect.models import resolve_model
        >>> engine = TasksShortRange(resolve_model("short"), min_score=MIN_SCORE)
        >>> with BlazeFaceDetector(engine, squares=True) as detector:
        ...     [(w.region.x, w.region.w, w.size) for w in detector.describe_input(1280, 720).windows]
        [(0.0, 720.0, (128, 128)), (560.0, 720.0, (128, 128))]
        """
        label = str(getattr(self._engine, "name", "blazeface"))
        tensor = (int(self._engine.input_size[0]), int(self._engine.input_size[1]))
        regions = self._square_windows(width, height) or [Box(0.0, 0.0, float(width), float(height))]
        return ModelInput(tuple(ModelWindow(label, region, tensor) for region in regions))

    def _square_windows(self, width: int, height: int) -> list[Box] | None:
        """The overlapping square windows the short-range model runs on a wide ``width`` x ``height``
        image, or None where it runs the whole image."""
        if not self._squares or width < 1.6 * height:
            return None
        count = math.ceil(width / height)
        step = (width - height) / (count - 1)
        return [Box(float(round(i * step)), 0.0, float(height), float(height)) for i in range(count)]

    def close(self) -> None:
        """Release the model; closing twice is harmless."""
        if not self._closed:
            self._closed = True
            self._engine.close()

    def _scaled(self, image: np.ndarray) -> tuple[np.ndarray, float, float]:
        """The frame at ``input_scale``, with frame pixels per scaled pixel across and down."""
        if self._input_scale == 1.0:
            return image, 1.0, 1.0
        height, width = image.shape[:2]
        size = (max(1, round(width * self._input_scale)), max(1, round(height * self._input_scale)))
        return cv2.resize(image, size, interpolation=cv2.INTER_AREA), width / size[0], height / size[1]

    def _whole_frame(self, small: np.ndarray, fx: float, fy: float) -> list[Detection]:
        """The model over the whole of ``small``, a frame shrunk by ``fx`` across and ``fy`` down."""
        job, fx, fy = self._whole_frame_job(small, fx, fy)
        return self._whole_frame_found(self._engine.run(*job), fx, fy)

    def _whole_frame_job(self, small: np.ndarray, fx: float, fy: float) -> tuple[Job, float, float]:
        """What the engine runs for the whole-frame pass, and the scale of its image to the frame's."""
        tensor_w, tensor_h = self._engine.input_size
        while True:
            h, w = small.shape[:2]
            side_w = min(w, h) if self._squares else w
            if max(side_w / tensor_w, h / tensor_h) < 2 * self._keep:
                break
            # Even sides keep this an exact 2x2 average (OpenCV's fast path: two halvings of a
            # 720p frame take 0.4 ms, one 4:1 step 0.8). Dropping an odd last row or column
            # leaves every kept pixel where it was, so the scale is exactly 2.
            even = small[: h - h % 2, : w - w % 2]
            small = cv2.resize(even, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
            fx, fy = fx * 2, fy * 2
        rgb = cv2.cvtColor(small, cv2.COLOR_BGR2RGB)
        h, w = small.shape[:2]
        return (rgb, self._square_windows(w, h)), fx, fy

    @staticmethod
    def _whole_frame_found(results: list[list[Raw]], fx: float, fy: float) -> list[Detection]:
        found: list[Detection] = []
        for raws in results:
            found.extend(_to_frame(raws, fx, fy))
        return found

    def _finish(self, detections: Sequence[Detection], width: int, height: int) -> list[Detection]:
        threshold = self.own_threshold
        kept = [Detection(d.box, d.score - self.SCORE_OFFSET) for d in detections if d.score >= threshold]
        return suppress(clip_all(kept, width, height), frame=(width, height))


def valid_threshold(value: float) -> float:
    """``value`` as a float if it is a usable score threshold (``MIN_SCORE`` to 1), else a ``ConfigError``.

    Below ``MIN_SCORE`` the models report nothing, so such a threshold would
    not mean what it says.

    >>> valid_threshold(1.5)
    Traceback (most recent call last):
    ...
    installation.errors.ConfigError: detector threshold 1.5: must be from 0.1 to 1
    """
    if not MIN_SCORE <= float(value) <= 1.0:
        raise ConfigError(f"detector threshold {value}: must be from {MIN_SCORE:g} to 1")
    return float(value)


def valid_input_scale(value: float) -> float:
    """``value`` as a float if it is within :data:`INPUT_SCALE_RANGE`, else a ``ConfigError``."""
    low, high = INPUT_SCALE_RANGE
    if not low <= float(value) <= high:
        raise ConfigError(f"detector input_scale {value}: must be from {low:g} to {high:g}")
    return float(value)


def _to_frame(raws: Sequence[Raw], sx: float, sy: float) -> list[Detection]:
    return [Detection(Box(x * sx, y * sy, w * sx, h * sy), score) for x, y, w, h, score in raws]


def _check_image(image: np.ndarray) -> tuple[int, int]:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        shape = getattr(image, "shape", None)
        dtype = getattr(image, "dtype", type(image).__name__)
        raise ValueError(
            f"face detector: expected a BGR uint8 image of shape (height, width, 3), got {dtype} {shape}"
        )
    return int(image.shape[0]), int(image.shape[1])
