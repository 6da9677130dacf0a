"""The hidden boxes of every frame as JSON, beside the video: what was hidden where, and why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from installation.frames import Processed
from installation.outputs.files import cannot_write, publish, temporary_beside
from installation.outputs.fit import Fit


class BoxesSink:
    """Streams the per-frame hidden boxes to JSON, renamed into place when done.

    Format::

        {"version": 1, "input": "clip.mp4", "width": 1280, "height": 720, "fps": 30.0,
         "mask_scale": 1.3, "frames": [
            {"frame": 0, "time": 0.0, "hidden_all": false,
             "faces": [{"track": 1, "box": [x, y, w, h], "score": 0.91, "missed": 0, "ahead": false}]},
            ...]}

    ``box`` is the tracked face box in the output's pixels (top-left x, y, width, height)
    before ``mask_scale`` grows it; ``missed`` counts the detector's runs since
    it last confirmed the face (0: seen in this frame, more: held by the
    tracker). Entries with ``"ahead": true`` are held *before* a later
    sighting: where the face was on its way to where it was next seen
    (``missed`` then counts the detector's runs until that sighting). A track
    may have both kinds of entry on one frame, between two sightings.

    ``header`` gives the fields before ``frames``. With ``size`` (the
    video's), boxes of a frame of another size are put where :class:`Fit`
    puts that frame in the video.
    """

    def __init__(self, path: Path, header: dict[str, Any], *, size: tuple[int, int] | None = None) -> None:
        self.path = path
        self._fit = Fit(size) if size is not None else None
        self._finished = self._closed = False
        try:
            self._tmp = temporary_beside(path, ".partial.json")
        except OSError as exc:
            raise cannot_write(path, exc) from None
        try:
            self._file: TextIO = self._tmp.open("w", encoding="utf-8")
            head = json.dumps({"version": 1, **header})
            self._write(head[:-1] + ', "frames": [\n')
        except BaseException:  # Ctrl-C too: the temporary file is ours to remove
            self.abort()
            raise
        self._first = True

    def _write(self, text: str) -> None:
        try:
            self._file.write(text)
        except OSError as exc:
            raise cannot_write(self.path, exc) from None

    def write(self, processed: Processed) -> None:
        """One frame's entry."""
        fit = self._fit
        size = (processed.frame.width, processed.frame.height)
        place = (lambda box: fit.box(box, size)) if fit is not None else (lambda box: box)
        entry = {
            "frame": processed.frame.index,
            "time": round(processed.frame.timestamp, 4),
            "hidden_all": processed.hidden_all,
            "faces": [
                {
                    "track": f.track_id,
                    "box": [round(v, 1) for v in (b.x, b.y, b.w, b.h)],
                    "score": round(f.score, 3),
                    "missed": f.misses,
                    "ahead": ahead,
                }
                for faces, ahead in ((processed.faces, False), (processed.ahead, True))
                for f in faces
                for b in (place(f.box),)
            ],
        }
        self._write(("" if self._first else ",\n") + json.dumps(entry))
        self._first = False

    def finish(self) -> None:
        """End the JSON and close the file, still under its temporary name."""
        if self._finished:
            return
        self._write("\n]}\n")
        try:
            self._file.close()
        except OSError as exc:
            raise cannot_write(self.path, exc) from None
        self._finished = True

    def close(self) -> None:
        """Finish and give the file its name."""
        if self._closed:
            return
        self.finish()
        try:
            publish(self._tmp, self.path)
        except OSError as exc:
            raise cannot_write(self.path, exc) from None
        self._closed = True

    def abort(self) -> None:
        """Remove the temporary file (nothing after :meth:`close`)."""
        if self._closed:
            return
        try:
            # Closing flushes what is buffered, which fails on a full disk: it is thrown away anyway.
            file = getattr(self, "_file", None)
            if file is not None:
                file.close()
        except OSError:
            pass
        finally:
            self._tmp.unlink(missing_ok=True)
