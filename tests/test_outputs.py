"""Outputs: H.264 writing, complete files only, exact size and frame count, nothing extra; each sink
writes, publishes on close and leaves nothing on abort."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"

import json
import stat
from collections.abc import Sequence
from pathlib import Path

import av
import numpy as np
import pygame
import pytest

from installation.display.widgets import RED
from installation.effects import Effect
from installation.frames import Frame, Processed
from installation.geometry import Box
from installation.outputs import BoxesSink, NullSink, PreviewSink, Tee, VideoSink
from installation.outputs.video import VideoWriter, copy_audio
from installation.track import TrackedFace


def frames(n: int, w: int, h: int) -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    base = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
    return [np.roll(base, i * 3, axis=1) for i in range(n)]


@pytest.mark.parametrize(("w", "h"), [(320, 240), (321, 241)])
def test_writes_h264_with_size_rate_and_count(tmp_path: Path, w: int, h: int) -> None:
    out = tmp_path / "clip.mp4"
    with VideoWriter(out, fps=29.97, size=(w, h)) as writer:
        for f in frames(12, w, h):
            writer.write(f)
    with av.open(str(out)) as c:
        stream = c.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert (stream.width, stream.height) == (w, h)
        assert stream.average_rate is not None and abs(float(stream.average_rate) - 29.97) < 0.01
        assert sum(1 for _ in c.decode(stream)) == 12
        assert not c.streams.audio


def test_no_metadata_tags(tmp_path: Path) -> None:
    out = tmp_path / "clip.mp4"
    with VideoWriter(out, fps=30, size=(64, 48)) as writer:
        writer.write(np.zeros((48, 64, 3), np.uint8))
    with av.open(str(out)) as c:
        tags = {k.lower(): v for k, v in c.metadata.items()}
        assert "creation_time" not in tags and "location" not in tags
        assert not any("lavf" in str(v).lower() for v in tags.values())
        assert "creation_time" not in {k.lower() for k in c.streams.video[0].metadata}


def test_error_midway_leaves_no_file_under_the_final_name(tmp_path: Path) -> None:
    out = tmp_path / "clip.mp4"
    with pytest.raises(RuntimeError):
        with VideoWriter(out, fps=30, size=(64, 48)) as writer:
            writer.write(np.zeros((48, 64, 3), np.uint8))
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_wrong_frame_size_is_refused(tmp_path: Path) -> None:
    writer = VideoWriter(tmp_path / "clip.mp4", fps=30, size=(64, 48))
    with pytest.raises(ValueError, match="64x48"):
        writer.write(np.zeros((10, 10, 3), np.uint8))
    writer.abort()
    assert list(tmp_path.iterdir()) == []


def test_in_memory_writer_touches_no_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    writer = VideoWriter(None, fps=30, size=(64, 48))
    for f in frames(5, 64, 48):
        writer.write(f)
    assert writer.close() is None
    assert list(tmp_path.iterdir()) == []


def _clip_with_audio(src: Path) -> None:
    with av.open(str(src), "w") as c:
        v = c.add_stream("libx264", rate=30)
        v.width, v.height, v.pix_fmt = 64, 48, "yuv420p"
        a = c.add_stream("aac", rate=48000)
        for i in range(30):
            frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="bgr24")
            frame.pts = i
            for p in v.encode(frame):
                c.mux(p)
        for i in range(47):
            samples = np.zeros((1, 1024), np.float32)
            af = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            af.sample_rate = 48000
            af.pts = i * 1024
            for p in a.encode(af):
                c.mux(p)
        for s in (v, a):
            for p in s.encode(None):
                c.mux(p)


def test_copy_audio_muxes_the_source_audio(tmp_path: Path) -> None:
    src = tmp_path / "with_audio.mp4"
    _clip_with_audio(src)
    out = tmp_path / "out.mp4"
    with VideoWriter(out, fps=30, size=(64, 48)) as writer:
        for f in frames(30, 64, 48):
            writer.write(f)
    assert copy_audio(out, src) is True
    with av.open(str(out)) as c:
        assert len(c.streams.audio) == 1 and len(c.streams.video) == 1
    silent = tmp_path / "silent.mp4"
    with VideoWriter(silent, fps=30, size=(64, 48)) as writer:
        writer.write(np.zeros((48, 64, 3), np.uint8))
    assert copy_audio(out, silent) is False


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002])
def test_finished_files_get_the_permissions_of_the_users_umask(tmp_path: Path, umask: int) -> None:
    """A clip, a clip with its sound put back, and the boxes JSON: like any file the user saves."""
    from installation.outputs import BoxesSink

    src = tmp_path / "with_audio.mp4"
    _clip_with_audio(src)
    previous = os.umask(umask)
    try:
        with VideoWriter(tmp_path / "clip.mp4", fps=30, size=(64, 48)) as writer:
            writer.write(np.zeros((48, 64, 3), np.uint8))
        with VideoWriter(tmp_path / "sound.mp4", fps=30, size=(64, 48)) as writer:
            writer.write(np.zeros((48, 64, 3), np.uint8))
        assert copy_audio(tmp_path / "sound.mp4", src)
        boxes = BoxesSink(tmp_path / "boxes.json", {"input": "clip.mp4"})
        boxes.close()
    finally:
        os.umask(previous)
    for name in ("clip.mp4", "sound.mp4", "boxes.json"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o666 & ~umask, name


def test_an_interrupt_while_the_writer_opens_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ctrl-C lands after the temporary file exists and before the writer is returned to anyone
    # who could abort it: the writer removes it itself.
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(av, "open", interrupted)
    with pytest.raises(KeyboardInterrupt):
        VideoWriter(tmp_path / "clip.mp4", fps=30, size=(64, 48))
    assert list(tmp_path.iterdir()) == []


def test_remove_stale_removes_only_what_killed_runs_on_this_machine_left(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from installation.outputs.files import remove_stale, temporary_beside

    mine = temporary_beside(tmp_path / "visit.mp4", ".partial.mp4")
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    dead_pid = int(dead.stdout)
    killed = mine.name.replace(f".pid{os.getpid()}@", f".pid{dead_pid}@")
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as alive:
        names = {
            "killed": killed,
            "killed json": killed.replace(".mp4", ".json"),
            "killed csv": killed.replace(".mp4", ".csv"),
            "killed xml": killed.replace(".mp4", ".xml"),
            "running": mine.name.replace(f".pid{os.getpid()}@", f".pid{alive.pid}@"),
            "elsewhere": killed.replace("@", "@x-", 1),
            "old style": ".visit.k2j4ab_c.partial.mp4",
            "someone's": f".visit.pid{dead_pid}.txt",
        }
        for name in names.values():
            (tmp_path / name).write_bytes(b"")
        removed = remove_stale(tmp_path)
        alive.kill()
    gone = {names[kind] for kind in ("killed", "killed json", "killed csv", "killed xml")}
    assert sorted(p.name for p in removed) == sorted(gone)
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {mine.name} | set(names.values()) - gone


# -- the sinks -----------------------------------------------------------------


def processed(
    image: np.ndarray, index: int, time: float | None = None, faces: Sequence[Box] = ()
) -> Processed:
    """A processed frame whose picture is ``image``, with tracked faces at ``faces``."""
    tracked = [TrackedFace(i + 1, box, 0.9, 0, 1, True) for i, box in enumerate(faces)]
    when = index / 30 if time is None else time
    return Processed(Frame(image, index, when, "test"), image, Effect.BLUR, [], tracked)


def partials(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial." in p.name)


def test_video_sink_writes_each_picture_at_its_time_and_publishes_only_on_close(tmp_path: Path) -> None:
    out = tmp_path / "clip.mp4"
    # A phone's varying rate: 30 fps, then a frame after a tenth of a second.
    times = [0.0, 1 / 30, 2 / 30, 2 / 30 + 0.1, 2 / 30 + 0.1 + 1 / 30]
    sink = VideoSink(out, fps=30, size=(64, 48))
    for i, (image, t) in enumerate(zip(frames(5, 64, 48), times, strict=True)):
        sink.write(processed(image, i, t))
    sink.finish()
    assert not out.exists() and len(partials(tmp_path)) == 1  # complete, not yet under its name
    sink.close()
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]
    with av.open(str(out)) as c:
        written = [float(f.time) for f in c.decode(c.streams.video[0])]
    assert max(abs(a - b) for a, b in zip(written, times, strict=True)) < 0.001
    sink.abort()  # after close: nothing to undo, the clip stays
    assert out.exists()


def test_video_sink_without_times_follows_the_rate_and_takes_the_first_pictures_size(tmp_path: Path) -> None:
    out = tmp_path / "clip.mp4"
    sink = VideoSink(out, fps=10, timed=False)
    assert list(tmp_path.iterdir()) == []  # no file before there is a picture
    for i, image in enumerate(frames(4, 66, 50)):
        sink.write(processed(image, i, time=5.0))  # the frames' own times are not used
    sink.close()
    with av.open(str(out)) as c:
        stream = c.streams.video[0]
        assert (stream.width, stream.height) == (66, 50)
        assert [round(float(f.time), 3) for f in c.decode(stream)] == [0.0, 0.1, 0.2, 0.3]


def test_video_sink_scales_a_picture_of_another_size_to_fit(tmp_path: Path) -> None:
    out = tmp_path / "clip.mp4"
    sink = VideoSink(out, fps=30, size=(64, 36))
    sink.write(processed(np.full((36, 64, 3), 200, np.uint8), 0))
    sink.write(processed(np.full((60, 80, 3), 200, np.uint8), 1))  # 4:3 into 16:9: bars at the sides
    sink.close()
    with av.open(str(out)) as c:
        pictures = [f.to_ndarray(format="bgr24") for f in c.decode(c.streams.video[0])]
    assert [p.shape for p in pictures] == [(36, 64, 3), (36, 64, 3)]
    assert pictures[0][:, :4].mean() > 150
    assert pictures[1][:, :4].mean() < 30 and pictures[1][:, 20:44].mean() > 150


@pytest.mark.parametrize("when", ["writing", "finished"])
def test_video_sink_abort_leaves_nothing(tmp_path: Path, when: str) -> None:
    sink = VideoSink(tmp_path / "clip.mp4", fps=30, size=(64, 48))
    for i, image in enumerate(frames(3, 64, 48)):
        sink.write(processed(image, i))
    if when == "finished":
        sink.finish()
    sink.abort()
    assert list(tmp_path.iterdir()) == []


def test_video_sink_puts_the_sound_in_before_the_clip_gets_its_name(tmp_path: Path) -> None:
    src = tmp_path / "with_audio.mp4"
    _clip_with_audio(src)
    out = tmp_path / "out.mp4"
    sink = VideoSink(out, fps=30, size=(64, 48), audio_from=src)
    for i, image in enumerate(frames(30, 64, 48)):
        sink.write(processed(image, i))
    sink.finish()
    assert not out.exists()
    sink.close()
    with av.open(str(out)) as c:
        assert len(c.streams.audio) == 1 and len(c.streams.video) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4", "with_audio.mp4"]


def test_boxes_sink_writes_every_frame_and_publishes_only_on_close(tmp_path: Path) -> None:
    path = tmp_path / "boxes.json"
    sink = BoxesSink(path, {"input": "clip.mp4", "width": 640, "height": 360}, size=(640, 360))
    picture = np.zeros((360, 640, 3), np.uint8)
    sink.write(processed(picture, 0, faces=[Box(100, 50, 40, 40)]))
    # A frame of another size: its boxes go where that frame is put in the video (0.6 times, 80 px in).
    sink.write(processed(np.zeros((600, 800, 3), np.uint8), 1, faces=[Box(100, 100, 50, 50)]))
    sink.write(processed(picture, 2))
    sink.finish()
    assert not path.exists() and len(partials(tmp_path)) == 1
    sink.close()
    assert [p.name for p in tmp_path.iterdir()] == ["boxes.json"]
    data = json.loads(path.read_text())
    assert data["version"] == 1 and data["input"] == "clip.mp4" and data["width"] == 640
    assert [entry["frame"] for entry in data["frames"]] == [0, 1, 2]
    assert data["frames"][0]["faces"] == [
        {"track": 1, "box": [100.0, 50.0, 40.0, 40.0], "score": 0.9, "missed": 0, "ahead": False}
    ]
    assert data["frames"][1]["faces"][0]["box"] == [140.0, 60.0, 30.0, 30.0]
    assert data["frames"][2]["faces"] == []


def test_boxes_sink_abort_leaves_nothing(tmp_path: Path) -> None:
    sink = BoxesSink(tmp_path / "boxes.json", {"input": "clip.mp4"})
    sink.write(processed(np.zeros((48, 64, 3), np.uint8), 0, faces=[Box(1, 2, 3, 4)]))
    sink.abort()
    assert list(tmp_path.iterdir()) == []


def test_null_sink_takes_every_frame_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    sink = NullSink()
    for i, image in enumerate(frames(3, 64, 48)):
        sink.write(processed(image, i))
    sink.finish()
    sink.close()
    sink.abort()
    assert sink.frames == 3
    assert list(tmp_path.iterdir()) == []


class Journal:
    """A sink that writes down what it is asked to do; ``fails`` names a step that raises."""

    def __init__(self, name: str, log: list[str], fails: str = "") -> None:
        self.name, self.log, self.fails = name, log, fails

    def _do(self, step: str) -> None:
        self.log.append(f"{self.name} {step}")
        if step == self.fails:
            raise OSError(f"{self.name}: {step} failed")

    def write(self, processed: Processed) -> None:
        self._do(f"write {processed.frame.index}")

    def finish(self) -> None:
        self._do("finish")

    def close(self) -> None:
        self._do("close")

    def abort(self) -> None:
        self._do("abort")


def test_tee_writes_to_every_sink_and_finishes_them_all_before_publishing_any() -> None:
    log: list[str] = []
    tee = Tee(Journal("a", log), Journal("b", log))
    tee.write(processed(np.zeros((48, 64, 3), np.uint8), 7))
    tee.close()
    assert log == ["a write 7", "b write 7", "a finish", "b finish", "a close", "b close"]
    log.clear()
    tee.abort()  # both closed: nothing to abort
    assert log == []


def test_tee_publishes_nothing_when_one_sink_cannot_finish(tmp_path: Path) -> None:
    log: list[str] = []
    video = VideoSink(tmp_path / "clip.mp4", fps=30, size=(64, 48))
    tee = Tee(video, Journal("boxes", log, fails="finish"))
    tee.write(processed(np.zeros((48, 64, 3), np.uint8), 0))
    with pytest.raises(OSError, match="boxes: finish failed"):
        tee.close()
    tee.abort()
    assert list(tmp_path.iterdir()) == []
    assert log == ["boxes write 0", "boxes finish", "boxes abort"]


def test_tee_aborts_every_sink_not_yet_closed_even_when_one_abort_fails() -> None:
    log: list[str] = []
    tee = Tee(Journal("a", log), Journal("b", log, fails="close"), Journal("c", log, fails="abort"))
    with pytest.raises(OSError, match="b: close failed"):
        tee.close()
    log.clear()
    with pytest.raises(OSError, match="c: abort failed"):
        tee.abort()
    assert log == ["b abort", "c abort"]  # a was published: it stays


def test_preview_sink_shows_each_picture_under_the_recording_mark_and_esc_stops() -> None:
    preview = PreviewSink("RECORDING", seconds=2, size=(320, 180), headless=True)
    assert preview.screen is None  # no window before there is a picture
    picture = np.full((90, 160, 3), (0, 200, 0), np.uint8)
    try:
        preview.write(processed(picture, 0))
        screen = preview.screen
        assert screen is not None
        shown = pygame.surfarray.array3d(screen).swapaxes(0, 1)
        assert (shown[90, 160] == (0, 200, 0)).all()  # the picture, in the middle
        red = np.array(RED)
        assert (np.abs(shown[0, :].astype(int) - red).sum(axis=1) < 30).all()  # the red frame round it
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE))
        with pytest.raises(KeyboardInterrupt):
            preview.write(processed(picture, 1))
        assert preview.cancelled
    finally:
        preview.abort()
    assert preview.screen is None and not pygame.display.get_init()


def test_a_video_that_would_carry_metadata_is_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Should the sound ever come over with its source's tags, the file fails its check and is
    # not written: nothing under its name, and its temporary file removed.
    import installation.outputs.video as video
    from installation.outputs.metadata import MetadataLeft

    def copy_with_tags(video_path: Path, audio_source: Path, *, start: float = 0.0) -> bool:
        tagged = video_path.with_name("tagged.mp4")
        with av.open(str(video_path)) as vin, av.open(str(tagged), "w", format="mp4") as out:
            stream = out.add_stream_from_template(vin.streams.video[0])
            out.metadata["location"] = "+48.8584+002.2945/"
            for packet in vin.demux(vin.streams.video[0]):
                if packet.dts is not None:
                    packet.stream = stream
                    out.mux(packet)
        os.replace(tagged, video_path)
        return True

    monkeypatch.setattr(video, "copy_audio", copy_with_tags)
    out = tmp_path / "out" / "clip.mp4"
    out.parent.mkdir()
    sink = VideoSink(out, fps=10, size=(64, 48), audio_from=tmp_path / "sound.m4a")
    picture = np.zeros((48, 64, 3), np.uint8)
    sink.write(Processed(Frame(picture, 0, 0.0), picture, Effect.BLUR, [], []))
    with pytest.raises(MetadataLeft, match="clip.mp4: not written: it would carry .*the tag location"):
        sink.close()
    sink.abort()
    assert list(out.parent.iterdir()) == []
