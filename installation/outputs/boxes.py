"""The hidden boxes of every frame as JSON, beside the video: what was hidden where, and why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from installation.frames import Processed
from installation.geometry import Box
from installation.outputs.fit import Fit
from installation.outputs.text import TextFileSink


class BoxesSink(TextFileSink):
    """Streams the per-frame hidden boxes to JSON, renamed into place when done.

    Format::

        {"version": 1, "input": "clip.mp4", "width": 1280, "height": 720, "fps": 30.0,
         "mask_scale": 1.3, "frames": [
            {"frame": 0, "time": 0.0, "hidden_all": false,
             "faces": [{"track": 1, "box": [x, y, w, h], "score": 0.91, "missed": 0, "ahead": false}],
             "guarded": [[x, y, w, h]]},
            ...]}

    ``box`` is the tracked face box in the output's pixels (top-left x, y, width, height)
    before ``mask_scale`` grows it, exactly as it was hidden (not rounded: the same box
    hides the same pixels again); ``missed`` counts the detector's runs since
    it last confirmed the face (0: seen in this frame, more: held by the
    tracker). Entries with ``"ahead": true`` are held *before* a later
    sighting: where the face was on its way to where it was next seen
    (``missed`` then counts the detector's runs until that sighting). A track
    may have both kinds of entry on one frame, between two sightings.
    ``guarded`` are the regions the motion guard hid (something moved where no
    detector vouched for it), whole, without ``mask_scale``; ``hidden_all``
    marks a frame hidden whole.

    ``header`` gives the fields before ``frames``. With ``size`` (the
    video's), boxes of a frame of another size are put where :class:`Fit`
    puts that frame in the video.
    """

    def __init__(self, path: Path, header: dict[str, Any], *, size: tuple[int, int] | None = None) -> None:
        super().__init__(path, ".partial.json")
        self._fit = Fit(size) if size is not None else None
        try:
            head = json.dumps({"version": 1, **header})
            self._write(head[:-1] + ', "frames": [\n')
        except BaseException:  # Ctrl-C too: the temporary file is ours to remove
            self.abort()
            raise
        self._first = True

    def write(self, processed: Processed) -> None:
        """One frame's entry."""
        fit = self._fit
        size = (processed.frame.width, processed.frame.height)

        def place(box: Box) -> list[float]:
            if fit is not None:
                box = fit.box(box, size)
            return [float(v) for v in (box.x, box.y, box.w, box.h)]

        entry = {
            "frame": processed.frame.index,
            "time": round(processed.frame.timestamp, 4),
            "hidden_all": processed.hidden_all,
            "faces": [
                {
                    "track": f.track_id,
                    "box": place(f.box),
                    "score": round(f.score, 3),
                    "missed": f.misses,
                    "ahead": ahead,
                }
                for faces, ahead in ((processed.faces, False), (processed.ahead, True))
                for f in faces
            ],
            "guarded": [place(box) for box in processed.guarded],
        }
        self._write(("" if self._first else ",\n") + json.dumps(entry))
        self._first = False

    def _end(self) -> None:
        self._write("\n]}\n")
