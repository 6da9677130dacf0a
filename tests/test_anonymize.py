"""``installation anonymize`` end to end on the bundled footage and on bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from installation.cli import main
from installation.geometry import Box
from installation.groundtruth import bundled_clips, load_ground_truth
from installation.scoring import FootageScore

CLIPS = {clip.stem: clip for clip in bundled_clips()}


def score_output(
    original: Path, output: Path, boxes_json: Path, truth_of: Path | None = None
) -> FootageScore:
    """Decode both files and score every ground-truth face in the written output.

    ``truth_of`` is the bundled clip whose ground truth applies (default: ``original`` itself).
    """
    truth = load_ground_truth(truth_of or original)
    hidden = json.loads(boxes_json.read_text())
    score = FootageScore()
    a, b = cv2.VideoCapture(str(original)), cv2.VideoCapture(str(output))
    for index, entry in enumerate(hidden["frames"]):
        ok_a, frame_a = a.read()
        ok_b, frame_b = b.read()
        assert ok_a and ok_b, f"frame {index} missing"
        boxes = [Box(*f["box"]) for f in entry["faces"]]
        faces = [(f.track_id, f.box) for f in truth.frames[index]]
        score.add(
            index,
            frame_a,
            frame_b,
            faces,
            boxes,
            mask_scale=hidden["mask_scale"],
            hidden_all=entry["hidden_all"],
        )
    return score


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CLIPS))
def test_bundled_clip_has_no_leaked_face_at_48_px_or_more(
    name: str,
    tmp_path: Path,
    record_property: Callable[[str, object], None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    clip = CLIPS[name]
    truth = load_ground_truth(clip)
    out, boxes = tmp_path / f"{name}.mp4", tmp_path / f"{name}.json"
    args = [str(clip), "-o", str(out), "--boxes-json", str(boxes), "--strength", "0", "--no-progress"]
    if truth.range == "short":
        args += ["--range", "short", "--no-small-faces"]
    assert main(["anonymize", *args]) == 0
    capture = cv2.VideoCapture(str(out))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == len(truth.frames)
    assert (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))) == (
        truth.width,
        truth.height,
    )
    assert abs(capture.get(cv2.CAP_PROP_FPS) - truth.fps) < 0.01
    capture.release()
    score = score_output(clip, out, boxes)
    summary = score.summary()
    for key, value in summary.items():
        record_property(key, value)
    with capsys.disabled():
        print(
            f"\n{name}: {summary['leaked_large']}/{summary['face_frames_large']} large face-frames leaked, "
            f"{summary['leaked_small']}/{summary['face_frames_small']} small "
            f"({100 * summary['leak_rate_small']:.1f} %), falsely hidden "
            f"{100 * summary['false_hidden_fraction']:.2f} % of the frame"
        )
    assert summary["face_frames_large"] > 0 or summary["face_frames_small"] > 0
    assert summary["leaked_large"] == 0, f"leaked (frame, track, height): {score.leaked_examples[:10]}"
    # What is hidden without a face behind it stays a small part of the picture.
    assert summary["false_hidden_fraction"] < 0.10


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "installation", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: [str(d / "absent.mp4"), "-o", str(d / "out.mp4")], "absent.mp4: no such file"),
        (lambda d: [str(d), "-o", str(d / "out.mp4")], "with a folder as input -o must be a folder"),
        (
            lambda d: [str(d), str(d / "clip.avi"), "-o", str(d / "out.mp4")],
            "is a folder, not a video file: give it alone",
        ),
        (lambda d: [str(d / "junk.mp4"), "-o", str(d / "out.mp4")], "junk.mp4: cannot read video"),
        (lambda d: [str(d / "clip.avi"), "-o", str(d / "clip.avi")], "must be an .mp4"),
        (lambda d: [str(d / "clip.avi"), "-o", str(d / "out.mp4"), "--strength", "3"], "--strength"),
        (lambda d: [str(d / "clip.avi"), "-o", str(d / "out.mp4"), "--detect-every", "0"], "--detect-every"),
        (lambda d: [str(d / "clip.avi"), "-o", str(d / "out.mp4"), "--crf", "-5"], "--crf: expected 0"),
        (lambda d: [str(d / "clip.avi"), "-o", str(d / "out.mp4"), "--crf", "99"], "--crf: expected 0"),
        (
            lambda d: [str(d / "clip.avi"), "-o", str(d / "out.mp4"), "--crf", "high"],
            "--crf: expected a whole",
        ),
        (
            lambda d: [str(d / "clip.avi"), str(d / "clip.avi"), "-o", str(d / "out.mp4")],
            "must be an existing folder",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "junk.mp4").write_bytes(os.urandom(5000))
    writer = cv2.VideoWriter(str(tmp_path / "clip.avi"), cv2.VideoWriter.fourcc(*"MJPG"), 10, (64, 48))
    for _ in range(3):
        writer.write(np.zeros((48, 64, 3), np.uint8))
    writer.release()
    proc = run_cli("anonymize", *make(tmp_path))
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("installation")]
    assert len(lines) == 1 and message in lines[0], proc.stderr
    assert not (tmp_path / "out.mp4").exists()


@pytest.mark.parametrize(
    ("names", "extra", "message"),
    [
        (
            ["a/visit.avi", "b/visit.avi"],
            [],
            "a/visit.avi and {d}/b/visit.avi would both be written to {d}/out/visit.mp4",
        ),
        # USB sticks and macOS take these for one name.
        (["a/visit.avi", "b/Visit.avi"], [], "a/visit.avi and {d}/b/Visit.avi would both be written to"),
        (["a/visit.avi", "a/visit.mkv"], [], "a/visit.avi and {d}/a/visit.mkv would both be written to"),
        (
            ["a/visit.avi", "b/visit.avi"],
            ["--boxes-json", "{d}/out"],
            "would both be written to {d}/out/visit",
        ),
        (["a/visit.avi", "a/visit.avi"], [], "a/visit.avi: given twice"),
    ],
)
def test_two_inputs_for_one_output_name_are_refused_before_anything_is_written(
    tmp_path: Path, names: list[str], extra: list[str], message: str
) -> None:
    for name in set(names):
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        _write_tiny(path.with_name(f"{path.name}.mkv"), 16).rename(path)
    (tmp_path / "out").mkdir()
    args = [str(tmp_path / name) for name in names] + ["-o", str(tmp_path / "out")]
    proc = run_cli("anonymize", *args, *[a.format(d=tmp_path) for a in extra], "--no-progress")
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("installation")]
    assert len(lines) == 1 and message.format(d=tmp_path) in lines[0], proc.stderr
    assert list((tmp_path / "out").iterdir()) == []


def test_refuses_to_overwrite_its_input(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(CLIPS["kiosk"].read_bytes())
    proc = run_cli("anonymize", str(clip), "-o", str(clip))
    assert proc.returncode == 2 and "refusing to overwrite the input" in proc.stderr
    assert clip.read_bytes() == CLIPS["kiosk"].read_bytes()


def start_cli(*args: str, ignoring: tuple[signal.Signals, ...] = ()) -> subprocess.Popen[str]:
    """``installation ARGS`` started as from a terminal: SIGINT and SIGHUP at their defaults,
    but for those in ``ignoring`` (as ``nohup`` ignores SIGHUP).

    A process inherits the signals its parent ignores, and a shell's background job (such as
    ``pytest &`` next to other work) ignores SIGINT: Python then never turns SIGINT into
    KeyboardInterrupt, and the run would carry on to the end and exit 0.
    """
    previous = {
        sig: signal.signal(sig, signal.SIG_IGN if sig in ignoring else signal.SIG_DFL)
        for sig in (signal.SIGINT, signal.SIGHUP)
    }
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "installation", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def wait_for_partial(proc: subprocess.Popen[str], folder: Path, ending: str = ".partial.mp4") -> None:
    """Wait until the run has begun writing: its temporary file is in ``folder``."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if any(p.name.endswith(ending) for p in folder.iterdir()):
            return
        time.sleep(0.05)
    raise AssertionError(f"no {ending} file appeared: {proc.communicate()}")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_interrupted_run_leaves_no_file_at_the_output_path(tmp_path: Path, sig: signal.Signals) -> None:
    out = tmp_path / "out.mp4"
    proc = start_cli("anonymize", str(CLIPS["hall"]), "-o", str(out), "--no-progress")
    wait_for_partial(proc, tmp_path)
    # The hall clip takes half a minute and more: this is well inside the work.
    time.sleep(0.5)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert list(tmp_path.iterdir()) == []


