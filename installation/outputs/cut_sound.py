"""The sound of the stretches of a video that were written (``anonymize --only --keep-audio``).

Compressed sound cannot be cut between its packets (an AAC packet is 21 ms,
and each depends on the one before), so the stretches are decoded, cut to
the sample and encoded again as AAC, one after another, each at the time its
pictures have in the output. Where the source has no sound for part of a
stretch, that part is silent, so the stretches after it stay in step.
Nothing of the source's metadata is written.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import av
import numpy as np

from installation.outputs.files import publish, temporary_beside

if TYPE_CHECKING:
    from installation.spans import Segment


def copy_audio_segments(
    video_path: Path, audio_source: Path, segments: Sequence[Segment], *, start: float = 0.0
) -> bool:
    """Put the sound of ``segments`` of ``audio_source`` into ``video_path`` (in place, atomically).

    Each segment's ``start`` and ``end`` are times of the source's pictures
    (seconds from its first frame, which is ``start`` seconds into the file);
    its sound is placed ``at`` seconds into ``video_path``. Every sound stream
    is written, as AAC at its own rate and channel layout. Returns False when
    the source has no sound.
    """
    with av.open(str(audio_source)) as src:
        if not src.streams.audio:
            return False
    tmp = str(temporary_beside(video_path, ".audio.mp4"))
    try:
        with (
            av.open(str(video_path)) as vin,
            av.open(str(audio_source)) as ain,
            av.open(tmp, mode="w", format="mp4", options={"fflags": "+bitexact"}) as out,
        ):
            vout = out.add_stream_from_template(vin.streams.video[0])
            outs = []
            for stream in ain.streams.audio:
                rate = stream.codec_context.sample_rate
                layout = stream.codec_context.layout.name
                sound = out.add_stream("aac", rate=rate, layout=layout)
                sound.metadata.clear()
                outs.append((stream, sound, rate, layout))
            out.metadata.clear()
            vout.metadata.clear()
            for packet in vin.demux(vin.streams.video[0]):
                if packet.dts is None:
                    continue
                packet.stream = vout
                out.mux(packet)
            for stream, sound, rate, layout in outs:
                pts = 0
                for samples in _cut(ain, stream, segments, start=start, rate=rate, layout=layout):
                    frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout=layout)
                    frame.sample_rate, frame.pts, frame.time_base = rate, pts, Fraction(1, rate)
                    pts += samples.shape[1]
                    for packet in sound.encode(frame):
                        out.mux(packet)
                for packet in sound.encode(None):
                    out.mux(packet)
        publish(tmp, video_path)
        return True
    finally:
        Path(tmp).unlink(missing_ok=True)


def _cut(
    container: av.container.InputContainer,
    stream: av.AudioStream,
    segments: Sequence[Segment],
    *,
    start: float,
    rate: int,
    layout: str,
) -> Iterator[np.ndarray]:
    """The samples of ``segments`` (planar float, channels x samples), in order, silence where the
    stream has none: each segment exactly as many samples as its stretch of the output lasts."""
    channels = av.AudioLayout(layout).nb_channels
    # Sample positions: in the source from its file time, in the output from its time; each
    # segment's length from the rounded ends, so that the segments add up without drift.
    wanted = []
    for segment in segments:
        first = round((segment.start + start) * rate)
        length = round((segment.at + segment.end - segment.start) * rate) - round(segment.at * rate)
        wanted.append((first, max(0, length)))
    k, filled = 0, 0
    resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
    container.seek(0)
    for packet in container.demux(stream):
        for decoded in packet.decode():
            if decoded.time is None:
                continue
            position = round(decoded.time * rate)
            for frame in resampler.resample(decoded):
                samples = frame.to_ndarray().reshape(channels, -1)
                count = samples.shape[1]
                while k < len(wanted):
                    first, length = wanted[k]
                    at = first + filled - position
                    if at >= count:
                        break
                    if at < 0:
                        # The sound before this frame is missing: silence up to it.
                        gap = min(-at, length - filled)
                        if gap:
                            yield np.zeros((channels, gap), np.float32)
                        filled += gap
                    else:
                        take = min(count - at, length - filled)
                        if take:
                            yield np.ascontiguousarray(samples[:, at : at + take], np.float32)
                        filled += take
                    if filled == length:
                        k, filled = k + 1, 0
                    elif at >= 0:
                        break
                position += count
        if k == len(wanted):
            return
    # The sound ends before the pictures: silence to the end of each stretch.
    for _, length in wanted[k:]:
        if length > filled:
            yield np.zeros((channels, length - filled), np.float32)
        filled = 0
