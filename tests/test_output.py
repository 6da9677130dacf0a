"""H.264 writing: complete files only, exact size and frame count, nothing extra."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import av
import numpy as np
import pytest

from installation.output import VideoWriter, copy_audio


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
    from installation.anonymize import BoxesWriter

    src = tmp_path / "with_audio.mp4"
    _clip_with_audio(src)
    previous = os.umask(umask)
    try:
        with VideoWriter(tmp_path / "clip.mp4", fps=30, size=(64, 48)) as writer:
            writer.write(np.zeros((48, 64, 3), np.uint8))
        with VideoWriter(tmp_path / "sound.mp4", fps=30, size=(64, 48)) as writer:
            writer.write(np.zeros((48, 64, 3), np.uint8))
        assert copy_audio(tmp_path / "sound.mp4", src)
        boxes = BoxesWriter(tmp_path / "boxes.json", {"input": "clip.mp4"})
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

    from installation.output import remove_stale, temporary_beside

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
            "running": mine.name.replace(f".pid{os.getpid()}@", f".pid{alive.pid}@"),
            "elsewhere": killed.replace("@", "@x-", 1),
            "old style": ".visit.k2j4ab_c.partial.mp4",
            "someone's": f".visit.pid{dead_pid}.txt",
        }
        for name in names.values():
            (tmp_path / name).write_bytes(b"")
        removed = remove_stale(tmp_path)
        alive.kill()
    assert sorted(p.name for p in removed) == sorted([names["killed"], names["killed json"]])
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {mine.name} | set(names.values()) - {names["killed"], names["killed json"]}
