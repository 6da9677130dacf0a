"""A boxes file in place of the detector: each frame hides exactly what the file lists for it.

``anonymize --from-boxes`` renders a video again from boxes corrected by hand
(in CVAT, or in the JSON): no detector, tracker or motion guard runs, so
nothing is hidden that the file does not list, and everything it lists is
hidden as a processor would hide it (:func:`~installation.pipeline.processor.hide_regions`):
face boxes with the effect, the mask shape and ``mask_scale``, guarded
regions whole at full strength, and frames marked hidden whole as the
pipeline hides a frame it cannot vouch for.
"""

from __future__ import annotations

from dataclasses import replace

from installation.boxfiles import BoxFile
from installation.effects import Effect, MaskShape
from installation.frames import Frame, Processed
from installation.outputs.fit import Fit
from installation.pipeline.processor import hidden_whole, hide_regions

#: The status of a frame the boxes file hides whole.
WHOLE_STATUS = "hidden whole in the boxes file"


class Replay:
    """Hides on each frame what ``boxes`` lists for it.

    ``size`` is the video's: the boxes are in its pixels, and a frame of
    another size (a recording joined to another) gets them where
    :class:`~installation.outputs.fit.Fit` puts that frame in the video.

    >>> import numpy as np
    >>> from pathlib import Path
    >>> from installation.boxfiles import BoxFile, Listed
    >>> from installation.geometry import Box
    >>> from installation.track import TrackedFace
    >>> face = TrackedFace(1, Box(40, 20, 30, 30), 1.0, 0, 0, True)
    >>> boxes = BoxFile(Path("boxes.json"), "JSON", {1: Listed(faces=[face])})
    >>> replay = Replay(boxes, size=(160, 90), mask_shape=MaskShape.BOX, mask_scale=1.0)
    >>> image = np.full((90, 160, 3), 200, np.uint8)
    >>> [int((replay.process(Frame(image, i, i / 30), Effect.SOLID, 1.0).image != 200).any()) for i in (0, 1)]
    [0, 1]
    """

    def __init__(
        self, boxes: BoxFile, *, size: tuple[int, int], mask_shape: MaskShape, mask_scale: float
    ) -> None:
        self.boxes = boxes
        self.mask_shape = mask_shape
        self.mask_scale = mask_scale
        self._fit = Fit(size)

    def process(self, frame: Frame, effect: Effect, strength: float) -> Processed:
        listed = self.boxes.at(frame.index)
        size = (frame.width, frame.height)
        faces = [replace(f, box=self._fit.unbox(f.box, size)) for f in listed.faces]
        guarded = [self._fit.unbox(box, size) for box in listed.guarded]
        if listed.whole:
            return hidden_whole(frame, effect, WHOLE_STATUS, faces=faces, guarded=guarded)
        image = hide_regions(
            frame.image,
            [f.box for f in faces],
            guarded,
            effect,
            strength,
            shape=self.mask_shape,
            mask_scale=self.mask_scale,
        )
        return Processed(frame, image, effect, [], faces, guarded=guarded, detected=False)
