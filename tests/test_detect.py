"""Face detection: real faces found where they are, nothing where there is none."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import cv2
import matplotlib.cbook
import numpy as np
import pytest
import skimage.data

import installation.detect.yunet as yunet_module
from installation.detect import (
    DEFAULT_THRESHOLD,
    DETECTORS,
    MIN_SCORE,
    MODEL_FILES,
    YUNET_FILE,
    BlazeFaceDetector,
    CombinedDetector,
    FaceDetector,
    GraphFullRange,
    TiledDetector,
    YuNetDetector,
    create_detector,
    model_dir,
    resolve_model,
    tile_grid,
)
from installation.detect.nms import suppress
from installation.errors import ConfigError, ModelError
from installation.frames import Detection
from installation.geometry import Box

# Face boxes (x, y, w, h) found by eye on each portrait: brow line to chin, cheek to cheek.
ASTRONAUT_FACE = Box(180, 80, 90, 98)
HOPPER_FACE = Box(170, 140, 190, 192)
ROOM = (1280, 720)
# The one thing in the garage photograph YuNet takes for a face (by eye: the round headlamp).
GARAGE_HEADLAMP = Box(516, 145, 45, 44)


def astronaut() -> np.ndarray:
    return cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)


def hopper() -> np.ndarray:
    image = cv2.imread(str(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    assert image is not None
    return image


def garage() -> np.ndarray:
    """A face-free indoor scene: scikit-image's garage photograph, 741x500."""
    return cv2.cvtColor(skimage.data.stereo_motorcycle()[0], cv2.COLOR_RGB2BGR)


def room_with_face(
    photo: np.ndarray, face: Box, centre: tuple[int, int], height: float
) -> tuple[np.ndarray, Box]:
    """The garage at 1280x720 with the head and shoulders of ``photo`` blended in, face ``height`` px high."""
    frame = cv2.resize(garage()[40:457], ROOM, interpolation=cv2.INTER_LINEAR)
    k = height / face.h
    x0, y0 = int(face.x - 0.7 * face.w), max(0, int(face.y - 0.6 * face.h))
    crop = photo[y0 : int(face.y + 2.0 * face.h), x0 : int(face.x + 1.7 * face.w)]
    patch = cv2.resize(crop, None, fx=k, fy=k, interpolation=cv2.INTER_AREA).astype(np.float32)
    ph, pw = patch.shape[:2]
    left = round(centre[0] - (face.x - x0 + face.w / 2) * k)
    top = round(centre[1] - (face.y - y0 + face.h / 2) * k)
    yy, xx = np.mgrid[0:ph, 0:pw]
    oval = ((xx - pw / 2) / (pw / 2)) ** 2 + ((yy - ph / 2) / (ph / 2)) ** 2
    alpha = np.clip((1.0 - oval) / 0.3, 0.0, 1.0)[..., None]
    region = frame[top : top + ph, left : left + pw].astype(np.float32)
    frame[top : top + ph, left : left + pw] = (alpha * patch + (1 - alpha) * region).astype(np.uint8)
    return frame, Box(left + (face.x - x0) * k, top + (face.y - y0) * k, face.w * k, face.h * k)


def best_iou(found: list[Detection], truth: Box) -> float:
    return max((d.box.iou(truth) for d in found), default=0.0)


@pytest.fixture(scope="module")
def short() -> Iterator[BlazeFaceDetector]:
    with create_detector("short") as detector:
        yield detector


@pytest.fixture(scope="module")
def full() -> Iterator[BlazeFaceDetector]:
    with create_detector("full") as detector:
        yield detector


@pytest.fixture(scope="module")
def tiled() -> Iterator[BlazeFaceDetector]:
    with create_detector("full", small_faces=True) as detector:
        yield detector


@pytest.fixture(scope="module")
def yunet() -> Iterator[YuNetDetector]:
    with create_detector("yunet") as detector:
        yield detector


@pytest.fixture(scope="module")
def combined() -> Iterator[CombinedDetector]:
    with create_detector("yunet+blazeface-full") as detector:
        yield detector


