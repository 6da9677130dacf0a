"""Where processed frames go: every output is a :class:`FrameSink`.

- :mod:`~installation.outputs.base`: the :class:`FrameSink` interface, :class:`NullSink`
  (keeps nothing), :class:`Tee` (several sinks as one), :class:`Wrapped` (a sink in front
  of another) and :class:`KeepingTime` (a clip written in real time).
- :mod:`~installation.outputs.video`: :class:`VideoSink`, H.264 MP4 through
  :class:`VideoWriter`, and copying the input's sound; :mod:`~installation.outputs.metadata`:
  what a written video may say about itself (nothing of its input), checked before it gets its name.
- :mod:`~installation.outputs.boxes`: :class:`BoxesSink`, the hidden boxes as JSON.
- :mod:`~installation.outputs.mot`: :class:`MotSink`, the hidden face boxes as MOT challenge CSV.
- :mod:`~installation.outputs.cvat`: :class:`CvatSink`, the hidden regions as CVAT for video 1.1
  XML (:mod:`~installation.outputs.numbering`: what the two share).
- :mod:`~installation.outputs.preview`: :class:`PreviewSink`, the recording window.
- :mod:`~installation.outputs.files`: temporary files beside the target, published
  whole or not at all, and what killed runs left; :mod:`~installation.outputs.text`: a sink
  that writes one text file that way.
"""

from installation.outputs.base import FrameSink, KeepingTime, NullSink, Tee, Wrapped
from installation.outputs.boxes import BoxesSink
from installation.outputs.cvat import CvatSink
from installation.outputs.fit import Fit
from installation.outputs.mot import MotSink
from installation.outputs.preview import PreviewSink
from installation.outputs.video import VideoSink, VideoWriter

__all__ = [
    "BoxesSink",
    "CvatSink",
    "Fit",
    "FrameSink",
    "KeepingTime",
    "MotSink",
    "NullSink",
    "PreviewSink",
    "Tee",
    "VideoSink",
    "VideoWriter",
    "Wrapped",
]
