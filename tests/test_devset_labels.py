"""The development set's labels and split are well formed (runs without the fetched files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from installation.devset.labels import LABELS_FILE, SPLIT_FILE, load_labels, load_split
from installation.errors import ConfigError


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [k for k, _ in pairs]
    duplicates = {k for k in keys if keys.count(k) > 1}
    assert not duplicates, f"duplicate ids {sorted(duplicates)}"
    return dict(pairs)


def test_ids_are_unique() -> None:
    json.loads(LABELS_FILE.read_text(), object_pairs_hook=_no_duplicate_keys)
    labels = load_labels()
    assert not set(labels.photos) & set(labels.videos)


def test_every_photo_and_video_is_in_exactly_one_part_of_the_split() -> None:
    labels, split = load_labels(), load_split()
    items = set(labels.photos) | set(labels.videos)
    assert sorted(split.tune + split.report) == sorted(items)
    assert len(set(split.tune + split.report)) == len(split.tune) + len(split.report)


def test_each_part_has_about_half_the_faces_group_photos_and_a_video_with_faces() -> None:
    labels, split = load_labels(), load_split()
    counts = {}
    for name, part in [("tune", split.tune), ("report", split.report)]:
        photos = [labels.photos[i] for i in part if i in labels.photos]
        videos = [labels.videos[i] for i in part if i in labels.videos]
        counts[name] = sum(len(p.faces) for p in photos)
        assert any(len(p.faces) >= 4 for p in photos), f"{name}: no group photo"
        assert any(f.box.h < 48 for p in photos for f in p.faces), f"{name}: no small face"
        assert any(any(v.frames.values()) for v in videos), f"{name}: no video with faces"
    share = counts["tune"] / (counts["tune"] + counts["report"])
    assert 0.35 <= share <= 0.65, counts


def test_boxes_lie_inside_their_images_and_have_face_proportions() -> None:
    labels = load_labels()
    faces = [(p.id, p.width, p.height, f) for p in labels.photos.values() for f in p.faces]
    for video in labels.videos.values():
        faces += [(video.id, video.width, video.height, f) for fs in video.frames.values() for f in fs]
    assert len(faces) > 100
    for item, width, height, face in faces:
        clipped = face.box.clipped(width, height)
        assert clipped.area >= 0.5 * face.box.area, (item, face.box)
        assert 4 <= face.box.h <= height and 0.5 <= face.box.h / face.box.w <= 2.0, (item, face.box)


def test_every_item_was_checked_by_eye_and_videos_are_labelled_every_kth_frame() -> None:
    labels = load_labels()
    assert all(p.checked for p in labels.photos.values())
    for video in labels.videos.values():
        assert video.checked
        assert sorted(video.frames) == list(range(0, video.frame_count, video.every)), video.id


def test_a_box_outside_the_image_is_rejected(tmp_path: Path) -> None:
    doc = json.loads(LABELS_FILE.read_text())
    photo = doc["photos"]["tracking-faces"]
    photo["faces"][0]["box"] = [photo["width"] - 5, 10, 50, 50]
    bad = tmp_path / "labels.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(ConfigError, match=r"photos\[tracking-faces\]\.faces\[0\]: .* mostly outside"):
        load_labels(bad)


def test_an_id_in_both_parts_is_rejected(tmp_path: Path) -> None:
    doc = json.loads(SPLIT_FILE.read_text())
    doc["report"].append(doc["tune"][0])
    bad = tmp_path / "split.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(ConfigError, match="in both tune and report"):
        load_split(bad)
