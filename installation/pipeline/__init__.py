"""One camera's pipeline: detector -> tracker -> effect, run live or over recorded footage.

- :mod:`~installation.pipeline.processor`: :class:`Processor` turns one frame
  into what may be shown, failing closed; :class:`MotionGuard` hides what moves
  where the detector cannot vouch for it yet.
- :mod:`~installation.pipeline.lookahead`: recorded footage, with detection
  running ahead of the output so faces are hidden before their first sighting.
- :mod:`~installation.pipeline.batch`: every frame of a file or a camera through the
  processor or the look-ahead into an output (``record``, ``anonymize``, ``bench``).
- :mod:`~installation.pipeline.feeds`: what the room needs from a live camera
  (:class:`LiveFeed`) and its status; :mod:`~installation.pipeline.live`: a
  camera's worker thread for the room, the newest result kept;
  :mod:`~installation.pipeline.fakes`: a feed that shows what it is given, for
  tests and the display benchmark.
"""

from installation.pipeline.batch import Ran, run_batch
from installation.pipeline.feeds import LiveFeed, LiveFrames, WorkerStatus, processing_failed
from installation.pipeline.live import CameraWorker, build_workers
from installation.pipeline.lookahead import Lookahead
from installation.pipeline.processor import (
    DETECT_EVERY_RANGE,
    FAST_STATUS,
    LOST_STATUS,
    MotionGuard,
    Processor,
    build_processor,
    camera_transform,
    hide_regions,
    hide_zones,
)

__all__ = [
    "DETECT_EVERY_RANGE",
    "FAST_STATUS",
    "LOST_STATUS",
    "CameraWorker",
    "LiveFeed",
    "LiveFrames",
    "Lookahead",
    "MotionGuard",
    "Processor",
    "Ran",
    "WorkerStatus",
    "build_processor",
    "build_workers",
    "camera_transform",
    "hide_regions",
    "hide_zones",
    "processing_failed",
    "run_batch",
]
