"""The per-condition leak report: its measures, and both paths end to end on a rendered clip."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from installation.devset import render
from installation.devset.labels import ROOT_ENV
from installation.devset.render import Plan, render_clip, sample_photos
from installation.devset.report import (
    FaceFrame,
    FrameScore,
    PathRun,
    Scorer,
    collateral,
    format_report,
    longest_leak_run,
    measure,
    report,
    score_video,
    summarise,
)
from installation.errors import UsageError
from installation.geometry import Box
from installation.groundtruth import GroundTruth, TruthFace, load_ground_truth
from installation.outputs import VideoWriter


@pytest.fixture
def room(scene: Callable[..., np.ndarray]) -> np.ndarray:
    return scene(("astronaut", Box(300, 200, 100, 100)), size=(640, 360))


def test_collateral_is_nothing_for_an_untouched_frame_and_everything_for_one_hidden_whole(
    room: np.ndarray,
) -> None:
    face = [Box(300, 200, 100, 100)]
    assert collateral(room, room.copy(), face) == 0.0
    assert collateral(room, room.copy(), face, hidden_all=True) == 1.0


def test_collateral_counts_only_pixels_outside_the_faces(room: np.ndarray) -> None:
    face = Box(300, 200, 100, 100)
    inside = room.copy()
    inside[200:300, 300:400] = 0  # the face itself wiped out: no collateral
    assert collateral(room, inside, [face]) == 0.0
    outside = room.copy()
    outside[:, :160] = 255 - outside[:, :160]  # a quarter of the picture, far from the face, inverted
    share = collateral(room, outside, [face])
    free = 640 * 360 - 160 * 160  # the face box grown 1.6x is left out of the count
    assert share == pytest.approx(160 * 360 / free, abs=0.02)
    # Faint changes (sensor-noise sized) are not damage.
    noisy = np.clip(room.astype(int) + np.random.default_rng(0).integers(-3, 4, room.shape), 0, 255).astype(
        np.uint8
    )
    assert collateral(room, noisy, [face]) < 0.01


def test_worst_run_is_the_longest_consecutive_leak_of_one_face() -> None:
    def rows(track: int, pattern: str, height: float = 40) -> list[FaceFrame]:
        return [
            FaceFrame("c", track, i, height, ch == "x", "normal", "still")
            for i, ch in enumerate(pattern)
            if ch != " "
        ]

    assert longest_leak_run(rows(1, "xx.xxx.x")) == 3
    # A frame without the face breaks the run; two faces leaking at once do not add up.
    assert longest_leak_run(rows(1, "xx xx") + rows(2, ".xx.")) == 2
    # Faces under 24 px are left out.
    assert longest_leak_run(rows(1, "xxxxx", height=20) + rows(2, "x.x")) == 1


def test_leak_rate_per_band_and_condition_on_a_hand_made_run() -> None:
    run = PathRun("live")
    # Clip a (dim, pan): a 30 px face leaking in 2 of 4 frames; clip b (normal, still): 100 px, 1 of 4.
    for i, leaked in enumerate([True, True, False, False]):
        run.faces.append(FaceFrame("a", 1, i, 30, leaked, "dim", "pan"))
        run.frames.append(FrameScore("a", i, 0.1, False, "dim", "pan"))
    for i, leaked in enumerate([False, True, False, False]):
        run.faces.append(FaceFrame("b", 1, i, 100, leaked, "normal", "still", masked=True))
        run.frames.append(FrameScore("b", i, 0.0, i == 3, "normal", "still"))
    run.seconds = {"a": 0.5, "b": 0.1}
    rows = {(r.group, r.value): r for r in summarise(run)}
    total = rows[("total", "all")]
    assert (total.face_frames, total.leaked, total.worst_run) == (8, 3, 2)
    assert total.leak_rate == pytest.approx(3 / 8)
    assert total.collateral == pytest.approx(0.05) and total.hidden_whole == pytest.approx(1 / 8)
    assert total.fps == pytest.approx(8 / 0.6)
    assert rows[("size", "24-48")].leak_rate == pytest.approx(0.5)
    assert rows[("size", "96-192")].leak_rate == pytest.approx(0.25)
    assert ("size", "<24") not in rows
    assert rows[("light", "dim")].leaked == 2 and rows[("motion", "still")].leaked == 1
    assert rows[("light", "normal")].fps == pytest.approx(40.0)
    assert rows[("masked", "yes")].face_frames == 4 and rows[("masked", "no")].leaked == 2
    assert rows[("size", "24-48")].collateral is None  # frame columns only where frames belong to the row
    # The goals' own bands: faces of 48 px and more per light, faces of 24-192 px per light.
    assert rows[("light, >=48 px", "normal")].leaked == 1 and ("light, >=48 px", "dim") not in rows
    assert rows[("light, 24-192 px", "dim")].leak_rate == pytest.approx(0.5)
    assert rows[("light, 24-192 px", "normal")].face_frames == 4


def test_the_report_says_how_many_leaks_are_slivers_of_a_face_at_the_frames_edge(
    tmp_path: Path, scene: Callable[..., np.ndarray]
) -> None:
    """A zoom pushes a large face out over the edge: the report counts its leaked frames whole,
    cut by the edge, and as a sliver (under a quarter of it in the frame), for the size band too."""
    image = scene(("astronaut", Box(300, 100, 200, 200)), size=(640, 360))
    video = tmp_path / "zoom.mp4"
    video.with_suffix(".json").write_text('{"condition": {"motion": "zoom", "light": "normal"}}')
    xs = (300.0, 0.0, -100.0, -170.0, -185.0)  # 100 %, 100 %, 50 %, 15 % and 7.5 % of the box in the frame
    frames = [[TruthFace(1, Box(x, 100, 200, 200), outside=max(0.0, -x / 200))] for x in xs]
    truth = GroundTruth("zoom", 640, 360, 30.0, "full", frames)
    run = PathRun("live")
    scorer = Scorer(run, truth, video)
    for i, x in enumerate(xs):
        # The face (and the room around it) moved so that the box's part in the frame shows the face.
        shifted = np.roll(image, round(x - 300), axis=1)
        scorer(i, shifted, shifted, False)  # nothing hidden: every face-frame leaks
    rows = {(r.group, r.value): r for r in summarise(run)}
    assert rows[("total", "all")].leaked == 5
    assert (rows[("in view", "whole")].leaked, rows[("in view", "cut")].leaked) == (2, 1)
    assert rows[("in view", "sliver")].leaked == 2
    assert rows[(">=192, in view", "sliver")].leaked == 2
    assert (">=192", "in view") not in rows and ("24-48, in view", "sliver") not in rows
    assert "| >=192, in view | sliver | 2 | 2 |" in format_report({"live": run}, "t")


def test_missing_devset_says_what_to_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UsageError, match="make devset.*installation.devset.render --part report"):
        report("report", ["live"], folder=tmp_path / "clips" / "report")
    # Not given a folder, the benchmark films a part itself, from photos that must be fetched first.
    monkeypatch.setenv(ROOT_ENV, str(tmp_path))
    with pytest.raises(UsageError, match="not fetched: run `make devset`"):
        report("report", ["live"])
    with pytest.raises(UsageError, match="no rendered development set"):
        report("mine", ["live"])
    assert not list(tmp_path.rglob("*.mp4"))


@pytest.mark.slow
def test_a_part_not_yet_filmed_is_filmed_then_measured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(ROOT_ENV, str(tmp_path))
    monkeypatch.setattr(render, "SAMPLE_SHOTS", 1)
    monkeypatch.setattr(render, "CLIP_SECONDS", 1.0)
    assert report("sample", ["live"], as_json=True) == 0
    out = json.loads(capsys.readouterr().out)
    clips = sorted(p.name for p in (tmp_path / "clips" / "sample").iterdir())
    assert len(clips) == 2 and clips[0].endswith(".json") and clips[1].endswith(".mp4")
    assert out["clips"] == 1
    total = out["paths"]["live"][0]
    assert total["group"] == "total" and total["face_frames"] > 0
    # Measured again, the clips are read as they are, not filmed anew.
    made = (tmp_path / "clips" / "sample" / clips[1]).stat().st_mtime_ns
    assert report("sample", ["live"], as_json=True) == 0
    assert (tmp_path / "clips" / "sample" / clips[1]).stat().st_mtime_ns == made


@pytest.mark.slow
def test_rendered_clip_through_both_paths(tmp_path: Path) -> None:
    astronaut = sample_photos()[0]
    video = render_clip(
        Plan("astro-still", astronaut, "still", "normal", 120.0, seed=3),
        tmp_path,
        "tune",
        seconds=2.0,
        size=(640, 360),
    )
    runs = measure([video], ("anonymize", "live"))
    for name, run in runs.items():
        rows = {(r.group, r.value): r for r in summarise(run)}
        assert set(rows) == {
            ("total", "all"),
            ("light", "normal"),
            ("light, >=48 px", "normal"),
            ("light, 24-192 px", "normal"),
            ("motion", "still"),
            ("size", "96-192"),
            ("masked", "no"),
            ("in view", "whole"),
        }, name
        total = rows[("total", "all")]
        assert total.face_frames == 60 and len(run.frames) == 60
        # A still, well-lit 120 px face: the installation hides it throughout, and leaves the rest alone.
        assert total.leaked == 0, name
        assert total.collateral is not None and total.collateral < 0.05, name
        assert total.fps is not None and total.fps > 0
    text = format_report(runs, "t")
    assert "### anonymize" in text and "### live" in text and "| size | 96-192 | 60 |" in text


def test_another_tools_output_video_is_scored_against_the_clips_truth(tmp_path: Path) -> None:
    """An output hiding the face in the first half of the clip only leaks in the second half, in one run."""
    astronaut = sample_photos()[0]
    video = render_clip(
        Plan("astro-still", astronaut, "still", "normal", 120.0, seed=3),
        tmp_path,
        "tune",
        seconds=0.5,
        size=(640, 360),
    )
    truth = load_ground_truth(video)
    frames = []
    capture = cv2.VideoCapture(str(video))
    while True:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(image)
    capture.release()
    half = len(frames) // 2
    output = tmp_path / "out" / "astro-still.mp4"
    output.parent.mkdir()
    with VideoWriter(output, fps=30.0, size=(640, 360), crf=20) as writer:
        for index, image in enumerate(frames):
            image = image.copy()
            if index < half:
                for face in truth.faces(index):
                    x0, y0, x1, y1 = face.box.scaled(1.2).pixel_bounds(640, 360)
                    image[y0:y1, x0:x1] = cv2.blur(image[y0:y1, x0:x1], (61, 61))
            writer.write(image)
    run = PathRun("other", hidden_known=False)
    assert score_video(video, output, run) == len(frames) == 15
    total = {(r.group, r.value): r for r in summarise(run)}[("total", "all")]
    assert total.face_frames == len(frames)
    assert total.leaked == len(frames) - half and total.worst_run == len(frames) - half
    assert total.collateral is not None and total.collateral < 0.02  # only the face was touched
    assert total.hidden_whole is None  # a video does not say which frames were hidden whole
    # The untouched clip itself leaks the face in every frame.
    untouched = PathRun("none", hidden_known=False)
    score_video(video, video, untouched)
    assert sum(f.leaked for f in untouched.faces) == len(frames)


@pytest.mark.slow
@pytest.mark.parametrize("motion", ["still", "pan"])
def test_a_dim_flickering_room_hides_a_mid_sized_face_on_both_paths(tmp_path: Path, motion: str) -> None:
    """30 % exposure, sensor noise and a 2 Hz flicker: the gallery's dark room, still and panning.

    A face about 36 px high: BlazeFace full range over the whole frame (the
    room's detector before YuNet) lets half of such frames through here.
    """
    hopper = sample_photos()[1]
    video = render_clip(
        Plan(f"hopper-{motion}-dim", hopper, motion, "dim", 36.0, seed=5), tmp_path, "tune", seconds=2.0
    )
    runs = measure([video], ("anonymize", "live"))
    for name, run in runs.items():
        rows = {(r.group, r.value): r for r in summarise(run)}
        assert ("light", "dim") in rows, name
        total = rows[("total", "all")]
        assert total.face_frames >= 55, name
        assert total.leaked == 0, f"{name}: {total.leaked} of {total.face_frames} face-frames leaked"
        assert total.collateral is not None and total.collateral < 0.03, name


def test_the_development_set_measures_anonymize_as_a_user_runs_it(tmp_path: Path) -> None:
    # The published figures are for `installation anonymize VIDEO -o OUT` as typed: the same
    # detector, small-face tiles, threshold and detection rate.
    import inspect

    from installation.anonymize import anonymize_file
    from installation.cli import build_parser
    from installation.commands.anonymize import _check_args
    from installation.devset.report import DetectorChoice
    from installation.groundtruth import bundled_clips

    clip = bundled_clips()[0]
    args = build_parser().parse_args(["anonymize", str(clip), "-o", str(tmp_path / "out.mp4")])
    _check_args(args)
    measured = {
        name: p.default
        for name, p in inspect.signature(anonymize_file).parameters.items()
        if p.default is not inspect.Parameter.empty
    }
    measured.update(DetectorChoice().anonymize_options(load_ground_truth(clip)))
    for key in ("detector", "small_faces", "threshold", "detect_every", "hold", "mask_scale"):
        assert measured[key] == getattr(args, key), (
            f"{key}: measured {measured[key]!r}, typed {getattr(args, key)!r}"
        )