def test_a_run_under_nohup_carries_on_when_its_terminal_closes(tmp_path: Path) -> None:
    clip = _first_frames(CLIPS["kiosk"], 30, tmp_path / "kiosk30.mp4")
    out = tmp_path / "out" / "kiosk.mp4"
    out.parent.mkdir()
    proc = start_cli("anonymize", str(clip), "-o", str(out), "--no-progress", ignoring=(signal.SIGHUP,))
    wait_for_partial(proc, out.parent)
    proc.send_signal(signal.SIGHUP)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert [p.name for p in out.parent.iterdir()] == ["kiosk.mp4"]


def test_a_killed_run_leaves_temporary_files_that_the_next_run_removes_and_nothing_else(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    proc = start_cli(
        "anonymize",
        str(CLIPS["hall"]),
        "-o",
        str(folder / "hall.mp4"),
        "--boxes-json",
        str(folder / "hall.json"),
        "--no-progress",
    )
    wait_for_partial(proc, folder, ".partial.json")  # the second of the two
    proc.kill()  # SIGKILL: nothing runs to clean up
    proc.communicate(timeout=60)
    left = sorted(p.name for p in folder.iterdir())
    assert len(left) == 2 and all(f".pid{proc.pid}@" in name for name in left), left
    # Not the next run's to remove: the files of a run still going (this test's own process
    # id), of another machine sharing the folder, of older versions (no process id), and
    # anything else.
    host = left[0].split(f".pid{proc.pid}@")[1].split(".")[0]
    others = [
        left[0].replace(f".pid{proc.pid}@", f".pid{os.getpid()}@"),
        left[0].replace(f"@{host}.", "@another-machine."),
        ".hall.k2j4ab_c.partial.mp4",
        ".notes.partial.mp4",
        ".hall.json.swp",
    ]
    for name in others:
        (folder / name).write_bytes(b"not this run's")
    tiny = _write_tiny(tmp_path / "tiny.mkv", 16)
    rerun = run_cli("anonymize", str(tiny), "-o", str(folder / "tiny.mp4"), "--no-progress")
    assert rerun.returncode == 0, rerun.stderr
    assert sorted(p.name for p in folder.iterdir()) == sorted([*others, "tiny.mp4"])
    assert all((folder / name).read_bytes() == b"not this run's" for name in others)
    assert sum("left by an earlier run that was killed" in line for line in rerun.stderr.splitlines()) == 2


def test_an_interrupt_while_the_outputs_are_put_in_place_waits_until_both_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Ctrl-C right as the first of the two files gets its name: the run must not stop between
    # them (a video without its boxes, or the other way round). It stops once both are there.
    clip = _write_tiny(tmp_path / "tiny.mkv", 16)
    out, boxes = tmp_path / "tiny.mp4", tmp_path / "tiny.json"
    rename = os.replace
    renamed: list[str] = []

    def rename_then_interrupt(source: str, target: str) -> None:
        rename(source, target)
        renamed.append(Path(target).name)
        if len(renamed) == 1:
            signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(os, "replace", rename_then_interrupt)
    # Ctrl-C as from a terminal: a run started in the background (``pytest &``) ignores SIGINT,
    # and the command rightly leaves it ignored.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        code = main(["anonymize", str(clip), "-o", str(out), "--boxes-json", str(boxes), "--no-progress"])
    finally:
        signal.signal(signal.SIGINT, previous)
    assert code == 130
    assert sorted(renamed) == ["tiny.json", "tiny.mp4"]
    assert len(json.loads(boxes.read_text())["frames"]) == 5
    assert len(_decoded_times(out)[1]) == 5
    err = capsys.readouterr().err
    assert err.index(f"{out}: 5 frames") < err.index("interrupted")


def test_boxes_json_documents_every_frame(tmp_path: Path) -> None:
    out, boxes = tmp_path / "kiosk.mp4", tmp_path / "boxes.json"
    truth = load_ground_truth(CLIPS["kiosk"])
    assert (
        main(
            [
                "anonymize",
                str(CLIPS["kiosk"]),
                "-o",
                str(out),
                "--boxes-json",
                str(boxes),
                "--range",
                "short",
                "--no-small-faces",
                "--no-progress",
            ]
        )
        == 0
    )
    data = json.loads(boxes.read_text())
    assert data["version"] == 1 and data["width"] == 1280 and data["fps"] == 30
    assert [f["frame"] for f in data["frames"]] == list(range(len(truth.frames)))
    tracked = {face["track"] for entry in data["frames"] for face in entry["faces"]}
    assert len(tracked) >= len(truth.track_ids())
    sample = next(f for entry in data["frames"] for f in entry["faces"])
    assert set(sample) == {"track", "box", "score", "missed", "ahead"} and len(sample["box"]) == 4


def test_footage_cut_short_exits_2_naming_the_file_and_leaves_no_output(tmp_path: Path) -> None:
    # A copy that ends partway (a transfer that stopped): its header still promises
    # every frame, so decoding stops well before the end, after the output was begun.
    whole = tmp_path / "whole.avi"
    source = cv2.VideoCapture(str(CLIPS["hall"]))
    writer = cv2.VideoWriter(str(whole), cv2.VideoWriter.fourcc(*"MJPG"), 30, (640, 360))
    for _ in range(150):
        ok, image = source.read()
        assert ok
        writer.write(cv2.resize(image, (640, 360), interpolation=cv2.INTER_AREA))
    writer.release()
    source.release()
    clip = tmp_path / "cut.avi"
    data = whole.read_bytes()
    clip.write_bytes(data[: len(data) // 2])
    whole.unlink()
    proc = run_cli("anonymize", str(clip), "-o", str(tmp_path / "out.mp4"), "--no-progress")
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("installation")]
    assert len(lines) == 1 and "cut.avi" in lines[0] and "cut short" in lines[0], proc.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["cut.avi"]


def _first_frames(clip: Path, count: int, path: Path) -> Path:
    """The first ``count`` frames of a bundled clip, as an MP4 of their own (ground truth still applies)."""
    from installation.outputs import VideoWriter

    capture = cv2.VideoCapture(str(clip))
    with VideoWriter(path, fps=30.0, size=(1280, 720), threaded=False) as writer:
        for _ in range(count):
            ok, image = capture.read()
            assert ok
            writer.write(image)
    capture.release()
    return path


def test_anonymize_with_yunet_hides_the_distant_faces_blazeface_alone_leaves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = _first_frames(CLIPS["hall"], 45, tmp_path / "hall45.mp4")
    summaries = {}
    for spec in ("yunet", "blazeface-full"):
        out, boxes = tmp_path / f"{spec}.mp4", tmp_path / f"{spec}.json"
        assert (
            main(
                [
                    "anonymize",
                    str(clip),
                    "-o",
                    str(out),
                    "--boxes-json",
                    str(boxes),
                    "--detector",
                    spec,
                    "--no-small-faces",
                    "--strength",
                    "0",
                    "--no-progress",
                ]
            )
            == 0
        )
        summaries[spec] = score_output(clip, out, boxes, truth_of=CLIPS["hall"]).summary()
    yunet, blazeface = summaries["yunet"], summaries["blazeface-full"]
    # Hall's faces are 24-57 px: the whole-frame BlazeFace pass is blind to most of them.
    assert yunet["face_frames_small"] > 100
    assert yunet["leaked_small"] + yunet["leaked_large"] <= 0.02 * yunet["face_frames_small"]
    assert blazeface["leaked_small"] > 0.3 * blazeface["face_frames_small"]
    assert yunet["false_hidden_fraction"] < 0.05


def test_the_older_range_option_names_detector_and_both_together_are_refused(tmp_path: Path) -> None:
    clip = _first_frames(CLIPS["kiosk"], 3, tmp_path / "kiosk3.mp4")
    proc = run_cli("anonymize", str(clip), "-o", str(tmp_path / "a.mp4"), "--range", "short", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    assert "--range short is the older form of --detector blazeface-short" in proc.stderr
    proc = run_cli(
        "anonymize", str(clip), "-o", str(tmp_path / "b.mp4"), "--range", "full", "--detector", "yunet"
    )
    assert proc.returncode == 2 and "--range: give only --detector" in proc.stderr
    proc = run_cli("anonymize", str(clip), "-o", str(tmp_path / "c.mp4"), "--detector", "yunet+deface")
    assert (
        proc.returncode == 2 and "--detector: detector 'yunet+deface': unknown name 'deface'" in proc.stderr
    )
    assert not (tmp_path / "b.mp4").exists() and not (tmp_path / "c.mp4").exists()


def _write_clip(
    path: Path,
    times: list[float],
    draw: Callable[[int], np.ndarray],
    size: tuple[int, int] = (160, 120),
    beep_at: float | None = None,
    container: str = "mp4",
) -> Path:
    """An H.264 clip whose frame ``i`` is ``draw(i)`` shown at ``times[i]`` seconds (a phone's
    varying rate); with ``beep_at``, a silent AAC track with one loud beep at that time."""
    from fractions import Fraction

    import av

    with av.open(str(path), "w", format=container) as out:
        video = out.add_stream("libx264", rate=30)
        video.width, video.height, video.pix_fmt = size[0], size[1], "yuv420p"
        video.codec_context.time_base = video.time_base = Fraction(1, 1000)
        audio = out.add_stream("aac", rate=48000) if beep_at is not None else None
        for i, t in enumerate(times):
            frame = av.VideoFrame.from_ndarray(draw(i), format="bgr24")
            frame.pts, frame.time_base = round(t * 1000), Fraction(1, 1000)
            for packet in video.encode(frame):
                out.mux(packet)
        if audio is not None and beep_at is not None:
            samples = np.zeros(round((times[-1] + 0.5) * 48000), np.float32)
            onset = round(beep_at * 48000)
            samples[onset : onset + 4800] = 0.8 * np.sin(np.arange(4800) * 2 * np.pi * 1000 / 48000)
            for start in range(0, len(samples) - 1024, 1024):
                chunk = av.AudioFrame.from_ndarray(
                    samples[None, start : start + 1024], format="fltp", layout="mono"
                )
                chunk.sample_rate, chunk.pts = 48000, start
                for packet in audio.encode(chunk):
                    out.mux(packet)
        for stream in (video, audio):
            if stream is not None:
                for packet in stream.encode(None):
                    out.mux(packet)
    return path


def _decoded_times(path: Path) -> tuple[list[float], list[np.ndarray]]:
    import av

    with av.open(str(path)) as c:
        frames = list(c.decode(c.streams.video[0]))
        return [float(f.time) for f in frames], [f.to_ndarray(format="bgr24") for f in frames]


def _beep_time(path: Path) -> float:
    """When the sound in ``path`` first gets loud (seconds)."""
    import av

    with av.open(str(path)) as c:
        for frame in c.decode(c.streams.audio[0]):
            loud = np.flatnonzero(np.abs(frame.to_ndarray()[0]) > 0.3)
            if loud.size and frame.time is not None:
                return float(frame.time) + loud[0] / frame.sample_rate
    raise AssertionError(f"{path}: no beep")


@pytest.mark.parametrize("container", ["mp4", "mpegts"])
def test_footage_at_a_varying_frame_rate_keeps_each_frame_time_and_its_sound(
    tmp_path: Path, container: str
) -> None:
    # A phone in a dim room: 2 s at 30 fps, then 2 s at 10 fps, then 30 fps again. One red
    # frame, at 3.0 s, is where the beep is heard.
    times = [i / 30 for i in range(60)] + [2 + i / 10 for i in range(20)] + [4 + i / 30 for i in range(30)]
    red = times.index(3.0)
    rng = np.random.default_rng(3)
    texture = rng.integers(60, 120, (120, 160, 3), dtype=np.uint8)

    def draw(i: int) -> np.ndarray:
        return np.full((120, 160, 3), (0, 0, 230), np.uint8) if i == red else np.roll(texture, i, axis=1)

    # MPEG-TS starts its clock well after zero (1.4 s): the sound must move with the pictures.
    suffix = "ts" if container == "mpegts" else "mp4"
    clip = _write_clip(tmp_path / f"phone.{suffix}", times, draw, beep_at=3.0, container=container)
    out = tmp_path / "out.mp4"
    proc = run_cli("anonymize", str(clip), "-o", str(out), "--keep-audio", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    written, images = _decoded_times(out)
    assert len(written) == len(times)
    # Every frame where it was, within a millisecond (a frame is 33 ms at the fastest).
    assert max(abs(a - b) for a, b in zip(written, times, strict=True)) < 0.001
    shown_red = next(
        t
        for t, image in zip(written, images, strict=True)
        if image[..., 2].mean() > 150 > image[..., 1].mean()
    )
    assert abs(shown_red - 3.0) < 0.001
    assert abs(_beep_time(out) - shown_red) < 1 / 30


def test_a_picture_size_change_midway_is_hidden_at_its_own_size_and_scaled_into_the_output(
    tmp_path: Path, scene: Callable[..., np.ndarray]
) -> None:
    import av

    from installation.leak import leaks

    # Two broadcast recordings joined into one .ts file: 40 frames of a 640x360 hall, then
    # 40 of an 800x600 studio whose clock starts again at zero, as joined recordings' do.
    hall_face, studio_face = Box(300, 120, 100, 100), Box(340, 220, 150, 150)
    hall = scene(("astronaut", hall_face), size=(640, 360))
    studio = scene(("hopper", studio_face), size=(800, 600))
    studio[:40] = (40, 160, 40)  # a green band along the top: the studio's own picture
    clip = tmp_path / "joined.ts"
    with clip.open("wb") as joined:
        for picture in (hall, studio):
            part = tmp_path / "part.ts"
            with av.open(str(part), "w", format="mpegts") as out:
                stream = out.add_stream("libx264", rate=25, options={"preset": "ultrafast"})
                stream.width, stream.height, stream.pix_fmt = picture.shape[1], picture.shape[0], "yuv420p"
                for i in range(40):
                    frame = av.VideoFrame.from_ndarray(np.roll(picture, 2 * i, axis=1), format="bgr24")
                    frame.pts = i
                    for packet in stream.encode(frame):
                        out.mux(packet)
                for packet in stream.encode(None):
                    out.mux(packet)
            joined.write(part.read_bytes())
            part.unlink()
    anonymized = tmp_path / "out.mp4"
    proc = run_cli("anonymize", str(clip), "-o", str(anonymized), "--no-progress", "--strength", "0")
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if "changes size" in line]
    assert len(warnings) == 1 and "frame 40" in warnings[0] and "800x600" in warnings[0], proc.stderr
    times, images = _decoded_times(anonymized)
    assert len(images) == 80 and all(image.shape == (360, 640, 3) for image in images)
    # Each studio frame is scaled to fit 640x360 (0.6 times: 480x360), bars left and right.
    for i in (0, 39):
        face = Box(hall_face.x + 2 * i, hall_face.y, hall_face.w, hall_face.h)
        assert leaks(np.roll(hall, 2 * i, axis=1), images[i], face) is False, i
    for i in (40, 60, 79):
        image = images[i]
        expected = cv2.resize(np.roll(studio, 2 * (i - 40), axis=1), (480, 360), interpolation=cv2.INTER_AREA)
        assert image[:, :72].max() < 30 and image[:, 568:].max() < 30, f"frame {i}: no bars"
        assert image[5:20, 100:540, 1].mean() > 120, f"frame {i}: not the studio's picture"
        # Away from the face the picture is the studio's, moving as it does; the face is hidden.
        assert np.abs(image[250:, 80:560].astype(int) - expected[250:]).mean() < 8, f"frame {i}"
        face = Box(80 + (studio_face.x + 2 * (i - 40)) * 0.6, studio_face.y * 0.6, 90, 90)
        assert leaks(cv2.copyMakeBorder(expected, 0, 0, 80, 80, cv2.BORDER_CONSTANT), image, face) is False, i
    # The second recording's frames follow the first's, 40 ms apart, though its clock began again.
    assert all(0.03 < b - a < 0.05 for a, b in zip(times, times[1:], strict=False))


def _write_tiny(path: Path, side: int, frames: int = 5) -> Path:
    """A lossless clip ``side`` pixels square (FFV1 takes any size, H.264 in 4:2:0 does not)."""
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("ffv1", rate=10)
        stream.width = stream.height = side
        stream.pix_fmt = "bgr0"
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(np.full((side, side, 3), 40 * i, np.uint8), format="bgr24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


@pytest.mark.parametrize("side", [1, 2, 7])
def test_a_picture_too_small_to_hold_a_face_exits_2_with_one_line(tmp_path: Path, side: int) -> None:
    clip = _write_tiny(tmp_path / "tiny.mkv", side)
    proc = run_cli("anonymize", str(clip), "-o", str(tmp_path / "out.mp4"), "--no-progress")
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("installation")]
    assert len(lines) == 1 and f"tiny.mkv: the picture is {side}x{side} pixels" in lines[0], proc.stderr
    assert "at least 8x8" in lines[0]
    assert [p.name for p in tmp_path.iterdir()] == ["tiny.mkv"]


@pytest.mark.parametrize("side", [8, 9])
def test_the_smallest_pictures_are_written_at_their_own_size(tmp_path: Path, side: int) -> None:
    clip = _write_tiny(tmp_path / "tiny.mkv", side)
    out = tmp_path / "out.mp4"
    assert main(["anonymize", str(clip), "-o", str(out), "--no-progress"]) == 0
    _, images = _decoded_times(out)
    assert len(images) == 5 and images[0].shape == (side, side, 3)


@pytest.mark.parametrize("what", ["video", "boxes"])
def test_a_failed_write_names_the_file_asked_for_not_a_temporary_one(tmp_path: Path, what: str) -> None:
    # A disk that fills up: the child may write no file beyond a limit (EFBIG instead of ENOSPC,
    # the same failure to a writer). Noise does not compress: that video outgrows 64 kB at once.
    # A still 16x16 picture makes a small video and, over 1500 frames, a long box file.
    if what == "video":
        rng = np.random.default_rng(5)
        noise = [rng.integers(0, 255, (120, 160, 3), dtype=np.uint8) for _ in range(4)]
        clip = _write_clip(tmp_path / "noise.mp4", [i / 10 for i in range(40)], lambda i: noise[i % 4])
        limit = 64_000
    else:
        clip = _write_clip(
            tmp_path / "still.mp4",
            [i / 30 for i in range(1500)],
            lambda i: np.full((16, 16, 3), 90, np.uint8),
            size=(16, 16),
        )
        limit = 50_000
    out, boxes = tmp_path / "out" / "visit.mp4", tmp_path / "boxes" / "visit.json"
    out.parent.mkdir()
    boxes.parent.mkdir()
    args = ["anonymize", str(clip), "-o", str(out), "--boxes-json", str(boxes), "--no-progress"]
    code = (
        "import resource, sys; from installation.cli import main; "
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit})); sys.exit(main(sys.argv[1:]))"
    )
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("installation")]
    named = out if what == "video" else boxes
    assert len(lines) == 1 and f"{named}: cannot write: file too large" in lines[0], proc.stderr
    assert ".partial" not in proc.stderr
    assert list(out.parent.iterdir()) == [] and list(boxes.parent.iterdir()) == []


