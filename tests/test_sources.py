"""Frame sources: files, playlists, patterns, cameras, live hand-over and recovery.

Every clip is written here into ``tmp_path``; IP cameras are small servers on
127.0.0.1. Nothing touches the network or a real camera unless one is named in
``MONITORING_ROOM_CAMERA``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from installation.errors import ConfigError, SourceError
from installation.frames import Frame
from installation.sources import (
    FrameSource,
    LiveSource,
    SourceSpecError,
    list_clips,
    open_source,
    parse_spec,
    retry_delay,
    transform_image,
)

SIZE = (64, 48)


# -- media made here ---------------------------------------------------------
def write_avi(path: Path, levels: list[int], fps: float = 10, size: tuple[int, int] = SIZE) -> Path:
    """An MJPG clip whose frame ``i`` is flat grey at ``levels[i]``."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, size)
    assert writer.isOpened()
    for level in levels:
        writer.write(np.full((size[1], size[0], 3), level, np.uint8))
    writer.release()
    return path


def write_mp4(path: Path, levels: list[int], fps: int = 10, size: tuple[int, int] = SIZE) -> Path:
    """An H.264 clip (PyAV's libx264) whose frame ``i`` is flat grey at ``levels[i]``."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for level in levels:
            image = np.full((size[1], size[0], 3), level, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def noisy_avi(path: Path, frames: int, fps: float = 10) -> Path:
    """An MJPG clip of random pictures: big frames, so cutting the file in half cuts frames off."""
    rng = np.random.default_rng(1)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, SIZE)
    for _ in range(frames):
        writer.write(rng.integers(0, 256, (SIZE[1], SIZE[0], 3), np.uint8))
    writer.release()
    return path


def level(frame: Frame) -> int:
    return round(float(frame.image.mean()))


def read_all(source: object) -> list[Frame]:
    return list(iter(source.read, None))  # type: ignore[attr-defined]


def wait_until(condition: Callable[[], bool], within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def source_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("source ")]


# -- files -------------------------------------------------------------------
@pytest.mark.parametrize("writer, suffix", [(write_avi, ".avi"), (write_mp4, ".mp4")])
def test_file_batch_gives_every_frame_in_order(
    tmp_path: Path, writer: Callable[..., Path], suffix: str
) -> None:
    levels = [30 + 15 * i for i in range(12)]
    path = writer(tmp_path / f"clip{suffix}", levels, fps=15)

    source = open_source(str(path), name="hall")
    frames = read_all(source)

    assert len(frames) == 12
    assert source.size == SIZE and source.fps == 15
    assert getattr(source, "frame_count", None) == 12
    assert [f.index for f in frames] == list(range(12))
    assert [f.timestamp for f in frames] == pytest.approx([i / 15 for i in range(12)])
    assert [abs(level(f) - v) <= 4 for f, v in zip(frames, levels, strict=True)] == [True] * 12
    assert all(f.image.shape == (48, 64, 3) and f.image.dtype == np.uint8 for f in frames)
    assert {f.source for f in frames} == {"hall"}
    assert source.read() is None
    source.close()


def test_file_loop_keeps_counting_time(tmp_path: Path) -> None:
    path = write_avi(tmp_path / "loop.avi", [40, 80, 120, 160], fps=8)
    source = open_source(str(path), loop=True)
    frames = [source.read() for _ in range(10)]
    source.close()

    assert all(f is not None for f in frames)
    assert [f.index for f in frames] == list(range(10))  # type: ignore[union-attr]
    assert [f.timestamp for f in frames] == pytest.approx([i / 8 for i in range(10)])  # type: ignore[union-attr]
    assert [level(f) // 40 for f in frames] == [1, 2, 3, 4, 1, 2, 3, 4, 1, 2]  # type: ignore[arg-type]


def test_cut_short_file_gives_its_frames_then_fails_naming_it(tmp_path: Path) -> None:
    data = noisy_avi(tmp_path / "whole.avi", 30).read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) // 2])

    source = open_source(str(cut))
    got = []
    with pytest.raises(SourceError, match=r"cut\.avi: damaged or cut short"):
        while (frame := source.read()) is not None:
            got.append(frame)
    assert 0 < len(got) < 30


def test_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"nothere\.mp4: no such file"):
        open_source(str(tmp_path / "nothere.mp4"))
    with pytest.raises(SourceError, match=r"^0: no such file \(for a camera, write camera:0\)"):
        open_source("0")


def test_undecodable_file_fails_at_open(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(np.random.default_rng(2).bytes(20_000))
    with pytest.raises(SourceError, match=r"junk\.mp4: cannot open as video"):
        open_source(str(junk))


# -- source strings ----------------------------------------------------------
@pytest.mark.parametrize(
    "spec, says",
    [
        ("webcam:0", "unknown source kind 'webcam:'"),
        ("camera:front", "expected a camera number like camera:0"),
        ("camera:0?zoom=2", "unknown option 'zoom' (expected size, fps, fourcc)"),
        ("camera:0?size=big", "size must be WIDTHxHEIGHT like 1280x720, not 'big'"),
        ("camera:0?fps=0", "fps must be a number of frames per second like 30, not '0'"),
        ("pattern:stripes", "unknown pattern 'stripes' (expected bars or noise)"),
        ("pattern:bars?size=640x480&size=320x240", "option 'size' given twice"),
        ("pattern:bars?frames=-3", "frames must be a whole number"),
        ("pattern:bars?frames=²", "frames must be a whole number"),
        ("camera:²", "expected a camera number like camera:0"),
        ("http://[::1/video.mjpg", "not a URL FFmpeg can open (Invalid IPv6 URL)"),
        ("rtsp://cam:99999/live", "not a URL FFmpeg can open (Port out of range"),
        ("", "empty source string"),
    ],
)
def test_bad_source_string_names_it(spec: str, says: str) -> None:
    with pytest.raises(SourceError) as caught:
        open_source(spec)
    message = str(caught.value)
    assert message.startswith(spec or "empty") and says in message
    assert "\n" not in message
    assert isinstance(caught.value, ConfigError)
    if spec:
        with pytest.raises(SourceSpecError):  # a live source rejects it at once, not on its thread
            LiveSource(spec)


def test_source_strings_parse() -> None:
    camera = parse_spec("camera:2?size=1920x1080&fps=30&fourcc=yuyv")
    assert (camera.kind, camera.target, camera.size, camera.fps, camera.fourcc) == (
        "camera",
        "2",
        (1920, 1080),
        30.0,
        "YUYV",
    )
    device = parse_spec("/dev/v4l/by-id/usb-Cam-video-index0?size=1280x720")
    assert (device.kind, device.size) == ("device", (1280, 720))
    assert device.target == "/dev/v4l/by-id/usb-Cam-video-index0"
    stream = parse_spec("rtsp://admin:s3cret@192.168.1.20:554/h264?channel=1")
    assert stream.kind == "stream" and stream.target.endswith("?channel=1")  # the URL's own query is kept
    assert "s3cret" not in stream.name and stream.name == "rtsp://admin:***@192.168.1.20:554/h264?channel=1"
    assert parse_spec("https://cam.example/video.mjpg").kind == "stream"
    assert parse_spec("C:\\footage\\hall.mp4").kind == "path"
    assert parse_spec("footage/hall.mp4").kind == "path"


# -- patterns ----------------------------------------------------------------
def test_pattern_bars_takes_size_and_rate_and_moves() -> None:
    source = open_source("pattern:bars?size=320x180&fps=12")
    frames = [source.read() for _ in range(13)]
    source.close()

    assert source.size == (320, 180) and source.fps == 12
    assert all(f is not None and f.image.shape == (180, 320, 3) for f in frames)
    assert [f.timestamp for f in frames] == pytest.approx([i / 12 for i in range(13)])  # type: ignore[union-attr]
    first, last = frames[0].image, frames[-1].image  # type: ignore[union-attr]
    assert not np.array_equal(first, last)
    # The bars themselves stay put: top-left is 75 % white, top-right is blue.
    assert first[60, 5].tolist() == [191, 191, 191] and first[60, 315].tolist() == [191, 0, 0]


def test_pattern_with_frames_ends_and_noise_differs() -> None:
    source = open_source("pattern:noise?size=40x30&frames=3")
    frames = read_all(source)
    assert [f.index for f in frames] == [0, 1, 2]
    assert not np.array_equal(frames[1].image, frames[2].image)
    assert read_all(open_source("pattern:bars?frames=5&size=16x16")) != []
    assert len(read_all(open_source("pattern:bars?frames=5&size=16x16"))) == 5


# -- playlists ---------------------------------------------------------------
def make_playlist(folder: Path) -> Path:
    folder.mkdir()
    write_avi(folder / "1 first.avi", [20, 30, 40, 50, 60], fps=10)
    (folder / "2 junk.mp4").write_bytes(np.random.default_rng(3).bytes(30_000))
    data = noisy_avi(folder / "whole.avi", 30).read_bytes()
    (folder / "whole.avi").unlink()
    (folder / "3 cut.avi").write_bytes(data[: len(data) // 2])
    write_avi(folder / "10 last.avi", [150, 170, 190, 210], fps=20)
    (folder / "notes.txt").write_text("not a clip")
    (folder / "._1 first.avi").write_bytes(b"\0" * 100)
    return folder


def test_playlist_plays_good_clips_and_logs_each_bad_one_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = make_playlist(tmp_path / "clips")
    assert [p.name for p in list_clips(folder)] == ["1 first.avi", "2 junk.mp4", "3 cut.avi", "10 last.avi"]

    with caplog.at_level(logging.WARNING, logger="installation.sources"):
        source = open_source(str(folder))
        frames = read_all(source)
    flat = [level(f) for f in frames if f.image.std() < 5]

    assert [v // 10 * 10 for v in flat] == [20, 30, 40, 50, 60, 150, 170, 190, 210]
    assert [f.index for f in frames] == list(range(len(frames)))
    assert all(b.timestamp > a.timestamp for a, b in zip(frames, frames[1:], strict=False))
    # The last clip runs at 20 fps after 0.5 s of the first and whatever the cut clip gave.
    assert np.diff([f.timestamp for f in frames[-4:]]) == pytest.approx([0.05] * 3)
    junk = [r for r in caplog.records if "2 junk.mp4" in r.getMessage()]
    cut = [r for r in caplog.records if "3 cut.avi" in r.getMessage()]
    assert len(junk) == 1 and len(cut) == 1 and len(caplog.records) == 2
    assert "skipping" in junk[0].getMessage() and "cut short" in cut[0].getMessage()


def test_looping_playlist_does_not_repeat_warnings(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = make_playlist(tmp_path / "clips")
    with caplog.at_level(logging.WARNING, logger="installation.sources"):
        source = open_source(str(folder), loop=True)
        frames = [source.read() for _ in range(60)]
        source.close()
        again = open_source(str(folder), loop=True)  # as a live source does after a failure
        frames += [again.read() for _ in range(20)]
        again.close()
    assert all(f is not None for f in frames)
    assert again.read() is None
    assert len(caplog.records) == 2


def test_playlist_of_bad_clips_fails_like_any_source(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "a.mp4").write_bytes(b"not a video")
    (folder / "b.mov").write_bytes(b"")
    with pytest.raises(SourceError, match=r"bad: none of its 2 clips plays"):
        open_source(str(folder))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SourceError, match=r"empty: no video clips in the folder"):
        open_source(str(empty))


# -- live hand-over ----------------------------------------------------------
def test_live_file_plays_at_its_own_rate_and_loops(tmp_path: Path) -> None:
    path = write_avi(tmp_path / "ten.avi", [40, 80, 120, 160, 200], fps=10)
    got: list[Frame] = []
    with LiveSource(str(path)) as live:
        assert live.wait(-1, timeout=5) is not None
        start, last = time.monotonic(), -1
        while time.monotonic() - start < 1.2:
            frame = live.wait(last, timeout=0.5)
            if frame is not None:
                got.append(frame)
                last = frame.index
        status = live.status

    # About 12 frames in 1.2 s at 10 fps; unpaced it would be thousands.
    assert 5 <= len(got) <= 25
    assert status.ok and 5 <= status.fps <= 20
    assert all(b.index > a.index and b.timestamp > a.timestamp for a, b in zip(got, got[1:], strict=False))
    assert got[-1].timestamp >= 0.5  # past the end of the 0.5 s clip: it looped


def test_latest_hands_over_only_the_newest() -> None:
    seen: list[int] = []
    with LiveSource("pattern:bars?size=64x36&fps=200") as live:
        assert live.wait(-1, timeout=5) is not None
        last = -1
        for _ in range(10):
            time.sleep(0.05)  # a consumer much slower than the source
            frame = live.latest(last)
            if frame is not None:
                seen.append(frame.index)
                last = frame.index
                assert live.latest(frame.index) is None or live.latest(frame.index).index > frame.index  # type: ignore[union-attr]
    newest = live.latest()

    assert seen == sorted(set(seen))  # never an older frame after a newer one
    assert max(np.diff(seen)) > 1  # the slow consumer skipped frames
    assert newest is not None and newest.index == live.status.frames - 1


class FlakyCable:
    """Opens sources that deliver a few frames, then fail until ``fixed`` is set."""

    def __init__(self, frames_before_failing: int = 5) -> None:
        self.frames_before_failing = frames_before_failing
        self.broken = threading.Event()
        self.opens = 0

    def open(self) -> FlakySource:
        self.opens += 1
        if self.broken.is_set():
            raise SourceError("flaky: no device")
        return FlakySource(self)


class FlakySource:
    name = "flaky"
    fps = 100.0
    size = (8, 6)

    def __init__(self, cable: FlakyCable) -> None:
        self.cable = cable
        self.index = 0

    def read(self) -> Frame | None:
        if self.index >= self.cable.frames_before_failing and not self.cable.broken.is_set():
            self.cable.broken.set()
        if self.cable.broken.is_set():
            raise SourceError("flaky: cable pulled")
        image = np.zeros((6, 8, 3), np.uint8)
        frame = Frame(image, self.index, self.index / self.fps, "flaky", time.monotonic())
        self.index += 1
        return frame

    def close(self) -> None:
        pass


def test_failing_source_reports_loss_retries_and_recovers(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[int] = []

    def recorded_delay(attempt: int) -> float:
        attempts.append(attempt)
        return retry_delay(attempt)

    monkeypatch.setattr("installation.sources.live.retry_delay", recorded_delay)
    cable = FlakyCable(frames_before_failing=5)
    with (
        caplog.at_level(logging.INFO, logger="installation.sources"),
        LiveSource("flaky", opener=cable.open) as live,
    ):
        assert wait_until(lambda: live.status.frames >= 5, within=5)
        assert wait_until(lambda: not live.status.ok, within=1)
        lost = live.status
        assert lost.reason.startswith("flaky: ") and lost.fps == 0
        before = live.latest()
        assert wait_until(lambda: cable.opens >= 4, within=5)  # retrying: 0.1, 0.2, 0.4 s apart
        cable.frames_before_failing = 10**9
        cable.broken.clear()
        assert wait_until(lambda: live.status.ok, within=2)
        after = live.wait(before.index, timeout=5)  # type: ignore[union-attr]

    assert after is not None and after.index > before.index  # type: ignore[union-attr]
    assert attempts[:4] == [0, 1, 2, 3]  # each failed reopen waits longer, up to the cap
    messages = [r.getMessage() for r in caplog.records]
    assert sum("signal lost" in m for m in messages) == 1
    assert sum("signal back" in m for m in messages) == 1


def test_unplugged_camera_by_id_link_is_reported(tmp_path: Path) -> None:
    from installation.sources.camera import CameraSource

    link = tmp_path / "usb-Logitech_C920-video-index0"
    link.symlink_to("/dev/video98")  # what a by-id link looks like while its camera is unplugged
    with pytest.raises(SourceError, match=r"usb-Logitech_C920-video-index0: no such device \(unplugged\?\)"):
        CameraSource(str(link))


def test_retry_delays_grow_to_one_second() -> None:
    assert [retry_delay(n) for n in range(7)] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0]
    assert retry_delay(10_000) == 1.0


def test_missing_camera_is_retried_without_hanging(caplog: pytest.LogCaptureFixture) -> None:
    if os.path.exists("/dev/video99"):
        pytest.skip("this machine has a /dev/video99")
    with pytest.raises(SourceError, match=r"^camera:99: no such camera"):
        open_source("camera:99")
    tries: list[float] = []

    def opener() -> object:
        tries.append(time.monotonic())
        return open_source("camera:99")

    with caplog.at_level(logging.WARNING, logger="installation.sources"):
        live = LiveSource("camera:99", opener=opener)  # type: ignore[arg-type]
        live.start()
        assert wait_until(lambda: len(tries) >= 3, within=5)
        status = live.status
        live.stop()

    assert not status.ok and status.reason.startswith("camera:99: no such camera") and status.frames == 0
    assert live.latest() is None
    assert len([r for r in caplog.records if "camera:99" in r.getMessage()]) == 1
    assert source_threads() == []


def test_stop_joins_the_thread_and_wakes_waiters() -> None:
    live = LiveSource("pattern:bars?size=32x24&fps=5")
    live.start()
    assert live.wait(-1, timeout=5) is not None
    assert len(source_threads()) == 1
    woke: list[object] = []
    waiter = threading.Thread(target=lambda: woke.append(live.wait(10**9, timeout=30)))
    waiter.start()
    live.stop()
    waiter.join(timeout=5)

    assert source_threads() == []
    assert not waiter.is_alive() and woke == [None]


def test_stop_does_not_wait_for_a_reader_stuck_opening_and_that_reader_never_delivers() -> None:
    answer = threading.Event()
    opened: list[FlakySource] = []

    def stuck_opener() -> FlakySource:  # a camera that accepted the connection and says nothing
        answer.wait(30)
        cable = FlakyCable(frames_before_failing=10**9)
        opened.append(FlakySource(cable))
        return opened[-1]

    live = LiveSource("stuck", opener=stuck_opener)
    live.start()
    time.sleep(0.2)
    began = time.monotonic()
    live.stop()
    assert time.monotonic() - began < 2.0  # not the camera's open timeout
    answer.set()  # the camera answers after all
    assert wait_until(lambda: not source_threads(), within=5)  # and the reader ends by itself
    assert live.latest() is None and live.status.frames == 0
    assert opened and opened[0].index == 0  # opened late, never read from


def test_stuck_readers_asked_to_stop_together_share_one_wait() -> None:
    from installation.sources.live import STOP_WAIT

    answer = threading.Event()

    def stuck() -> FrameSource:
        answer.wait(30)
        raise SourceError("no answer")

    lives = [LiveSource(f"stuck {i}", opener=stuck) for i in range(4)]
    for live in lives:
        live.start()
    time.sleep(0.2)
    began = time.monotonic()
    for live in lives:  # as the room closes: every camera asked first, then each waited for
        live.request_stop()
    for live in lives:
        live.stop()
    took = time.monotonic() - began
    answer.set()
    assert took < 2 * STOP_WAIT, f"four stuck cameras took {took:.1f} s to stop"
    assert wait_until(lambda: not source_threads(), within=5)


# -- IP cameras --------------------------------------------------------------
class MjpegCamera:
    """An IP camera on 127.0.0.1 sending MJPEG over HTTP (multipart/x-mixed-replace), as many do.

    Frame ``i`` is grey level ``10 * i``; after ``frames`` frames the connection closes.
    """

    def __init__(self, *, frames: int = 10**6, fps: float = 20.0, answer_after: float = 0.0) -> None:
        self.frames, self.fps, self.answer_after = frames, fps, answer_after
        self._server = socket.socket()
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(4)
        self.port = self._server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, user: str = "") -> str:
        return f"http://{user + '@' if user else ''}127.0.0.1:{self.port}/video.mjpg"

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        try:
            connection.recv(4096)
            time.sleep(self.answer_after)
            connection.sendall(
                b"HTTP/1.0 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=f\r\n\r\n"
            )
            for i in range(self.frames):
                grey = np.full((SIZE[1], SIZE[0], 3), (10 * i) % 250, np.uint8)
                jpeg = cv2.imencode(".jpg", grey)[1].tobytes()
                head = b"--f\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % len(jpeg)
                connection.sendall(head + jpeg + b"\r\n")
                time.sleep(1 / self.fps)
        except OSError:
            pass
        finally:
            connection.close()

    def close(self) -> None:
        self._server.close()


def test_an_ip_camera_streams_and_a_dropped_connection_is_reported() -> None:
    camera = MjpegCamera(frames=12)
    try:
        with open_source(camera.url(), name="Gate") as source:
            assert source.size == SIZE and source.realtime
            frames = [source.read() for _ in range(12)]
            with pytest.raises(SourceError, match=r"^Gate: stream stopped"):
                source.read()
    finally:
        camera.close()
    levels = [level(f) for f in frames if f is not None]
    assert len(levels) == 12 and levels == sorted(levels) and levels[-1] > levels[0]


def test_an_ip_camera_through_a_live_source_plays_and_reconnects() -> None:
    camera = MjpegCamera(frames=8)  # every connection ends after 8 frames: reconnects keep it going
    try:
        with LiveSource(camera.url(), name="Gate") as live:
            assert wait_until(lambda: live.status.frames >= 20, within=10)
    finally:
        camera.close()


@pytest.mark.slow
def test_a_slow_ip_camera_still_connects() -> None:
    camera = MjpegCamera(frames=3, answer_after=4.0)  # answers just under the 5 s a camera may need
    try:
        with open_source(camera.url()) as source:
            assert source.read() is not None
    finally:
        camera.close()


def test_an_ip_camera_that_refuses_is_named_without_its_password() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound but not listening: connections are refused
        with pytest.raises(SourceError) as caught:
            open_source(f"rtsp://admin:hunter2@127.0.0.1:{port}/live")
    message = str(caught.value)
    assert message.startswith(f"rtsp://admin:***@127.0.0.1:{port}/live: cannot connect")
    assert "hunter2" not in message and "\n" not in message


# -- orientation -------------------------------------------------------------
A = np.array([[1, 2, 3], [4, 5, 6]], np.uint8)


@pytest.mark.parametrize(
    "mirror, flip, rotate, expected",
    [
        (False, False, 0, [[1, 2, 3], [4, 5, 6]]),
        (True, False, 0, [[3, 2, 1], [6, 5, 4]]),
        (False, True, 0, [[4, 5, 6], [1, 2, 3]]),
        (True, True, 0, [[6, 5, 4], [3, 2, 1]]),
        (False, False, 90, [[4, 1], [5, 2], [6, 3]]),
        (False, False, 180, [[6, 5, 4], [3, 2, 1]]),
        (False, False, 270, [[3, 6], [2, 5], [1, 4]]),
        (True, False, 90, [[6, 3], [5, 2], [4, 1]]),
        (True, False, 180, [[4, 5, 6], [1, 2, 3]]),
        (True, True, 180, [[1, 2, 3], [4, 5, 6]]),
    ],
)
def test_transform_turns_the_picture(
    mirror: bool, flip: bool, rotate: int, expected: list[list[int]]
) -> None:
    assert transform_image(A, mirror=mirror, flip=flip, rotate=rotate).tolist() == expected
    colour = np.dstack([A, A + 10, A + 20])
    out = transform_image(colour, mirror=mirror, flip=flip, rotate=rotate)
    assert out[..., 0].tolist() == expected and out[..., 2].tolist() == (np.array(expected) + 20).tolist()


def test_transform_leaves_the_input_alone_and_rejects_odd_angles() -> None:
    image = A.copy()
    assert transform_image(image) is image
    transform_image(image, mirror=True, rotate=90)
    assert image.tolist() == A.tolist()
    for bad in (45, -90, 360, "90"):
        with pytest.raises(ConfigError, match="rotate must be 0, 90, 180 or 270"):
            transform_image(image, rotate=bad)  # type: ignore[arg-type]


# -- a real camera, only when one is named -----------------------------------
@pytest.mark.camera
@pytest.mark.skipif(not os.environ.get("MONITORING_ROOM_CAMERA"), reason="no MONITORING_ROOM_CAMERA given")
def test_real_camera_delivers_frames() -> None:
    spec = os.environ["MONITORING_ROOM_CAMERA"]
    with LiveSource(spec) as live:
        first = live.wait(-1, timeout=10)
        second = live.wait(first.index if first else -1, timeout=10)
    assert first is not None and second is not None and second.timestamp > first.timestamp
    assert live.status.fps > 0 or live.status.frames >= 2
