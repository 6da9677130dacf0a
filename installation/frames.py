"""The values that flow through the pipeline: a source's frame, a detector's detections, what
detection and tracking found, and the processed result.

A :class:`Frame` comes from a source; the detector turns it into
:class:`Detection` boxes; detection and tracking together make a
:class:`Found`; the processor hands a :class:`Processed` to the display or
to an output (:mod:`installation.outputs`). Boxes and their maths are in
:mod:`installation.geometry`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy.typing as npt

from installation.geometry import Box

if TYPE_CHECKING:
    # Types only: the tracker and the motion estimate take detections and boxes from here.
    from installation.effects import Effect
    from installation.track import CameraMotion, TrackedFace

#: A picture as it flows: BGR ``uint8`` (OpenCV's order), height x width x 3. Its element type is
#: left open: OpenCV's stubs give what its functions return as any integer or float array.
Image: TypeAlias = npt.NDArray[Any]


#: A detection scoring this or more (on YuNet's scale) is a sure face; under it, a weak one, which
#: may be a look-alike (a torso, a shoulder, hair, blurred texture).
SURE_SCORE = 0.5


@dataclass(frozen=True)
class Detection:
    """One face the detector reported: a box and a confidence in [0, 1]."""

    box: Box
    score: float


@dataclass
class Frame:
    """One image from a source.

    ``image`` is BGR ``uint8`` (OpenCV's order), ``timestamp`` is seconds on the
    source's own clock (media time for files, monotonic time for cameras) and
    ``captured`` the monotonic time at which it was read, for latency figures.
    """

    image: Image
    index: int
    timestamp: float
    source: str = ""
    captured: float = field(default=0.0)

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


@dataclass
class Found:
    """What detection and tracking make of one frame.

    ``detections`` is None when the detector did not run (or failed: then
    ``failure`` says why); ``faces`` are the tracker's faces to hide;
    ``camera_motion`` how the camera moved since the previous frame.
    """

    detections: list[Detection] | None
    faces: list[TrackedFace]
    failure: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    camera_motion: CameraMotion | None = None


@dataclass
class Processed:
    """The result for one frame.

    ``image`` is the only thing that may be shown or written: the effect is
    applied. ``frame`` is the original and must never leave the process.
    ``ahead`` (recorded footage only) are faces hidden before the tracker
    reached them: where a face seen in a later frame was before it was seen.
    """

    frame: Frame
    image: Image
    effect: Effect
    detections: list[Detection]
    faces: list[TrackedFace]
    hidden_all: bool = False
    status: str = ""
    guarded: list[Box] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    detected: bool = True
    ahead: list[TrackedFace] = field(default_factory=list)
    #: How the camera moved since the previous frame (None where nobody estimated it).
    camera_motion: CameraMotion | None = None

    @property
    def exposed(self) -> bool:
        """True when a face is on screen unhidden (the red light)."""
        return bool(self.faces) and not self.effect.hides and not self.hidden_all

    @property
    def hidden_boxes(self) -> list[Box]:
        return [f.box for f in self.faces] + [f.box for f in self.ahead]