@pytest.fixture(params=["short", "full", "yunet", "combined"])
def detector(request: pytest.FixtureRequest) -> BlazeFaceDetector:
    found: BlazeFaceDetector = request.getfixturevalue(request.param)
    found.threshold = DEFAULT_THRESHOLD
    return found


@pytest.mark.parametrize(("photo", "face"), [(astronaut, ASTRONAUT_FACE), (hopper, HOPPER_FACE)])
def test_finds_the_face_in_a_portrait(detector: BlazeFaceDetector, photo, face: Box) -> None:  # type: ignore[no-untyped-def]
    found = detector.detect(photo())
    assert len(found) == 1
    assert found[0].box.iou(face) >= 0.5
    assert 0.5 <= found[0].score <= 1.0


def _dim(image: np.ndarray) -> np.ndarray:
    """A dim, noisy room: a third of the light, sensor noise of 10 grey levels (seeded)."""
    noise = np.random.default_rng(1).normal(0.0, 10.0, image.shape)
    return np.clip(image.astype(np.float64) * 0.3 + noise, 0, 255).astype(np.uint8)


@pytest.mark.parametrize(("photo", "face"), [(astronaut, ASTRONAUT_FACE), (hopper, HOPPER_FACE)])
@pytest.mark.parametrize("side", ["left", "right"])
def test_a_face_cut_by_the_frames_side_in_a_dim_room_is_found_surely(  # type: ignore[no-untyped-def]
    photo, face: Box, side: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only 30 % of the face's width is still in the frame, in dim, noisy light.
    image = _dim(photo())
    keep = round(0.3 * face.w)
    x0 = round(face.x + face.w) - keep if side == "left" else 0
    frame = np.ascontiguousarray(image[:, x0:] if side == "left" else image[:, : round(face.x) + keep])
    visible = Box(0.0, face.y, keep, face.h) if side == "left" else Box(face.x, face.y, keep, face.h)

    def best(found: list[Detection]) -> float:
        return max((d.score for d in found if d.box.iou(visible) >= 0.3), default=0.0)

    with create_detector("yunet") as detector:
        mirrored = best(detector.detect(frame))
    # The half-size pass sees the frame's sides mirrored: the cut face made whole, found nearly as
    # surely as a whole face (0.8 to 0.9 here).
    assert mirrored >= 0.75
    monkeypatch.setattr(yunet_module, "EDGE_MIRROR", 0.0)
    with create_detector("yunet") as detector:
        plain = best(detector.detect(frame))
    # Without the mirror the cut face scores as look-alikes do (0.3 to 0.6 here): lost at any
    # raised threshold, and from frame to frame.
    assert mirrored - plain >= 0.2


def test_a_face_near_the_side_is_not_found_twice_in_the_mirror() -> None:
    image = astronaut()
    # The face's right cheek 12 px from the frame's right edge: its mirror image lies just outside.
    frame = np.ascontiguousarray(image[:, : round(ASTRONAUT_FACE.x + ASTRONAUT_FACE.w) + 12])
    with create_detector("yunet-half") as detector:
        found = detector.detect(frame)
    assert len(found) == 1 and found[0].box.iou(ASTRONAUT_FACE) >= 0.5


def test_is_a_face_detector(detector: BlazeFaceDetector) -> None:
    assert isinstance(detector, FaceDetector)


@pytest.mark.parametrize(
    "scene", [skimage.data.coffee, lambda: skimage.data.stereo_motorcycle()[0]], ids=["coffee", "garage"]
)
def test_reports_nothing_where_there_is_no_face(  # type: ignore[no-untyped-def]
    detector: BlazeFaceDetector, scene, request: pytest.FixtureRequest
) -> None:
    image = cv2.cvtColor(scene(), cv2.COLOR_RGB2BGR)
    # At the default threshold a weak look-alike is hidden now and then (a cup's rim, a tyre):
    # hiding a patch of a scene is the cost of not showing a face. None scores like a face.
    assert all(d.score < 0.8 for d in detector.detect(image))
    # A confident threshold reports none of them.
    detector.threshold = 0.5
    found = detector.detect(image)
    if "garage" in request.node.name and request.node.callspec.params["detector"] in ("yunet", "combined"):
        # YuNet takes the motorcycle's round headlamp for a face, more weakly than any real one.
        assert [d.box.iou(GARAGE_HEADLAMP) >= 0.5 and d.score < 0.8 for d in found] == [True]
    else:
        assert found == []


def test_nothing_on_a_blank_or_noisy_frame(detector: BlazeFaceDetector) -> None:
    blank = np.full((720, 1280, 3), 128, np.uint8)
    noise = np.random.default_rng(7).integers(0, 256, (720, 1280, 3), dtype=np.uint8)
    assert detector.detect(blank) == [] and detector.detect(noise) == []


def test_boxes_are_in_the_frames_pixels_whatever_its_size(detector: BlazeFaceDetector) -> None:
    photo = hopper()
    big = cv2.resize(photo, None, fx=2.5, fy=2.5, interpolation=cv2.INTER_LINEAR)
    found = detector.detect(big)
    face = HOPPER_FACE
    assert best_iou(found, Box(face.x * 2.5, face.y * 2.5, face.w * 2.5, face.h * 2.5)) >= 0.5


@pytest.mark.parametrize("centre", [(120, 170), (700, 140)])
def test_a_24_pixel_face_in_a_room_is_found_only_with_small_faces(
    full: BlazeFaceDetector, tiled: BlazeFaceDetector, centre: tuple[int, int]
) -> None:
    full.threshold = tiled.threshold = 0.5
    frame, face = room_with_face(astronaut(), ASTRONAUT_FACE, centre, 24)
    assert round(face.h) == 24 and frame.shape == (720, 1280, 3)
    assert best_iou(tiled.detect(frame), face) >= 0.4
    # The whole-frame pass sees this face at about 4 pixels: too small for the model.
    assert best_iou(full.detect(frame), face) < 0.4


def test_small_faces_keeps_finding_large_faces(tiled: BlazeFaceDetector) -> None:
    tiled.threshold = 0.5
    frame, face = room_with_face(hopper(), HOPPER_FACE, (640, 360), 220)
    found = tiled.detect(frame)
    assert best_iou(found, face) >= 0.5
    # Tiles cut this face into pieces; what is left after merging is one box on it.
    assert sum(1 for d in found if d.box.intersection(face) > 0) == 1


def test_rotating_tiles_cover_the_frame_and_remember_what_they_found(tiled: BlazeFaceDetector) -> None:
    assert isinstance(tiled, TiledDetector)
    tiled.threshold = 0.5
    frame, face = room_with_face(hopper(), HOPPER_FACE, (1100, 560), 24)
    tiles = tiled.tiles(*ROOM)
    covered = np.zeros((720, 1280), bool)
    for t in tiles:
        x0, y0, x1, y1 = t.pixel_bounds(*ROOM)
        covered[y0:y1, x0:x1] = True
    assert covered.all()

    sweep = tiled.sweep_length(*ROOM)
    assert sweep == -(-len(tiles) // tiled.tiles_per_step)
    seen = [best_iou(tiled.detect_step(frame), face) >= 0.4 for _ in range(2 * sweep)]
    first = seen.index(True)
    assert first < sweep
    assert all(seen[first:])


def test_lanes_run_regions_side_by_side_with_the_same_findings() -> None:
    # Two images, one with a large face run whole, one with a 24 px face cut
    # into regions, dealt out over three lanes: every region's findings come
    # back in its own place, as with one lane.
    near, large = room_with_face(hopper(), HOPPER_FACE, (300, 360), 200)
    far, small = room_with_face(astronaut(), ASTRONAUT_FACE, (1000, 200), 24)
    regions = [Box(x, y, 288, 288) for x in (0, 330, 660, 992) for y in (0, 216, 432)]
    near_rgb = cv2.resize(cv2.cvtColor(near, cv2.COLOR_BGR2RGB), (320, 180), interpolation=cv2.INTER_AREA)
    jobs = [(near_rgb, None), (cv2.cvtColor(far, cv2.COLOR_BGR2RGB), regions)]
    model = resolve_model("full")
    one, three = GraphFullRange(model, min_score=0.5, lanes=1), GraphFullRange(model, min_score=0.5, lanes=3)
    try:
        expected, got = one.run_many(jobs), three.run_many(jobs)
    finally:
        one.close()
        three.close()
    assert three.lanes == 3
    assert [len(r) for r in got] == [1, len(regions)]
    assert got == expected
    found = [raw for job in got[1:] for raws in job for raw in raws]
    assert any(Box(*raw[:4]).iou(small) >= 0.4 for raw in found)
    # The whole-frame job (a quarter-size image) finds the large face.
    assert any(Box(*(4 * v for v in raw[:4])).iou(large) >= 0.5 for raw in got[0][0])


def test_threshold_can_be_moved_live(detector: BlazeFaceDetector) -> None:
    # Two real faces of different sizes, both large enough for the short-range model.
    pair = np.hstack([astronaut()[0:300, 75:375], hopper()[90:390, 115:415]])
    # The threshold is on YuNet's scale; BlazeFace compares its own scores with it plus its offset.
    offset = getattr(detector, "SCORE_OFFSET", None)
    if offset is None:
        # A combination hands the threshold to each member, which applies its own offset.
        detector.threshold = 0.99
        assert detector.detect(pair) == []
        detector.threshold = DEFAULT_THRESHOLD
        assert len(detector.detect(pair)) == 2
        return
    assert offset == (0.0 if isinstance(detector, YuNetDetector) else 0.3)
    detector.threshold = MIN_SCORE
    assert detector.own_threshold == pytest.approx(MIN_SCORE + offset)
    everything = detector.detect(pair)
    scores = sorted(d.score for d in everything)
    assert len(scores) >= 2
    # ... and reports its scores on that scale too: each at least the threshold set.
    assert scores[0] >= MIN_SCORE
    assert scores[-1] <= 1.0 - offset
    detector.threshold = (scores[0] + scores[-1]) / 2
    some = detector.detect(pair)
    assert 0 < len(some) < len(everything)
    assert all(d.score >= detector.threshold for d in some)
    detector.threshold = min(1.0, scores[-1] + 0.01)
    assert detector.detect(pair) == []
    detector.threshold = DEFAULT_THRESHOLD
    assert len(detector.detect(pair)) == 2
    with pytest.raises(ConfigError, match="threshold 1.5"):
        detector.threshold = 1.5
    assert detector.threshold == DEFAULT_THRESHOLD


def test_overlapping_boxes_are_merged(short: BlazeFaceDetector, monkeypatch: pytest.MonkeyPatch) -> None:
    # Without its offset the model reports its weakest candidates too: many overlap.
    monkeypatch.setattr(short, "SCORE_OFFSET", 0.0)
    short.threshold = MIN_SCORE
    try:
        found = short.detect(astronaut())
    finally:
        short.threshold = DEFAULT_THRESHOLD
    assert len(found) >= 2
    for i, a in enumerate(found):
        for b in found[i + 1 :]:
            assert a.box.iou(b.box) < 0.3
    assert [d.score for d in found] == sorted((d.score for d in found), reverse=True)


@pytest.mark.parametrize("cut", ["left", "top"])
def test_boxes_are_clipped_to_the_frame(detector: BlazeFaceDetector, cut: str) -> None:
    # The portrait cut through the face, so the face runs off the frame's edge.
    photo = hopper()[:, 250:] if cut == "left" else hopper()[200:, :]
    photo = np.ascontiguousarray(photo)
    found = detector.detect(photo)
    assert found, "half a face is still a face"
    height, width = photo.shape[:2]
    for d in found:
        assert 0 <= d.box.x and 0 <= d.box.y
        assert d.box.x + d.box.w <= width and d.box.y + d.box.h <= height
    assert min(d.box.x if cut == "left" else d.box.y for d in found) == 0


@pytest.mark.parametrize("range_", ["short", "full"])
def test_input_scale_maps_boxes_back_to_the_full_frame(range_: str, request: pytest.FixtureRequest) -> None:
    unscaled: BlazeFaceDetector = request.getfixturevalue(range_)
    unscaled.threshold = 0.5
    frame, _ = room_with_face(hopper(), HOPPER_FACE, (500, 330), 260)
    reference = unscaled.detect(frame)
    assert len(reference) == 1
    with create_detector(range_, input_scale=0.5) as scaled:
        found = scaled.detect(frame)
    assert len(found) == 1
    assert found[0].box.iou(reference[0].box) >= 0.8


def test_input_scale_applies_to_tiles_too() -> None:
    with create_detector("full", small_faces=True, input_scale=0.5) as detector:
        assert isinstance(detector, TiledDetector)
        tiles = detector.tiles(*ROOM)
        # Tiles of the half-size frame stand for twice as many frame pixels each.
        assert len(tiles) < len(tile_grid(1280, 720, 288, 48))
        frame, face = room_with_face(astronaut(), ASTRONAUT_FACE, (640, 300), 48)
        assert best_iou(detector.detect(frame), face) >= 0.4


@pytest.mark.parametrize("range_", ["short", "full"])
def test_a_missing_model_file_is_named(range_: str, tmp_path: Path) -> None:
    missing = tmp_path / "models" / "face.tflite"
    with pytest.raises(ModelError, match=str(missing)):
        create_detector(range_, model_path=missing)


@pytest.mark.parametrize("range_", ["short", "full"])
def test_the_model_path_override_is_the_file_loaded(range_: str, tmp_path: Path) -> None:
    name = MODEL_FILES[range_]
    copy = tmp_path / "copy.tflite"
    shutil.copyfile(model_dir() / name, copy)
    with create_detector(range_, model_path=copy) as detector:
        assert best_iou(detector.detect(hopper()), HOPPER_FACE) >= 0.5
    # A broken file at the same place must fail, so the override really is what gets read.
    copy.write_bytes(b"not a model" * 100)
    with pytest.raises(ModelError, match=str(copy)):
        create_detector(range_, model_path=copy)


def test_the_wrong_model_for_the_range_is_refused() -> None:
    short_model = model_dir() / "face_detection_short_range.tflite"
    with pytest.raises(ModelError, match="full-range"):
        create_detector("full", model_path=short_model)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"spec": "far"}, "unknown name 'far'"),
        ({"threshold": -0.1}, "threshold -0.1"),
        ({"input_scale": 0.0}, "input_scale 0.0"),
        ({"input_scale": 2.0}, "input_scale 2.0"),
    ],
)
def test_bad_settings_are_config_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        create_detector(**kwargs)