def test_sound_that_mp4_cannot_hold_is_refused_before_the_work_with_keep_audio(tmp_path: Path) -> None:
    import av

    # An old camera's AVI: MJPEG pictures, telephone-style mu-law sound.
    clip = tmp_path / "camcorder.avi"
    with av.open(str(clip), "w") as out:
        video = out.add_stream("mjpeg", rate=10)
        video.width, video.height, video.pix_fmt = 64, 48, "yuvj420p"
        sound = out.add_stream("pcm_mulaw", rate=8000, layout="mono")
        for i in range(10):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 20 * i, np.uint8), format="bgr24")
            frame.pts = i
            for packet in video.encode(frame):
                out.mux(packet)
            chunk = av.AudioFrame.from_ndarray(np.zeros((1, 800), np.int16), format="s16", layout="mono")
            chunk.sample_rate, chunk.pts = 8000, 800 * i
            for packet in sound.encode(chunk):
                out.mux(packet)
        for stream in (video, sound):
            for packet in stream.encode(None):
                out.mux(packet)
    proc = run_cli("anonymize", str(clip), "-o", str(tmp_path / "out.mp4"), "--keep-audio", "--no-progress")
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("installation")]
    assert len(lines) == 1 and f"{clip}: --keep-audio: its pcm_mulaw sound cannot go into an MP4" in lines[0]
    assert [p.name for p in tmp_path.iterdir()] == ["camcorder.avi"]


