"""The virtual camera: its ground truth follows the faces it films, and its conditions do what they say."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from installation.devset.camera import Photo, PhotoFace, Shot, View, band_name, faces_in_view
from installation.devset.render import SAMPLE_FACES, Plan, render_clip, sample_photos
from installation.geometry import Box
from installation.groundtruth import load_ground_truth

# Two portraits pasted into a textured room: the photo the camera films.
FACES = (("astronaut", Box(260, 180, 110, 110)), ("grace_hopper", Box(820, 260, 150, 150)))
MARKER = (255, 0, 255)


@pytest.fixture
def composite(scene: Callable[..., np.ndarray]) -> Photo:
    image = scene(*FACES, size=(1200, 700))
    return Photo("pair", image, [PhotoFace(box) for _, box in FACES])


def marked(photo: Photo) -> Photo:
    """The photo with a bright filled ellipse drawn over each labelled face."""
    image = photo.image.copy()
    for face in photo.faces:
        b = face.box
        cv2.ellipse(
            image, (round(b.cx), round(b.cy)), (round(b.w / 2), round(b.h / 2)), 0, 0, 360, MARKER, -1
        )
    return Photo(photo.id, image, photo.faces)


def marker_box(image: np.ndarray, near: Box) -> Box | None:
    """The bounding box of marker-coloured pixels around ``near``."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = near.scaled(2.0).pixel_bounds(w, h)
    crop = image[y0:y1, x0:x1].astype(int)
    hit = (crop[..., 0] > 180) & (crop[..., 2] > 180) & (crop[..., 1] < 90)
    ys, xs = np.nonzero(hit)
    if len(xs) == 0:
        return None
    return Box(
        float(x0 + xs.min()),
        float(y0 + ys.min()),
        float(xs.max() - xs.min() + 1),
        float(ys.max() - ys.min() + 1),
    )


@pytest.mark.parametrize("motion", ["pan", "zoom", "roll", "shake"])
def test_truth_box_lands_on_the_filmed_face(composite: Photo, motion: str) -> None:
    shot = Shot(marked(composite), motion=motion, face_px=90, seconds=2.0, size=(960, 540), seed=5, target=1)
    checked = 0
    for index in (0, 13, 27, 41, 59):
        frame = shot.render(index)
        for face in frame.faces:
            if face.outside > 0:
                continue
            seen = marker_box(frame.image, face.box)
            assert seen is not None, f"frame {index}: face {face.track} not where the truth says"
            assert seen.iou(face.box) > 0.9, (index, face.track, seen, face.box)
            checked += 1
    assert checked >= 5


def test_zoom_and_roll_change_the_face_they_follow(composite: Photo) -> None:
    zoom = Shot(composite, motion="zoom", face_px=80, seconds=2.0, size=(640, 360), seed=2, target=0)
    heights = [zoom.render(i).faces[0].box.h for i in range(0, 60, 5)]
    assert max(heights) / min(heights) > 1.4
    roll = Shot(composite, motion="roll", face_px=80, seconds=2.0, size=(640, 360), seed=2, target=0)
    rolls = [abs(roll.render(i).view.roll) for i in range(60)]
    assert 8.0 <= max(rolls) <= 10.0


def test_face_size_follows_the_zoom_level(composite: Photo) -> None:
    for px in (18, 36, 70, 140, 250):
        frame = Shot(
            composite, motion="still", face_px=px, seconds=1.0, size=(1280, 720), seed=1, target=1
        ).render(0)
        target = next(f for f in frame.faces if f.track == 2)
        assert target.box.h == pytest.approx(px, rel=0.01)
        assert band_name(target.box.h) == band_name(px)


def test_faces_outside_the_view_are_dropped_and_half_out_counted() -> None:
    photo = Photo(
        "p",
        np.zeros((400, 400, 3), np.uint8),
        [PhotoFace(Box(100, 100, 40, 40)), PhotoFace(Box(300, 300, 40, 40))],
    )
    # A 200x100 frame at scale 1 centred on photo (220, 120): the first face lands at x -20..20,
    # y 30..70 (half beyond the left edge), the second at y 230..270 (below the frame).
    faces = faces_in_view(photo, View(220, 120, 1.0).matrix((200, 100)), (200, 100))
    assert [f.track for f in faces] == [1]
    assert faces[0].outside == pytest.approx(0.5)


def test_seeded_frames_repeat_bit_for_bit(composite: Photo) -> None:
    def frames(seed: int) -> list[np.ndarray]:
        shot = Shot(
            composite, motion="shake", light="dim", face_px=60, seconds=1.0, size=(320, 180), seed=seed
        )
        return [f.image for f in shot.frames()]

    first, again, other = frames(7), frames(7), frames(8)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other, strict=True))
    # A frame rendered on its own is the same frame.
    alone = Shot(
        composite, motion="shake", light="dim", face_px=60, seconds=1.0, size=(320, 180), seed=7
    ).render(17)
    assert np.array_equal(alone.image, first[17])