def test_a_frame_that_is_not_bgr_uint8_is_refused(short: BlazeFaceDetector) -> None:
    with pytest.raises(ValueError, match="BGR uint8"):
        short.detect(np.zeros((720, 1280), np.uint8))
    with pytest.raises(ValueError, match="BGR uint8"):
        short.detect(np.zeros((720, 1280, 3), np.float32))


def test_tile_grid_overlaps_by_at_least_the_overlap() -> None:
    tiles = tile_grid(1280, 720, 288, 48)
    xs = sorted({t.x for t in tiles})
    ys = sorted({t.y for t in tiles})
    assert xs[0] == 0 and xs[-1] + 288 == 1280 and ys[0] == 0 and ys[-1] + 288 == 720
    assert all(b - a <= 288 - 48 for a, b in zip(xs, xs[1:], strict=False))
    assert all(b - a <= 288 - 48 for a, b in zip(ys, ys[1:], strict=False))
    with pytest.raises(ConfigError, match="overlap 300"):
        tile_grid(1280, 720, 288, 300)


def test_a_step_without_the_whole_frame_pass_reports_what_it_last_found(tiled: BlazeFaceDetector) -> None:
    assert isinstance(tiled, TiledDetector)
    tiled.threshold = 0.5
    frame, face = room_with_face(hopper(), HOPPER_FACE, (640, 360), 220)
    assert best_iou(tiled.detect_step(frame, 0), face) >= 0.5
    empty = np.zeros_like(frame)
    assert best_iou(tiled.detect_step(empty, 0, whole_frame=False), face) >= 0.5
    assert best_iou(tiled.detect_step(empty, 0), face) == 0.0


