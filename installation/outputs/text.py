"""Outputs that are one text file (the boxes as JSON, MOT CSV or CVAT XML): written under a
temporary name beside the final one, given that name only when complete."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from installation.frames import Processed
from installation.outputs.files import cannot_write, publish, temporary_beside


class TextFileSink:
    """The file handling of a :class:`~installation.outputs.base.FrameSink` that writes one text file.

    Subclasses say what each frame adds (:meth:`write`, through :meth:`_write`) and what ends
    the file (:meth:`_end`); this class opens the temporary file beside ``path``, publishes it
    on :meth:`close` and removes it on :meth:`abort`. ``suffix`` is the temporary file's
    ending, one of :data:`~installation.outputs.files.TEMPORARY_SUFFIXES`.
    """

    def __init__(self, path: Path, suffix: str) -> None:
        self.path = path
        self._finished = self._closed = False
        try:
            self._tmp = temporary_beside(path, suffix)
        except OSError as exc:
            raise cannot_write(path, exc) from None
        try:
            self._file: TextIO = self._tmp.open("w", encoding="utf-8")
        except BaseException:  # Ctrl-C too: the temporary file is ours to remove
            self.abort()
            raise

    def _write(self, text: str) -> None:
        try:
            self._file.write(text)
        except OSError as exc:
            raise cannot_write(self.path, exc) from None

    def write(self, processed: Processed) -> None:
        raise NotImplementedError

    def _end(self) -> None:
        """Write what ends the file (called once, by :meth:`finish`)."""

    def finish(self) -> None:
        """End the file and close it, still under its temporary name."""
        if self._finished:
            return
        self._end()
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
