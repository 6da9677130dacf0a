"""``installation anonymize DIR -o OUTDIR``: every video of a folder tree, none overwritten, outputs
never read again, complete ones skipped on request, and a broken one reported at the end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path, PurePath

import av
import numpy as np
import pytest

from installation.anonymize_folders import EXIT_FAILED, find_videos, output_names
from installation.outputs.files import temporary_beside

FORMATS = {".mp4": "mp4", ".mov": "mov", ".mkv": "matroska", ".avi": "avi"}


def clip(path: Path, level: int, frames: int = 4, side: int = 32) -> Path:
    """A small grey video at ``path`` (its ending says the container), grain around ``level``: the
    output made from it shows which input it was made from."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(level)
    with av.open(str(path), "w", format=FORMATS[path.suffix.lower()]) as out:
        stream = out.add_stream("mpeg4" if path.suffix.lower() == ".avi" else "libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = side, side, "yuv420p"
        for i in range(frames):
            grain = rng.integers(level - 20, level + 21, (side, side, 3)).astype(np.uint8)
            frame = av.VideoFrame.from_ndarray(grain, format="bgr24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def level_of(path: Path) -> float:
    """The mean grey of a video's frames."""
    with av.open(str(path)) as c:
        return float(np.mean([f.to_ndarray(format="bgr24").mean() for f in c.decode(c.streams.video[0])]))


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "installation", "anonymize", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_videos_are_found_by_ending_without_case_and_hidden_ones_left_alone(tmp_path: Path) -> None:
    for name in ["a.MOV", "b.Mp4", "c.mkv", "notes.txt", "d.mp4.txt", ".e.mp4", "._a.MOV", ".cache/f.mp4"]:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "link.mp4").symlink_to(tmp_path / "c.mkv")  # the same file: read once
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)  # folders are not followed
    assert [str(p) for p in find_videos(tmp_path)] == ["a.MOV", "b.Mp4", "c.mkv"]


def test_output_names_never_clash_even_without_case() -> None:
    videos = [
        PurePath(p)
        for p in [
            "a.mov",
            "a.mp4",
            "A.avi",
            "a.mov.mp4",
            "Visit.mp4",
            "visit.MP4",
            "day1/x.mp4",
            "Day1/x.mp4",
            "Day1/y.mov",
        ]
    ]
    names = output_names(videos)
    assert {str(v): str(names[v]) for v in videos} == {
        # .mp4 inputs keep their names first, in name order
        "a.mp4": "a.mp4",
        "a.mov.mp4": "a.mov.mp4",
        "Visit.mp4": "Visit.mp4",
        "visit.MP4": "visit~2.mp4",
        # the others keep their ending where STEM.mp4 is taken, then count
        "A.avi": "A.avi.mp4",
        "a.mov": "a~2.mp4",
        # folders alike but for case
        "Day1/x.mp4": "Day1/x.mp4",
        "Day1/y.mov": "Day1/y.mp4",
        "day1/x.mp4": "day1~2/x.mp4",
    }
    assert len({str(n).casefold() for n in names.values()}) == len(videos)


def test_equal_names_in_different_folders_and_names_alike_but_for_case_all_get_their_own_output(
    tmp_path: Path,
) -> None:
    source = tmp_path / "clips"
    levels = {
        "day1/visit.mp4": 30,
        "day2/visit.mp4": 60,
        "day2/Visit.mp4": 90,  # one file with day2/visit.mp4 on a USB stick or a Mac
        "Day1/visit.mp4": 120,  # Day1 and day1: one folder there
        "a.mov": 150,
        "a.mp4": 180,
        "b.MOV": 210,
    }
    for name, level in levels.items():
        clip(source / name, level)
    out, boxes = tmp_path / "out", tmp_path / "boxes"
    proc = run_cli(
        str(source), "-o", str(out), "--boxes-json", str(boxes), "--boxes-mot", str(boxes), "--no-progress"
    )
    assert proc.returncode == 0, proc.stderr
    written = {
        "Day1/visit.mp4": "Day1/visit.mp4",
        "a.mov": "a.mov.mp4",
        "a.mp4": "a.mp4",
        "b.MOV": "b.mp4",
        "day1/visit.mp4": "day1~2/visit.mp4",
        "day2/Visit.mp4": "day2/Visit.mp4",
        "day2/visit.mp4": "day2/visit~2.mp4",
    }
    assert files_under(out) == sorted(written.values())
    for name, output in written.items():
        assert abs(level_of(out / output) - levels[name]) < 10, (name, output)
    # The boxes files mirror the same paths, named for their video.
    stems = [output.removesuffix(".mp4") for output in written.values()]
    assert files_under(boxes) == sorted(
        [f"{s}.boxes.json" for s in stems] + [f"{s}.boxes.csv" for s in stems]
    )
    assert json.loads((boxes / "day2" / "visit~2.boxes.json").read_text())["input"] == "visit.mp4"
    assert "anonymize: 7 of 7 videos written" in proc.stderr
    for name, output in written.items():
        if output != str(PurePath(name).with_suffix(".mp4")):
            assert f"{name}: written as {output}" in proc.stderr