def test_a_focus_tile_finds_a_small_face_without_waiting_for_the_rotation(tiled: BlazeFaceDetector) -> None:
    assert isinstance(tiled, TiledDetector)
    tiled.threshold = DEFAULT_THRESHOLD
    frame, face = room_with_face(astronaut(), ASTRONAUT_FACE, (1000, 150), 24)
    blank = cv2.resize(garage()[40:457], ROOM, interpolation=cv2.INTER_LINEAR)
    tiled.detect(blank)  # every tile has looked and found no face there
    assert best_iou(tiled.detect_step(frame, 0), face) < 0.4
    # Where a tracker last saw it, slightly off: the focus tile still holds the face.
    hint = Box(face.x + 10, face.y - 8, face.w, face.h)
    assert best_iou(tiled.detect_step(frame, 0, focus=[hint]), face) >= 0.4
    # Focus findings are fresh only: they are not remembered for the next call.
    assert best_iou(tiled.detect_step(frame, 0), face) < 0.4


# -- the detector chosen by string, and YuNet's weights ------------------------------------


@pytest.mark.parametrize(
    ("spec", "kinds"),
    [
        ("yunet", [(YuNetDetector, (1.0, 0.5))]),
        ("yunet-full", [(YuNetDetector, (1.0,))]),
        ("yunet-half", [(YuNetDetector, (0.5,))]),
        ("blazeface-short", [(BlazeFaceDetector, (128, 128))]),
        ("full", [(BlazeFaceDetector, (192, 192))]),
        ("yunet-half + blazeface-full", [(YuNetDetector, (0.5,)), (BlazeFaceDetector, (192, 192))]),
    ],
)
def test_each_detector_name_gives_its_kind(spec: str, kinds: list) -> None:  # type: ignore[type-arg]
    with create_detector(spec, threshold=0.7) as made:
        members = made.members if isinstance(made, CombinedDetector) else [made]
        assert isinstance(made, CombinedDetector) == (len(kinds) > 1)
        for member, (kind, shape) in zip(members, kinds, strict=True):
            assert type(member) is kind and member.threshold == 0.7
            if kind is YuNetDetector:
                assert member.scales == shape
            else:
                assert [w.size for w in member.describe_input(640, 480).windows] == [shape]


