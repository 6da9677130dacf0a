"""Batch reading with decoding on its own thread.

Decoding a 720p frame and detecting faces in it each take a few
milliseconds; on a two-core machine they can run side by side. ``read_ahead``
keeps every frame and their order (this is batch mode, not "latest wins").
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

from installation.frames import Frame
from installation.sources.base import FrameSource

_END = object()


def read_ahead(source: FrameSource, depth: int = 4) -> Iterator[Frame]:
    """Yield every frame of ``source`` in order, decoding up to ``depth`` frames ahead.

    A ``SourceError`` from the source is raised here, after the frames read
    before it. Closing the generator early stops the reader.

    >>> from installation.sources import open_source
    >>> frames = read_ahead(open_source("pattern:bars?size=64x36&frames=5"))
    >>> [f.index for f in frames]
    [0, 1, 2, 3, 4]
    """
    slots: queue.Queue[object] = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                frame = source.read()
                if frame is None:
                    break
                while not stop.is_set():
                    try:
                        slots.put(frame, timeout=0.1)
                        break
                    except queue.Full:
                        continue
        except BaseException as exc:  # handed to the consumer, raised there
            slots.put(exc)
            return
        slots.put(_END)

    thread = threading.Thread(target=reader, name=f"read-ahead-{source.name}", daemon=True)
    thread.start()
    try:
        while True:
            item = slots.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while thread.is_alive():
            try:
                slots.get_nowait()
            except queue.Empty:
                pass
            thread.join(timeout=0.05)
