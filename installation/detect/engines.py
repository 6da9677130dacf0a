"""The two ways a BlazeFace model is run: the only module that talks to mediapipe.

* Short range goes through the Tasks API (``mediapipe.tasks.python.vision.
  FaceDetector``). Its results are whole pixels of the image it was given, cut
  towards zero, so callers should not hand it an image much smaller than they
  need boxes for.
* Full range cannot: in mediapipe 0.10.21 the Tasks face detector expects the
  short-range model's 896 anchors and stops on the full-range model's 2304
  with a tensor-shape check. The legacy ``mp.solutions.face_detection`` graph
  runs it, but that graph's model path is fixed inside its ``.binarypb`` (a
  ``model_path`` passed through its options is ignored). So full range runs a
  graph of our own around mediapipe's ``FaceDetection`` subgraph, which is what
  the solution graph wraps: it honours ``model_path``, reports boxes as
  fractions (no rounding), and takes a region of interest, so that tiles of one
  frame need no cropping or copying in Python.

Both engines report raw candidates as ``(x, y, w, h, score)`` in pixels of the
RGB image they were given, down to the ``min_score`` they were built with;
callers filter by their own threshold. ``run_many`` takes several images with
their regions at once, so that an engine with more than one lane can run them
side by side.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from installation.detect import nosound  # noqa: F401 - before mediapipe is imported
from installation.errors import ModelError
from installation.geometry import Box
from installation.machine import usable_cores

#: One candidate: ``(x, y, w, h, score)`` in pixels of the image the model was given.
Raw = tuple[float, float, float, float, float]
#: One image and the regions of it to run the model on (``None``: the whole image).
Job = tuple[np.ndarray, "Sequence[Box] | None"]


class Engine(Protocol):
    """A loaded model. ``run`` returns one list of candidates per region (or one for the whole image)."""

    #: ``(width, height)`` of the model's input tensor.
    input_size: tuple[int, int]
    #: The detector name of the model (``blazeface-short``, ``blazeface-full``).
    name: str
    #: Whether boxes come back in whole pixels of the given image (so it should stay well above the
    #: tensor size) rather than as exact fractions.
    whole_pixels: bool

    def run(self, rgb: np.ndarray, regions: Sequence[Box] | None = None) -> list[list[Raw]]: ...

    def run_many(self, jobs: Sequence[Job]) -> list[list[list[Raw]]]:
        """``run`` for each job, in order; an engine may run them side by side."""
        ...

    def close(self) -> None: ...


class TasksShortRange:
    """The short-range model through ``mediapipe.tasks.python.vision.FaceDetector`` (IMAGE mode).

    VIDEO mode was measured too: it only adds a timestamp check (the face
    detector keeps no state between frames) and ran no faster.

    >>> from installation.detect.models import resolve_model
    >>> engine = TasksShortRange(resolve_model("short"), min_score=0.2)
    >>> engine.run(np.zeros((72, 128, 3), np.uint8))
    [[]]
    >>> engine.close()
    """

    input_size = (128, 128)
    whole_pixels = True
    name = "blazeface-short"

    def __init__(self, path: Path, *, min_score: float) -> None:
        from mediapipe.tasks.python import BaseOptions, vision

        options = vision.FaceDetectorOptions(
            base_options=BaseOptions(model_asset_path=str(path)),
            running_mode=vision.RunningMode.IMAGE,
            min_detection_confidence=min_score,
        )
        self._path = path
        try:
            self._detector = vision.FaceDetector.create_from_options(options)
            self._run(np.zeros((128, 128, 3), np.uint8), None)
        except (RuntimeError, ValueError) as exc:
            raise ModelError(
                f"short-range face model {path}: cannot load it as the short-range BlazeFace model "
                f"({_reason(exc)})"
            ) from exc

    def run(self, rgb: np.ndarray, regions: Sequence[Box] | None = None) -> list[list[Raw]]:
        try:
            return self._run(rgb, regions)
        except RuntimeError as exc:
            reason = _reason(exc)
            raise ModelError(f"short-range face model {self._path}: failed on a frame ({reason})") from exc

    def run_many(self, jobs: Sequence[Job]) -> list[list[list[Raw]]]:
        return [self.run(rgb, regions) for rgb, regions in jobs]

    def _run(self, rgb: np.ndarray, regions: Sequence[Box] | None) -> list[list[Raw]]:
        import mediapipe as mp

        out: list[list[Raw]] = []
        height, width = rgb.shape[:2]
        for region in regions if regions is not None else [Box(0, 0, width, height)]:
            x0, y0, x1, y1 = region.pixel_bounds(width, height)
            crop = rgb if (x0, y0, x1, y1) == (0, 0, width, height) else rgb[y0:y1, x0:x1]
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(crop))
            found: list[Raw] = []
            for detection in self._detector.detect(image).detections:
                box = detection.bounding_box
                # The Tasks API cuts fractions towards zero (and an edge beyond the image to 0), so
                # the far edges may lie up to a pixel further out: take the pixel, to hide rather than show.
                found.append(
                    (
                        x0 + box.origin_x,
                        y0 + box.origin_y,
                        box.width + 1.0,
                        box.height + 1.0,
                        float(detection.categories[0].score),
                    )
                )
            out.append(found)
        return out

    def close(self) -> None:
        self._detector.close()


class GraphFullRange:
    """The full-range model through mediapipe's ``FaceDetection`` subgraph, regions of interest included.

    The graph holds ``lanes`` copies of the subgraph (default: one per core, at
    most four) and deals the regions of a call out to them in turn; mediapipe
    runs the copies on its own threads, side by side. On the reference machine
    (2 cores) four regions take 7.3 ms in two lanes against 12.5 ms in one. Each
    copy's model runs on one thread (``threads``, XNNPACK's count): two threads
    inside one model were slower than one (14.8 ms for the same four regions).
    Lanes add no work, only parallelism, so a machine busy with other cameras
    loses nothing by them.

    >>> from installation.detect.models import resolve_model
    >>> engine = GraphFullRange(resolve_model("full"), min_score=0.2, lanes=2)
    >>> engine.run(np.zeros((108, 192, 3), np.uint8), [Box(0, 0, 96, 96), Box(96, 0, 96, 96)])
    [[], []]
    >>> engine.close()
    """

    input_size = (192, 192)
    whole_pixels = False
    name = "blazeface-full"

    def __init__(self, path: Path, *, min_score: float, threads: int = 1, lanes: int | None = None) -> None:
        import mediapipe as mp
        from mediapipe.framework import calculator_pb2
        from mediapipe.modules.face_detection import face_detection_pb2

        # The values of mediapipe's own face_detection_full_range.pbtxt, with our path and floor.
        options = face_detection_pb2.FaceDetectionOptions(
            model_path=str(path),
            tensor_width=192,
            tensor_height=192,
            num_layers=1,
            strides=[4],
            interpolated_scale_aspect_ratio=0.0,
            num_boxes=2304,
            x_scale=192.0,
            y_scale=192.0,
            w_scale=192.0,
            h_scale=192.0,
            min_score_thresh=min_score,
        )
        # Without an explicit delegate the subgraph asks for a GPU service.
        options.delegate.xnnpack.num_threads = threads
        self.lanes = max(1, int(lanes if lanes is not None else min(4, usable_cores())))
        config = calculator_pb2.CalculatorGraphConfig()
        for lane in range(self.lanes):
            config.input_stream.extend([f"image_{lane}", f"roi_{lane}"])
            config.output_stream.append(f"detections_{lane}")
            node = config.node.add(
                calculator="FaceDetection",
                input_stream=[f"IMAGE:image_{lane}", f"ROI:roi_{lane}"],
                output_stream=[f"DETECTIONS:detections_{lane}"],
            )
            node.node_options.add().Pack(options)

        self._mp = mp
        self._path = path
        self._results: dict[int, list] = {}
        self._lock = threading.Lock()
        self._timestamp = 0
        try:
            self._graph = mp.CalculatorGraph(graph_config=config)
            for lane in range(self.lanes):
                self._graph.observe_output_stream(f"detections_{lane}", self._collect)
            self._graph.start_run()
            self._run_many([(np.zeros((192, 192, 3), np.uint8), [Box(0, 0, 192, 192)] * self.lanes)])
        except (RuntimeError, ValueError) as exc:
            raise ModelError(
                f"full-range face model {path}: cannot load it as the full-range BlazeFace model "
                f"({_reason(exc)})"
            ) from exc

    def _collect(self, stream: str, packet: object) -> None:
        from mediapipe.python import packet_getter

        with self._lock:
            self._results[packet.timestamp.value] = packet_getter.get_proto_list(packet)  # type: ignore[attr-defined]

    def run(self, rgb: np.ndarray, regions: Sequence[Box] | None = None) -> list[list[Raw]]:
        return self.run_many([(rgb, regions)])[0]

    def run_many(self, jobs: Sequence[Job]) -> list[list[list[Raw]]]:
        try:
            return self._run_many(jobs)
        except RuntimeError as exc:
            reason = _reason(exc)
            raise ModelError(f"full-range face model {self._path}: failed on a frame ({reason})") from exc

    def _run_many(self, jobs: Sequence[Job]) -> list[list[list[Raw]]]:
        from mediapipe.framework.formats import rect_pb2
        from mediapipe.python import packet_creator

        lane = 0
        plans = []
        for rgb, regions in jobs:
            height, width = rgb.shape[:2]
            # One copy of each image into the graph, shared by its regions.
            image = packet_creator.create_image_frame(
                image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb)
            )
            stamps = []
            for region in regions if regions is not None else [Box(0, 0, width, height)]:
                self._timestamp += 1
                roi = rect_pb2.NormalizedRect(
                    x_center=region.cx / width,
                    y_center=region.cy / height,
                    width=region.w / width,
                    height=region.h / height,
                )
                stamp = self._timestamp
                self._graph.add_packet_to_input_stream(f"image_{lane}", image.at(stamp))
                self._graph.add_packet_to_input_stream(
                    f"roi_{lane}", packet_creator.create_proto(roi).at(stamp)
                )
                stamps.append(stamp)
                lane = (lane + 1) % self.lanes
            plans.append((width, height, stamps))
        self._graph.wait_until_idle()
        out = []
        for width, height, stamps in plans:
            with self._lock:
                found = [self._results.pop(stamp, []) for stamp in stamps]
            out.append(
                [
                    [
                        (
                            d.location_data.relative_bounding_box.xmin * width,
                            d.location_data.relative_bounding_box.ymin * height,
                            d.location_data.relative_bounding_box.width * width,
                            d.location_data.relative_bounding_box.height * height,
                            float(d.score[0]),
                        )
                        for d in detections
                    ]
                    for detections in found
                ]
            )
        return out

    def close(self) -> None:
        try:
            self._graph.close()
        except RuntimeError:
            pass


def _reason(exc: BaseException) -> str:
    """mediapipe's last error line without its calculator and source-file prefixes, kept short."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[-1] if lines else type(exc).__name__
    text = re.sub(r"^.*RET_CHECK failure \([^)]*\)\s*", "", text)
    text = re.sub(r'^Calculator::\w+\(\) for node "[^"]*" failed:\s*;?\s*', "", text)
    return text if len(text) <= 120 else text[:117] + "..."