def test_an_unknown_detector_name_lists_the_valid_ones() -> None:
    with pytest.raises(ConfigError) as info:
        create_detector("yunet+mtcnn")
    assert "unknown name 'mtcnn'" in str(info.value)
    assert all(name in str(info.value) for name in DETECTORS)
    with pytest.raises(ConfigError, match="named twice"):
        create_detector("full+blazeface-full")


def test_yunet_boxes_follow_the_projects_face_box_convention(yunet: YuNetDetector) -> None:
    # Brow to chin, cheek to cheek: YuNet's own box reaches up the forehead and is narrower.
    yunet.threshold = 0.5
    for photo, face in ((astronaut(), ASTRONAUT_FACE), (hopper(), HOPPER_FACE)):
        (found,) = yunet.detect(photo)
        assert found.box.iou(face) >= 0.85


def found_with_look_alike(
    yunet: YuNetDetector,
    monkeypatch: pytest.MonkeyPatch,
    photo: np.ndarray,
    box: tuple[float, float, float, float],
    score: float,
) -> list[Detection]:
    """What YuNet finds in ``photo`` at 0.2 when each pass also reports ``box`` (x, y, w, h in the
    photo's pixels) at ``score``."""
    x, y, w, h = box
    real_run = YuNetDetector._run

    def with_look_alike(self: YuNetDetector, index: int, image: np.ndarray) -> list[tuple[float, ...]]:
        rows = real_run(self, index, image)
        fx = image.shape[0] / photo.shape[0]  # this pass's size (its sides may be mirrored)
        pad = (image.shape[1] - photo.shape[1] * fx) / 2
        return [*rows, (x * fx + pad, y * fx, w * fx, h * fx, score)]

    monkeypatch.setattr(YuNetDetector, "_run", with_look_alike)
    yunet.threshold = 0.2
    return yunet.detect(photo)