def test_an_output_folder_inside_the_input_folder_is_never_read(tmp_path: Path) -> None:
    source = tmp_path / "clips"
    clip(source / "visit.mp4", 40)
    clip(source / "day1" / "hall.mov", 80)
    out = source / "anonymized"
    for _ in range(2):  # the second run finds the first one's outputs inside the folder it reads
        proc = run_cli(str(source), "-o", str(out), "--no-progress")
        assert proc.returncode == 0, proc.stderr
        assert "2 of 2 videos written" in proc.stderr
    assert files_under(out) == ["day1/hall.mp4", "visit.mp4"]
    # Boxes folders inside it are left alone too.
    proc = run_cli(str(source), "-o", str(out), "--boxes-json", str(source / "boxes"), "--no-progress")
    assert proc.returncode == 0, proc.stderr
    proc = run_cli(str(source), "-o", str(out), "--boxes-json", str(source / "boxes"), "--no-progress")
    assert "2 of 2 videos written" in proc.stderr and files_under(source / "boxes") == [
        "day1/hall.boxes.json",
        "visit.boxes.json",
    ]


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_skip_existing_skips_complete_outputs_and_does_again_what_a_cut_short_run_left(
    tmp_path: Path,
) -> None:
    source, out = tmp_path / "clips", tmp_path / "out"
    for name, level in [("a.mp4", 50), ("b.mp4", 100), ("c.mp4", 150)]:
        clip(source / name, level)
    assert run_cli(str(source), "-o", str(out), "--no-progress").returncode == 0
    complete = (out / "a.mp4").stat().st_mtime_ns, (out / "a.mp4").read_bytes()
    # b: a run killed outright while writing it left its temporary file, named as such files are
    # (the process and the machine), and no b.mp4.
    whole = (out / "b.mp4").read_bytes()
    (out / "b.mp4").unlink()
    partial = temporary_beside(out / "b.mp4", ".partial.mp4")
    partial = partial.rename(
        partial.with_name(partial.name.replace(f".pid{os.getpid()}@", f".pid{_dead_pid()}@"))
    )
    partial.write_bytes(whole[: len(whole) // 2])
    # c: cut short under its own name (a copy that stopped): not complete either.
    (out / "c.mp4").write_bytes((out / "c.mp4").read_bytes()[:-200])
    proc = run_cli(str(source), "-o", str(out), "--skip-existing", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    assert f"{out / 'a.mp4'}: already complete, skipped" in proc.stderr
    assert "2 of 3 videos written, 1 skipped (already complete)" in proc.stderr
    assert ((out / "a.mp4").stat().st_mtime_ns, (out / "a.mp4").read_bytes()) == complete
    assert files_under(out) == ["a.mp4", "b.mp4", "c.mp4"]  # the killed run's file removed
    assert abs(level_of(out / "b.mp4") - 100) < 10 and abs(level_of(out / "c.mp4") - 150) < 10


def test_a_broken_video_does_not_stop_the_others_and_the_run_ends_with_a_summary(tmp_path: Path) -> None:
    source, out = tmp_path / "clips", tmp_path / "out"
    clip(source / "a.mp4", 50)
    (source / "b").mkdir()
    (source / "b" / "broken.mov").write_bytes(os.urandom(4000))
    clip(source / "c.mkv", 150)
    # A copy that stopped halfway: it opens, and fails well into the work.
    cut = clip(source / "d.avi", 200, frames=60, side=128)
    cut.write_bytes(cut.read_bytes()[: len(cut.read_bytes()) // 2])
    proc = run_cli(str(source), "-o", str(out))
    assert proc.returncode == EXIT_FAILED, proc.stderr
    assert files_under(out) == ["a.mp4", "c.mp4"]
    summary = proc.stderr[proc.stderr.index("anonymize: 2 of 4 videos written, 2 failed:") :].splitlines()
    assert summary[1].startswith("  b/broken.mov: cannot read video: ")
    assert summary[2].startswith("  d.avi: ") and "cut short" in summary[2]
    assert len(summary) == 3
    # One overall bar over the four videos, and a line for each as it ends.
    assert "4/4 d.avi" in proc.stderr
    assert (
        f"{out / 'a.mp4'}: 4 frames in" in proc.stderr
        and f"{source / 'b' / 'broken.mov'}: failed: " in proc.stderr
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["-o", "{d}/out.mp4"], "{d}/out.mp4: with a folder as input -o must be a folder (made if missing)"),
        (["-o", "{d}/clips/notes.txt"], "-o must be a folder, not a file"),
        (["-o", "{d}/clips"], "{d}/clips: the folder the videos are in"),
        (["-o", "{d}/out", "--boxes-json", "{d}/boxes.json"], "--boxes-json must be a folder"),
        (["-o", "{d}/out", "--from-boxes", "{d}/clips/notes.txt"], "--from-boxes: give one video"),
    ],
)
def test_a_folder_run_that_cannot_be_done_is_refused_before_anything_is_written(
    tmp_path: Path, extra: list[str], message: str
) -> None:
    clip(tmp_path / "clips" / "a.mp4", 50)
    (tmp_path / "clips" / "notes.txt").write_text("not a video")
    proc = run_cli(str(tmp_path / "clips"), *[a.format(d=tmp_path) for a in extra], "--no-progress")
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("installation")]
    assert len(lines) == 1 and message.format(d=tmp_path) in lines[0], proc.stderr
    assert files_under(tmp_path) == ["clips/a.mp4", "clips/notes.txt"]


def test_a_folder_with_no_video_is_refused(tmp_path: Path) -> None:
    (tmp_path / "clips").mkdir()
    (tmp_path / "clips" / "notes.txt").write_text("not a video")
    proc = run_cli(str(tmp_path / "clips"), "-o", str(tmp_path / "out"), "--no-progress")
    assert proc.returncode == 2 and "no video files in it or its subfolders" in proc.stderr
    assert not (tmp_path / "out").exists()