def test_dim_is_darker_and_noisier(composite: Photo) -> None:
    def frame(light: str) -> np.ndarray:
        return (
            Shot(composite, motion="still", light=light, face_px=100, seconds=1.0, size=(640, 360), seed=3)
            .render(4)
            .image
        )

    normal, dim = frame("normal"), frame("dim")
    assert dim.mean() < 0.75 * normal.mean()

    def grain(light: str) -> float:
        # Zoomed out, the frame's corner is the plain wall around the photo: only noise varies there.
        image = (
            Shot(composite, motion="still", light=light, face_px=30, seconds=1.0, size=(640, 360), seed=3)
            .render(4)
            .image
        )
        corner = cv2.cvtColor(image[:60, :60], cv2.COLOR_BGR2GRAY).astype(np.float32)
        return float(corner.std())

    assert grain("normal") < 1.0
    assert grain("dim") > 4.0
    flicker = [
        Shot(composite, motion="still", light="dim", face_px=100, seconds=1.0, size=(320, 180), seed=3)
        .render(i)
        .image.mean()
        for i in range(0, 16)
    ]
    assert max(flicker) - min(flicker) > 1.0


def test_compressed_frames_lose_fine_detail(composite: Photo) -> None:
    def frame(light: str) -> np.ndarray:
        return (
            Shot(composite, motion="still", light=light, face_px=100, seconds=1.0, size=(640, 360), seed=3)
            .render(0)
            .image
        )

    normal, compressed = frame("normal"), frame("compressed")
    assert 0 < np.abs(normal.astype(int) - compressed.astype(int)).mean() < 12


def test_whip_pan_smears_the_picture(composite: Photo) -> None:
    shot = Shot(composite, motion="whip", face_px=90, seconds=3.0, size=(640, 360), seed=4, target=1)

    def sharpness(image: np.ndarray) -> float:
        return float(cv2.Laplacian(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.CV_32F).var())

    still = shot.render(10)
    # The whip out starts at 1 s and lasts 0.3 s: frame 34 is at its fastest.
    moving = shot.render(34)
    speed = np.hypot(moving.view.cx - shot.render(33).view.cx, moving.view.cy - shot.render(33).view.cy)
    assert speed * moving.view.scale * 30 > 1500  # frame pixels a second
    assert sharpness(moving.image) < 0.4 * sharpness(still.image)


def test_sample_labels_sit_on_the_portraits_faces() -> None:
    # The hand-drawn boxes, checked against the face boxes the detector tests use (which run
    # from above the brow): the same faces, brow to chin inside them.
    from tests.conftest import ASTRONAUT_FACE, HOPPER_FACE

    for name, known in (("astronaut", ASTRONAUT_FACE), ("grace_hopper", HOPPER_FACE)):
        box = SAMPLE_FACES[name]
        assert box.intersection(known) / box.area > 0.85, name
    assert [p.id for p in sample_photos()] == ["astronaut", "grace_hopper"]


def test_rendered_clip_loads_as_ground_truth(tmp_path: Path) -> None:
    photo = sample_photos()[0]
    item = Plan("astro-pan", photo, "pan", "compressed", 60.0, seed=11)
    video = render_clip(item, tmp_path, "tune", seconds=1.0, size=(320, 180))
    truth = load_ground_truth(video)
    assert truth.frame_count == 30 and (truth.width, truth.height) == (320, 180)
    assert all(len(faces) == 1 for faces in truth.frames)
    assert truth.frames[0][0].box.h == pytest.approx(60, abs=0.2)
    doc = json.loads(video.with_suffix(".json").read_text())
    assert doc["part"] == "tune"
    assert doc["condition"]["motion"] == "pan" and doc["condition"]["compression"].startswith("jpeg")
    cap = cv2.VideoCapture(str(video))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 30
    # The same plan renders the same file.
    (tmp_path / "again").mkdir()
    again = render_clip(item, tmp_path / "again", "tune", seconds=1.0, size=(320, 180))
    assert again.read_bytes() == video.read_bytes()
    assert again.with_suffix(".json").read_text() == video.with_suffix(".json").read_text()


def test_small_faces_stay_on_their_truth_when_the_photo_is_shrunk_a_lot(composite: Photo) -> None:
    # At a fifth of its size the photo is first halved twice (area averaging): the face must not
    # drift from its box by that.
    frame = Shot(
        marked(composite), motion="still", face_px=30, seconds=1.0, size=(640, 360), seed=9, target=1
    ).render(0)
    for face in frame.faces:
        seen = marker_box(frame.image, face.box)
        assert seen is not None
        assert abs(seen.cx - face.box.cx) < 0.75 and abs(seen.cy - face.box.cy) < 0.75, (seen, face.box)


def test_another_seed_films_the_same_photos_under_other_conditions_in_its_own_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from installation.devset.render import clips_dir, main, plan

    photos = [
        Photo(f"p{i}", np.zeros((40, 40, 3), np.uint8), [PhotoFace(Box(5, 5, 20, 20))]) for i in range(6)
    ]
    first, second = plan(photos, "tune", shots=12), plan(photos, "tune", shots=12, seed=1)
    # The same photos, each met by other motions, lights and sizes.
    assert {p.photo.id for p in first} == {p.photo.id for p in second}
    pairs = {(p.photo.id, p.motion, p.light) for p in first}
    assert pairs != {(p.photo.id, p.motion, p.light) for p in second}
    assert [p.name for p in first] != [p.name for p in second]
    # Seed 0 is the part itself; other seeds never write over it.
    assert clips_dir("tune", tmp_path) != clips_dir("tune", tmp_path, seed=1)
    # The report part is measured as planned: no other draws of it.
    assert main(["--part", "report", "--seed", "1"]) == 2
    assert "--seed: only for --part tune" in capsys.readouterr().err