@pytest.mark.parametrize(
    ("look_alike", "score", "kept"),
    [
        # Around the face, twice as wide (a hand and a face, three faces taken for one): dropped.
        ((56, 44, 418, 384), 0.3, False),
        # Offset, not twice as wide, still over the face's centre (IoU under 0.3): dropped.
        ((208, 25, 304, 384), 0.3, False),
        # The same box, surely a face: hiding comes first.
        ((208, 25, 304, 384), 0.6, True),
        # Beside the face, not over its centre and only a little wider: another face, perhaps.
        ((303, 44, 228, 230), 0.3, True),
        # The torso under the face, 1.8 times as wide, not over the face's centre: dropped.
        ((75, 351, 342, 240), 0.3, False),
        # The same box surely a face: kept.
        ((75, 351, 342, 240), 0.6, True),
        # Moved to touch the picture's left edge, still wider than high: dropped, it is no face
        # cut by the edge.
        ((0, 351, 342, 240), 0.3, False),
        # Cut by the left edge, narrower than a face is (the rest of it beyond the edge): a face
        # cut by the edge is found only weakly, and its box may be all that hides it.
        ((0, 300, 280, 500), 0.3, True),
    ],
)
def test_a_weak_box_over_a_near_face_or_far_wider_than_the_sure_faces_is_a_look_alike(
    yunet: YuNetDetector,
    monkeypatch: pytest.MonkeyPatch,
    look_alike: tuple[float, float, float, float],
    score: float,
    kept: bool,
) -> None:
    # At the default threshold YuNet also reports weak boxes about a face, which the tracker
    # would hold and grow with a zoom until they blurred the room around it. A face in front of
    # another hides it, so no face's box holds a near face's centre; and the faces of one room
    # are of a size, so a weak box half again as wide as the widest sure face is a torso, a
    # shoulder or hair. The photo sits in the top left corner of a larger grey picture.
    photo = np.full((900, 1000, 3), 128, np.uint8)
    photo[:600, :512] = hopper()
    found = found_with_look_alike(yunet, monkeypatch, photo, look_alike, score)
    assert best_iou(found, HOPPER_FACE) >= 0.85
    others = [d for d in found if d.box.iou(HOPPER_FACE) < 0.5]
    assert len(others) == (1 if kept else 0), others


