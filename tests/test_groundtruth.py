"""Bundled footage and its ground truth: readable, consistent, and honest about each face."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest

from installation.errors import ConfigError, UsageError
from installation.geometry import Box
from installation.groundtruth import (
    RANGES,
    GroundTruth,
    TruthFace,
    bundled_clips,
    load_ground_truth,
    wide_clips,
)
from installation.resources import footage_dir

CLIPS = bundled_clips()
#: Every clip with ground truth: the room cameras' and the wide ones.
ALL_CLIPS = CLIPS + wide_clips()


def clip_id(path: Path) -> str:
    return path.stem


def test_footage_folder_holds_the_demo_clips() -> None:
    names = {p.stem for p in CLIPS}
    assert {"kiosk", "hall", "lobby"} <= names
    assert all(p.parent == footage_dir() for p in CLIPS)


@pytest.mark.parametrize("video", ALL_CLIPS, ids=clip_id)
def test_opencv_reads_what_the_ground_truth_claims(video: Path) -> None:
    truth = load_ground_truth(video)
    cap = cv2.VideoCapture(str(video))
    try:
        assert cap.isOpened()
        assert int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)) == truth.width
        assert int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)) == truth.height
        assert cap.get(cv2.CAP_PROP_FPS) == pytest.approx(truth.fps, abs=0.01)
        assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == truth.frame_count
        ok, first = cap.read()
        assert ok and first.shape == (truth.height, truth.width, 3)
        decoded = 1
        while cap.grab():
            decoded += 1
    finally:
        cap.release()
    assert decoded == truth.frame_count
    assert 10.0 <= truth.duration <= 20.0


@pytest.mark.parametrize("video", ALL_CLIPS, ids=clip_id)
def test_ground_truth_is_well_formed(video: Path) -> None:
    truth = load_ground_truth(video)
    assert truth.clip == video.stem and truth.video == video
    assert truth.range in RANGES
    assert truth.description
    frame = Box(0, 0, truth.width, truth.height)
    for index, faces in enumerate(truth.frames):
        for face in faces:
            inside = face.box.intersection(frame) / face.box.area
            assert inside > 0, f"frame {index} track {face.track_id}: box wholly outside the frame"
            # Rounded to two decimals in the file.
            assert face.outside == pytest.approx(1 - inside, abs=0.011), (
                f"frame {index} track {face.track_id}"
            )
            assert face.partly_outside == (inside < 0.995)
            assert face.occluded < 1.0
    assert set(truth.track_ids()) <= set(truth.notes), "every track is described in 'tracks'"


@pytest.mark.parametrize("video", ALL_CLIPS, ids=clip_id)
def test_tracks_move_smoothly_so_ids_are_consistent(video: Path) -> None:
    truth = load_ground_truth(video)
    for track_id in truth.track_ids():
        frames = truth.track(track_id)
        assert len(frames) >= truth.fps, f"track {track_id} is on screen for under a second"
        for (i, a), (j, b) in zip(frames, frames[1:], strict=False):
            if j != i + 1:
                continue
            step = max(abs(a.box.cx - b.box.cx), abs(a.box.cy - b.box.cy))
            assert step < 0.25 * max(a.box.h, b.box.h), f"track {track_id} jumps between frames {i} and {j}"
            assert b.box.h == pytest.approx(a.box.h, rel=0.1)


def test_a_wide_clip_is_wider_than_a_monitor_shows_and_its_faces_are_room_sized() -> None:
    (gallery,) = wide_clips()
    assert gallery.parent == footage_dir() / "wide"
    truth = load_ground_truth(gallery)
    assert (truth.width, truth.height) == (1920, 1080) and truth.range == "full"
    sizes = [f.size for faces in truth.frames for f in faces]
    assert min(sizes) >= 24 and max(sizes) >= 80
    assert len(truth.track_ids()) >= 4
    # Someone is in the picture on every frame, and several at once most of the time.
    assert all(truth.frames) and sum(len(faces) >= 3 for faces in truth.frames) > truth.frame_count / 2


def test_room_clip_has_small_distant_faces_for_the_full_range_detector() -> None:
    truth = load_ground_truth(footage_dir() / "hall.mp4")
    assert truth.range == "full"
    sizes = [f.size for faces in truth.frames for f in faces]
    small = [s for s in sizes if s <= 40]
    assert len(small) > len(sizes) / 2
    assert min(sizes) >= 20
    # Several small faces on screen at the same time.
    assert max(sum(1 for f in faces if f.size <= 40) for faces in truth.frames) >= 3


def test_kiosk_clip_has_large_close_faces_for_the_short_range_detector() -> None:
    truth = load_ground_truth(footage_dir() / "kiosk.mp4")
    assert truth.range == "short"
    sizes = [f.size for faces in truth.frames for f in faces]
    assert min(sizes) >= 90
    assert max(sizes) >= 200
    assert sum(1 for s in sizes if s >= 100) > 0.9 * len(sizes)


def test_footage_covers_the_hard_cases_briefly() -> None:
    """Covered, turned and edge faces all occur, each in short spells a tracker can bridge."""
    seen = {"occluded": 0, "yaw": 0, "outside": 0, "clear": 0}
    for video in CLIPS:
        truth = load_ground_truth(video)
        for track_id in truth.track_ids():
            run = 0
            for _, face in truth.track(track_id):
                seen["clear"] += face.clear
                seen["outside"] += face.partly_outside
                seen["yaw"] += abs(face.yaw) >= 45
                covered = face.occluded >= 0.3
                seen["occluded"] += covered
                run = run + 1 if covered else 0
                assert run <= 2 * truth.fps, f"{video.name} track {track_id}: covered for over two seconds"
    assert all(count >= 20 for count in seen.values()), seen
    assert seen["clear"] > 5 * seen["occluded"]


def test_loading_by_json_or_video_gives_the_same_truth(tmp_path: Path) -> None:
    by_video = load_ground_truth(footage_dir() / "lobby.mp4")
    by_json = load_ground_truth(footage_dir() / "lobby.json")
    assert by_video == by_json
    assert by_video.faces(by_video.frame_count) == []


def write_truth(tmp_path: Path, doc: object, name: str = "clip.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def minimal(**changes: object) -> dict[str, object]:
    doc: dict[str, object] = {
        "clip": "clip",
        "video": "clip.mp4",
        "width": 640,
        "height": 360,
        "fps": 25,
        "frame_count": 2,
        "range": "full",
        "frames": [[{"track": 1, "box": [10, 20, 30, 30]}], []],
    }
    doc.update(changes)
    return doc


def test_a_minimal_file_loads_with_default_flags(tmp_path: Path) -> None:
    truth = load_ground_truth(write_truth(tmp_path, minimal()))
    assert truth == GroundTruth(
        clip="clip",
        width=640,
        height=360,
        fps=25.0,
        range="full",
        frames=[[TruthFace(1, Box(10, 20, 30, 30))], []],
        video=tmp_path / "clip.mp4",
    )
    assert truth.frames[0][0].clear and truth.track_ids() == [1]


@pytest.mark.parametrize(
    ("doc", "where"),
    [
        (minimal(range="medium"), "range"),
        (minimal(width=0), "width"),
        (minimal(fps="thirty"), "fps"),
        (minimal(frame_count=3), "frames"),
        (minimal(frames=[[{"track": 1, "box": [10, 20, 30]}], []]), "frames[0][0].box"),
        (minimal(frames=[[{"track": 1, "box": [10, 20, -3, 30]}], []]), "frames[0][0].box"),
        (minimal(frames=[[{"track": "a", "box": [10, 20, 30, 30]}], []]), "frames[0][0].track"),
        (minimal(frames=[[], [{"track": 1, "box": [1, 2, 3, 4], "occluded": 1.5}]]), "frames[1][0].occluded"),
        (
            minimal(frames=[[{"track": 1, "box": [1, 2, 3, 4]}, {"track": 1, "box": [9, 2, 3, 4]}], []]),
            "frames[0]",
        ),
        ([1, 2, 3], "top"),
    ],
)
def test_malformed_ground_truth_is_a_one_line_error_naming_the_file(
    tmp_path: Path, doc: object, where: str
) -> None:
    path = write_truth(tmp_path, doc)
    with pytest.raises(ConfigError) as info:
        load_ground_truth(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert where in message


def test_truncated_json_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "hall.json"
    path.write_text('{"clip": "hall", "frames": [[', encoding="utf-8")
    (tmp_path / "hall.mp4").write_bytes(b"")
    with pytest.raises(ConfigError, match=r"hall\.json: not valid JSON") as info:
        load_ground_truth(tmp_path / "hall.mp4")
    assert "\n" not in str(info.value)


def test_missing_ground_truth_is_a_usage_error_naming_both_files(tmp_path: Path) -> None:
    video = tmp_path / "visit.mp4"
    video.write_bytes(b"")
    with pytest.raises(UsageError, match=r"visit\.mp4: no ground truth beside it \(expected .*visit\.json\)"):
        load_ground_truth(video)
    with pytest.raises(UsageError, match=r"gone\.json: no such ground-truth file"):
        load_ground_truth(tmp_path / "gone.json")