def test_at_a_varying_frame_rate_a_face_is_hidden_a_whole_hold_before_it_is_first_seen(
    tmp_path: Path, scene: Callable[..., np.ndarray]
) -> None:
    # 4 s at 10 fps in the dark, then 30 fps: on average 21 fps. Someone steps in at 6.5 s;
    # with a 2 s hold their face is hidden from 4.5 s on, 60 frames before it is first seen,
    # though at the average rate a hold is only 43 frames.
    times = [i / 10 for i in range(40)] + [4 + i / 30 for i in range(120)]
    empty = scene(size=(320, 240))
    visitor = scene(("astronaut", Box(120, 60, 80, 80)), size=(320, 240))
    clip = _write_clip(
        tmp_path / "phone.mp4", times, lambda i: visitor if times[i] > 6.49 else empty, size=(320, 240)
    )
    out, boxes = tmp_path / "out.mp4", tmp_path / "boxes.json"
    proc = run_cli(
        "anonymize", str(clip), "-o", str(out), "--boxes-json", str(boxes), "--hold", "2", "--no-progress"
    )
    assert proc.returncode == 0, proc.stderr
    frames = json.loads(boxes.read_text())["frames"]
    seen = min(e["time"] for e in frames if any(f["missed"] == 0 and not f["ahead"] for f in e["faces"]))
    assert 6.49 < seen < 6.6
    hidden_from = min(e["time"] for e in frames if e["faces"])
    assert hidden_from <= seen - 2 + 0.02
