"""Where processed frames go: every output is a :class:`FrameSink`.

- :mod:`~installation.outputs.base`: the :class:`FrameSink` interface, :class:`NullSink`
  (keeps nothing) and :class:`Tee` (several sinks as one).
- :mod:`~installation.outputs.video`: :class:`VideoSink`, H.264 MP4 through
  :class:`VideoWriter`, and copying the input's sound.
- :mod:`~installation.outputs.boxes`: :class:`BoxesSink`, the hidden boxes as JSON.
- :mod:`~installation.outputs.preview`: :class:`PreviewSink`, the recording window.
- :mod:`~installation.outputs.files`: temporary files beside the target, published
  whole or not at all, and what killed runs left.
"""

from installation.outputs.base import FrameSink, NullSink, Tee
from installation.outputs.boxes import BoxesSink
from installation.outputs.fit import Fit
from installation.outputs.preview import PreviewSink
from installation.outputs.video import VideoSink, VideoWriter

__all__ = [
    "BoxesSink",
    "Fit",
    "FrameSink",
    "NullSink",
    "PreviewSink",
    "Tee",
    "VideoSink",
    "VideoWriter",
]
