"""``installation anonymize`` on a phone's clip: what it says about where, when and with what it was
filmed stays behind, and a clip filmed upright comes out upright."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from installation.cli import main
from installation.geometry import Box
from installation.outputs.metadata import leftovers
from installation.sources.footage import FootageFile
from installation.sources.video import VideoFile

#: What a phone writes about a clip: when, where (GPS, as QuickTime and as ISO 6709), with what.
PHONE_TAGS = {
    "creation_time": "2024-05-01T10:00:00.000000Z",
    "location": "+48.8584+002.2945/",
    "com.apple.quicktime.location.ISO6709": "+48.8584+002.2945+035.000/",
    "com.apple.quicktime.make": "Apple",
    "com.apple.quicktime.model": "iPhone 12",
    "com.apple.quicktime.software": "17.4.1",
    "make": "Apple",
    "model": "iPhone 12",
    "serial_number": "F2LXK0QNJC67",
    "timecode": "01:00:00:00",
    "encoder": "Lavf",
}
#: Text of those tags that must not appear anywhere in an output's bytes.
TELLING = [b"48.8584", b"iPhone", b"Apple", b"F2LXK0QNJC67", b"17.4.1", b"$GPRMC", b"Core Media"]


def phone_clip(
    path: Path,
    pictures: list[np.ndarray],
    *,
    turn: tuple[int, bool] | None = None,
    sound: bool = True,
) -> Path:
    """An MP4 as a phone writes it: H.264 ``pictures`` at 10 fps, with :data:`PHONE_TAGS` on the file
    and its streams, a GPS track (a data stream of NMEA sentences), a timecode track (``tmcd``)
    and, with ``sound``, an AAC track. ``turn`` is ``(degrees anticlockwise, mirrored)`` for the
    display matrix, as PyAV takes it."""
    height, width = pictures[0].shape[:2]
    # use_metadata_tags: the QuickTime keys (com.apple.quicktime.*) are written as phones write them.
    with av.open(str(path), "w", format="mp4", options={"movflags": "use_metadata_tags"}) as out:
        out.metadata.update(PHONE_TAGS)
        video = out.add_stream("libx264", rate=10)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.metadata.update({"creation_time": PHONE_TAGS["creation_time"], "timecode": "01:00:00:00"})
        if turn is not None:
            video.set_display_rotation(turn[0], hflip=turn[1])
        audio = out.add_stream("aac", rate=48000) if sound else None
        if audio is not None:
            audio.metadata.update(
                {"creation_time": PHONE_TAGS["creation_time"], "handler_name": "Core Media"}
            )
        gps = out.add_data_stream("bin_data")
        gps.metadata["handler_name"] = "Core Media Metadata"
        for i, picture in enumerate(pictures):
            frame = av.VideoFrame.from_ndarray(picture, format="bgr24")
            frame.pts = i
            for packet in video.encode(frame):
                out.mux(packet)
        if audio is not None:
            for start in range(0, 48000 * len(pictures) // 10, 1024):
                chunk = av.AudioFrame.from_ndarray(
                    np.zeros((1, 1024), np.float32), format="fltp", layout="mono"
                )
                chunk.sample_rate, chunk.pts = 48000, start
                for packet in audio.encode(chunk):
                    out.mux(packet)
        fix = av.Packet(b"$GPRMC,101500,A,4851.504,N,00217.670,E,0.0,0.0,010524,,*2A")
        fix.stream, fix.pts, fix.dts, fix.time_base = gps, 0, 0, Fraction(1, 1000)
        out.mux(fix)
        for stream in (video, audio):
            if stream is not None:
                for packet in stream.encode(None):
                    out.mux(packet)
    return path


def _still(size: tuple[int, int] = (96, 64)) -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    return [rng.integers(40, 200, (size[1], size[0], 3), dtype=np.uint8)] * 10


def _mvhd_times(data: bytes) -> tuple[int, int]:
    """The creation and modification times in the movie header (seconds since 1904; 0: none)."""
    at = data.index(b"mvhd") + 4
    version = data[at]
    if version == 1:
        created, modified = struct.unpack(">QQ", data[at + 4 : at + 20])
    else:
        created, modified = struct.unpack(">II", data[at + 4 : at + 12])
    return created, modified


def test_the_test_clip_carries_what_a_phone_writes(tmp_path: Path) -> None:
    clip = phone_clip(tmp_path / "phone.mp4", _still(), turn=(-90, False))
    with av.open(str(clip)) as c:
        assert c.metadata["creation_time"].startswith("2024-05-01")
        assert c.metadata["com.apple.quicktime.location.ISO6709"].startswith("+48.8584")
        assert c.metadata["location"] and c.metadata["make"] == "Apple"
        assert sorted(s.type for s in c.streams) == ["audio", "data", "data", "video"]
        assert any(s.metadata.get("handler_name") == "TimeCodeHandler" for s in c.streams.data)
    assert _mvhd_times(clip.read_bytes())[0] != 0
    assert all(text in clip.read_bytes() for text in TELLING)
    found = leftovers(clip)
    assert "the tag creation_time" in found and "a display matrix (turned 90° clockwise)" in found


@pytest.mark.parametrize("keep_audio", [True, False])
def test_no_time_place_device_or_data_track_reaches_the_output(tmp_path: Path, keep_audio: bool) -> None:
    clip = phone_clip(tmp_path / "phone.mp4", _still())
    out = tmp_path / "out.mp4"
    args = ["anonymize", str(clip), "-o", str(out), "--no-progress"]
    assert main([*args, "--keep-audio"] if keep_audio else args) == 0
    with av.open(str(out)) as c:
        assert set(c.metadata) == {"major_brand", "minor_version", "compatible_brands"}
        assert [s.type for s in c.streams] == (["video", "audio"] if keep_audio else ["video"])
        for stream in c.streams:
            assert set(stream.metadata.items()) <= {
                ("language", "und"),
                ("handler_name", "VideoHandler"),
                ("handler_name", "SoundHandler"),
            }
        if keep_audio:
            sound = c.streams.audio[0]
            assert (sound.codec_context.name, sound.rate) == ("aac", 48000)
            assert sum(1 for _ in c.decode(sound)) > 0
    data = out.read_bytes()
    assert _mvhd_times(data) == (0, 0)
    assert [text for text in TELLING if text in data] == []
    assert leftovers(out) == []


@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="no ffprobe on this machine")
def test_ffprobe_finds_no_tag_and_no_data_stream_in_the_output(tmp_path: Path) -> None:
    clip = phone_clip(tmp_path / "phone.mp4", _still())
    out = tmp_path / "out.mp4"
    assert main(["anonymize", str(clip), "-o", str(out), "--keep-audio", "--no-progress"]) == 0
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(probe.stdout)
    assert set(found["format"].get("tags", {})) <= {"major_brand", "minor_version", "compatible_brands"}
    assert [s["codec_type"] for s in found["streams"]] == ["video", "audio"]
    assert not any(s.get("side_data_list") for s in found["streams"])


def _turned(upright: np.ndarray, degrees: int, mirrored: bool) -> np.ndarray:
    """What a phone stores so that a player shows ``upright``: the player mirrors the stored picture
    (when ``mirrored``), then turns it ``degrees`` anticlockwise; this undoes that."""
    undo = {90: cv2.ROTATE_90_CLOCKWISE, -90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180}
    stored = cv2.rotate(upright, undo[degrees]) if degrees else upright
    return cv2.flip(stored, 1) if mirrored else stored


@pytest.mark.parametrize(
    ("degrees", "mirrored"),
    [(-90, False), (90, False), (180, False), (0, True)],
    ids=["phone-upright", "phone-upside-down-portrait", "phone-upside-down", "mirrored"],
)
def test_a_turned_clip_is_written_upright_with_no_turn_and_boxes_in_its_pixels(
    tmp_path: Path, scene: Callable[..., np.ndarray], degrees: int, mirrored: bool
) -> None:
    # A portrait picture, 240 wide and 320 high, with a face in its upper half; the phone stores
    # it turned (or mirrored) and says in the display matrix how to show it.
    face = Box(80, 60, 80, 80)
    upright = scene(("astronaut", face), size=(240, 320))
    clip = phone_clip(
        tmp_path / "phone.mp4", [_turned(upright, degrees, mirrored)] * 10, turn=(degrees, mirrored)
    )
    out, boxes = tmp_path / "out.mp4", tmp_path / "boxes.json"
    args = [
        "anonymize",
        str(clip),
        "-o",
        str(out),
        "--boxes-json",
        str(boxes),
        "--keep-audio",
        "--no-progress",
    ]
    assert main(args) == 0
    with av.open(str(out)) as c:
        shown = [f for f in c.decode(c.streams.video[0])]
    assert len(shown) == 10
    assert all(f.rotation == 0 for f in shown)
    assert leftovers(out) == []  # no display matrix: players show it as it is stored
    picture = shown[5].to_ndarray(format="bgr24")
    assert picture.shape == (320, 240, 3)
    # Upright: away from the hidden face the output is the upright picture, not a turned one.
    away = np.ones((320, 240), bool)
    away[: face.y + face.h + 40, : face.x + face.w + 40] = False
    difference = np.abs(picture.astype(int) - upright.astype(int)).mean(axis=2)
    assert difference[away].mean() < 6
    # The face is found and hidden where it is in the upright picture, and the boxes say so there.
    data = json.loads(boxes.read_text())
    assert (data["width"], data["height"]) == (240, 320)
    found = [Box(*f["box"]) for entry in data["frames"] for f in entry["faces"]]
    assert found and all(box.iou(face) > 0.4 for box in found), found
    inside = difference[face.y : face.y + face.h, face.x : face.x + face.w].mean()
    assert inside > 4 * difference[away].mean()


def test_the_room_and_anonymize_turn_a_clip_the_same_way(
    tmp_path: Path, scene: Callable[..., np.ndarray]
) -> None:
    upright = scene(size=(240, 320))
    clip = phone_clip(
        tmp_path / "phone.mp4", [_turned(upright, -90, False)] * 10, turn=(-90, False), sound=False
    )
    with VideoFile(clip) as room, FootageFile(clip) as batch:
        assert room.size == batch.size == (240, 320)
        a, b = room.read(), batch.read()
        assert a is not None and b is not None
        assert np.abs(a.image.astype(int) - upright.astype(int)).mean() < 6
        assert np.abs(a.image.astype(int) - b.image.astype(int)).mean() < 2