def test_weak_boxes_over_small_faces_stay() -> None:
    # Faces under 96 px come in crowds, among faces too small to find: a weak box over a few of
    # them may be all that hides those.
    crowd = [Detection(Box(400 + 30 * i, 300, 28, 32), 0.9) for i in range(3)]
    over_them = Detection(Box(380, 250, 140, 140), 0.3)
    assert over_them in suppress([*crowd, over_them])
    near = Detection(Box(400, 300, 120, 140), 0.9)
    assert [d.score for d in suppress([near, Detection(Box(340, 230, 260, 280), 0.3)])] == [0.9]


def test_a_tiled_member_of_a_combination_keeps_its_live_steps() -> None:
    frame, face = room_with_face(astronaut(), ASTRONAUT_FACE, (700, 140), 24)
    with create_detector("yunet-half+blazeface-full", small_faces=True) as both:
        # The half-size pass sees this face at 12 pixels (at 0.5, it does not report it); the tiles find it.
        both.members[0].threshold = 0.5
        assert best_iou(both.members[0].detect(frame), face) < 0.4
        assert both.tiles(*ROOM) and both.sweep_length(*ROOM) > 1
        seen = [best_iou(both.detect_step(frame), face) >= 0.4 for _ in range(both.sweep_length(*ROOM))]
        assert any(seen)
        # A focus box runs a tile there at once, without waiting for the rotation.
        assert best_iou(both.detect_step(frame, 0, focus=[face], remember=False), face) >= 0.4


