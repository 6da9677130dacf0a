"""What a written video may say about itself, and the check that it says nothing more.

A phone's clip says where and when it was filmed and with what: a creation
time, a GPS position (``location``, ``com.apple.quicktime.location.ISO6709``),
the device's make, model and serial number, the software that wrote it, and
data tracks beside the pictures (a GPS track, a timecode track ``tmcd``). None
of it is copied into an output: the pictures are encoded afresh, and with
``--keep-audio`` only the sound's packets and its codec's own parameters are
taken over (:func:`~installation.outputs.video.copy_audio`).

What an output keeps is only what describes the file itself
(:data:`MUXER_TAGS`, :data:`STREAM_TAGS`). :func:`leftovers` lists anything
else a written file holds, and every output is checked with it before it
gets its name (:func:`check_clean`): a file that would carry more is not
written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import av

from installation.errors import InstallationError
from installation.sources.upright import Turn, display_matrix

#: Container tags the MP4 writer sets itself, the same for every output: the file format's brand.
MUXER_TAGS = {"major_brand", "minor_version", "compatible_brands"}
#: Stream tags the MP4 writer sets itself, with the one value each may have.
STREAM_TAGS = {"language": {"und"}, "handler_name": {"VideoHandler", "SoundHandler"}}


class MetadataLeft(InstallationError, RuntimeError):
    """A written file holds metadata it must not (a fault in the writer, never in the input)."""


def clear(*holders: Any) -> None:
    """Remove every tag from containers and streams about to be written (``holders``)."""
    for holder in holders:
        holder.metadata.clear()


def leftovers(path: Path) -> list[str]:
    """What the video file at ``path`` says about itself beyond :data:`MUXER_TAGS` and
    :data:`STREAM_TAGS`, and its streams beyond one video and its sound, one phrase each.

    >>> import tempfile, numpy as np
    >>> from installation.outputs import VideoWriter
    >>> out = Path(tempfile.mkdtemp()) / "clip.mp4"
    >>> with VideoWriter(out, fps=10, size=(32, 24)) as w:
    ...     w.write(np.zeros((24, 32, 3), np.uint8))
    >>> leftovers(out)
    []
    """
    found: list[str] = []
    with av.open(str(path)) as container:
        found += [f"the tag {key}" for key in container.metadata if key not in MUXER_TAGS]
        for stream in container.streams:
            if stream.type not in ("video", "audio") or (
                stream.type == "video" and stream is not container.streams.video[0]
            ):
                found.append(f"a {stream.type} stream (#{stream.index})")
            found += [
                f"the tag {key} of stream #{stream.index}"
                for key, value in stream.metadata.items()
                if value not in STREAM_TAGS.get(key, ())
            ]
        if container.streams.video:
            for frame in container.decode(container.streams.video[0]):
                if display_matrix(frame) is not None:
                    found.append(f"a display matrix ({Turn.of_frame(frame).description})")
                break
    return found


def check_clean(path: Path, name: Path) -> None:
    """Raise :class:`MetadataLeft` if the file at ``path`` (to be published as ``name``) holds any
    :func:`leftovers`."""
    found = leftovers(path)
    if found:
        raise MetadataLeft(f"{name}: not written: it would carry {', '.join(found)}")