def test_the_combined_threshold_is_each_members() -> None:
    with create_detector("yunet-half+blazeface-short", threshold=0.5) as both:
        both.threshold = 0.8
        assert [m.threshold for m in both.members] == [0.8, 0.8]
        with pytest.raises(ConfigError, match="threshold 1.5"):
            both.threshold = 1.5


def test_damaged_shipped_weights_are_refused_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from installation.detect import models

    shipped = models.weights_dir() / YUNET_FILE
    data = bytearray(shipped.read_bytes())
    data[-10] ^= 0x01
    (tmp_path / YUNET_FILE).write_bytes(bytes(data))
    monkeypatch.setattr(models, "weights_dir", lambda: tmp_path)
    with pytest.raises(ModelError) as info:
        create_detector("yunet")
    message = str(info.value)
    assert message.startswith(f"YuNet face model {tmp_path / YUNET_FILE}: sha256 mismatch: expected 8f2383e4")
    assert message.endswith("; reinstall monitoring-room")
    (tmp_path / YUNET_FILE).unlink()
    with pytest.raises(ModelError, match=f"no such file {tmp_path / YUNET_FILE}"):
        create_detector("yunet-half")


def test_an_own_yunet_copy_is_loaded_without_its_hash_and_junk_is_refused(tmp_path: Path) -> None:
    from installation.detect import weights_dir

    own = tmp_path / "own.onnx"
    shutil.copy(weights_dir() / YUNET_FILE, own)
    with create_detector("yunet-half+blazeface-full", model_paths={"yunet": own}) as both:
        assert len(both.detect(astronaut())) == 1
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not a model")
    with pytest.raises(ModelError, match=f"YuNet face model {junk}: cannot load it"):
        create_detector("yunet", model_path=junk)


_Found = list[list[tuple[float, ...]]]


class _RecordingEngine:
    """A square model that finds nothing and keeps the regions it is run on, in its image's pixels."""

    input_size = (128, 128)
    whole_pixels = False
    name = "blazeface-short"

    def __init__(self) -> None:
        self.runs: list[tuple[tuple[int, int], list[Box]]] = []

    def run(self, rgb: np.ndarray, regions: list[Box] | None = None) -> _Found:
        height, width = rgb.shape[:2]
        regions = list(regions or [Box(0, 0, width, height)])
        self.runs.append(((width, height), regions))
        return [[] for _ in regions]

    def run_many(self, jobs: list[tuple[np.ndarray, list[Box] | None]]) -> list[_Found]:
        return [self.run(*job) for job in jobs]

    def close(self) -> None:
        pass


@pytest.mark.parametrize("size", [ROOM, (640, 480), (1920, 800), (1366, 768)])
def test_the_windows_a_detector_describes_are_the_ones_its_model_runs_on(size: tuple[int, int]) -> None:
    """What the workshop shows is where detection runs (within the pixel or two an odd side loses
    when the frame is halved before the model)."""
    engine = _RecordingEngine()
    with BlazeFaceDetector(engine, squares=True) as detector:  # type: ignore[arg-type]
        detector.detect(np.zeros((size[1], size[0], 3), np.uint8))
        described = detector.describe_input(*size)
    ((width, height), regions) = engine.runs[0]
    fx, fy = size[0] / width, size[1] / height
    ran = [(r.x * fx, r.y * fy, r.w * fx, r.h * fy) for r in regions]
    shown = [(w.region.x, w.region.y, w.region.w, w.region.h) for w in described.windows]
    assert len(shown) == len(ran) == (2 if size[0] >= 1.6 * size[1] else 1) + (size == (1920, 800))
    for a, b in zip(shown, ran, strict=True):
        assert a == pytest.approx(b, abs=4)
    assert {w.size for w in described.windows} == {engine.input_size} and described.tiles == 0
