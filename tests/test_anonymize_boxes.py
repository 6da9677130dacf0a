"""The corrections round trip: ``anonymize`` exports the hidden boxes (JSON, MOT, CVAT), someone
corrects them, ``anonymize --from-boxes`` renders the video again hiding exactly the corrected
boxes, without a detector; bad files and clashing names are refused before anything is written."""

from __future__ import annotations

import json
import logging
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import av
import numpy as np
import pytest

from installation.anonymize import anonymize_file
from installation.boxfiles import read_boxes
from installation.cli import main
from installation.effects import Effect, MaskShape, hide_everything
from installation.effects.apply import SOLID_GREY
from installation.frames import Processed
from installation.geometry import Box
from tests.conftest import paste_face

FRAMES = 12
SIZE = (640, 360)
FORMATS = ["boxes.json", "boxes.csv", "boxes.xml"]


def write_clip(path: Path, frames: int = FRAMES, size: tuple[int, int] = SIZE) -> Path:
    """A face walking slowly across a textured wall, losslessly (FFV1): decoded as written."""
    rng = np.random.default_rng(7)
    wall = rng.integers(90, 200, (size[1], size[0], 3), dtype=np.uint8)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("ffv1", rate=10)
        stream.width, stream.height = size
        stream.pix_fmt = "bgr0"
        for i in range(frames):
            image = paste_face(wall.copy(), "astronaut", Box(200 + 4 * i, 100, 90, 90))
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


class Exported:
    """The clip, its boxes in the three formats, and the pictures the detecting run made."""

    def __init__(self, folder: Path) -> None:
        self.clip = write_clip(folder / "visit.mkv")
        self.folder = folder
        self.images: list[np.ndarray] = []
        anonymize_file(
            self.clip,
            None,
            effect=Effect.BLUR,
            strength=0.5,
            boxes_json=folder / "boxes.json",
            boxes_mot=folder / "boxes.csv",
            boxes_cvat=folder / "boxes.xml",
            progress=False,
            on_frame=lambda result: self.images.append(result.image.copy()),
        )
        self.data = json.loads((folder / "boxes.json").read_text())

    def face_boxes(self) -> list[list[Box]]:
        """Each frame's hidden face boxes, in the order they were hidden, from the JSON."""
        return [[Box(*face["box"]) for face in entry["faces"]] for entry in self.data["frames"]]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    return Exported(tmp_path_factory.mktemp("exported"))


def render(
    clip: Path,
    boxes: Path,
    *,
    effect: Effect,
    strength: float,
    mask: MaskShape = MaskShape.ELLIPSE,
    mask_scale: float = 1.3,
) -> list[Processed]:
    """Each frame as ``anonymize --from-boxes`` hides it (encoded into memory)."""
    results: list[Processed] = []
    anonymize_file(
        clip,
        None,
        effect=effect,
        strength=strength,
        mask=mask,
        mask_scale=mask_scale,
        from_boxes=read_boxes(boxes),
        progress=False,
        on_frame=results.append,
    )
    return results


def test_the_detecting_run_hid_faces_on_every_frame_and_nothing_else(exported: Exported) -> None:
    # What the round trips below rely on: every frame has face boxes (some frames two, held and
    # ahead of a sighting, overlapping), none is hidden whole, the motion guard hid nothing.
    boxes = exported.face_boxes()
    assert len(boxes) == FRAMES and all(boxes)
    assert any(len(frame) > 1 for frame in boxes)
    assert not any(entry["hidden_all"] or entry["guarded"] for entry in exported.data["frames"])
    assert min(min(b.w, b.h) for frame in boxes for b in frame) > 24


@pytest.mark.parametrize("name", FORMATS)
def test_an_export_rendered_again_hides_exactly_the_same_pixels(exported: Exported, name: str) -> None:
    # Blur, grown by the default mask_scale, ellipse: every pixel as the detecting run made it,
    # where two boxes overlap too (each frame hides its boxes in the same order).
    again = render(exported.clip, exported.folder / name, effect=Effect.BLUR, strength=0.5)
    assert len(again) == FRAMES
    for before, after in zip(exported.images, again, strict=True):
        assert np.array_equal(before, after.image)


# -- corrections -------------------------------------------------------------------

ADDED = Box(20, 30, 40, 50)  # a face the detector missed, on frame 3
MOVED = Box(400, 200, 64, 72)  # frame 5's first box, moved there
DELETED = 7  # a frame whose boxes are deleted


def expected_boxes(exported: Exported) -> list[list[Box]]:
    boxes = exported.face_boxes()
    boxes[3].append(ADDED)
    boxes[5][0] = MOVED
    boxes[DELETED] = []
    return boxes


def correct_json(exported: Exported, path: Path) -> None:
    data = json.loads((exported.folder / "boxes.json").read_text())
    frames = data["frames"]
    frames[3]["faces"].append({"box": [ADDED.x, ADDED.y, ADDED.w, ADDED.h]})
    frames[5]["faces"][0]["box"] = [MOVED.x, MOVED.y, MOVED.w, MOVED.h]
    frames[DELETED]["faces"] = []
    path.write_text(json.dumps(data))


def correct_mot(exported: Exported, path: Path) -> None:
    rows = [line.split(",") for line in (exported.folder / "boxes.csv").read_text().splitlines()]
    first_of_6 = next(row for row in rows if row[0] == "6")
    first_of_6[2:6] = [str(MOVED.x + 1), str(MOVED.y + 1), str(MOVED.w), str(MOVED.h)]
    rows = [row for row in rows if row[0] != str(DELETED + 1)]
    rows.append(
        ["4", "99", str(ADDED.x + 1), str(ADDED.y + 1), str(ADDED.w), str(ADDED.h), "1", "-1", "-1", "-1"]
    )
    path.write_text("".join(",".join(row) + "\n" for row in rows))


def correct_cvat(exported: Exported, path: Path) -> None:
    tree = ET.parse(exported.folder / "boxes.xml")
    root = tree.getroot()
    faces = [track for track in root.findall("track") if track.get("label") == "face"]

    def corners(box: Box) -> dict[str, str]:
        return {"xtl": str(box.x), "ytl": str(box.y), "xbr": str(box.x + box.w), "ybr": str(box.y + box.h)}

    moved = next(
        b for t in faces for b in t.findall("box") if b.get("frame") == "5" and b.get("z_order") == "0"
    )
    moved.attrib.update(corners(MOVED))
    # Deleting a box of a track in CVAT: the track is "outside" on that frame.
    for track in faces:
        for box in track.findall("box"):
            if box.get("frame") == str(DELETED):
                box.set("outside", "1")
    # A new track: drawn on frame 3, outside from frame 4.
    added = ET.SubElement(root, "track", {"id": "99", "label": "face", "source": "manual"})
    for frame, outside in (("3", "0"), ("4", "1")):
        attributes = {"frame": frame, "outside": outside, "occluded": "0", "keyframe": "1", "z_order": "9"}
        ET.SubElement(added, "box", {**attributes, **corners(ADDED)})
    tree.write(path, encoding="utf-8", xml_declaration=True)


CORRECT = {"boxes.json": correct_json, "boxes.csv": correct_mot, "boxes.xml": correct_cvat}


def hidden_mask(boxes: list[Box]) -> np.ndarray:
    """The pixels a solid box mask without growth covers: each box rounded outwards."""
    mask = np.zeros((SIZE[1], SIZE[0]), bool)
    for box in boxes:
        x0, y0 = max(0, math.floor(box.x)), max(0, math.floor(box.y))
        x1, y1 = min(SIZE[0], math.ceil(box.x + box.w)), min(SIZE[1], math.ceil(box.y + box.h))
        mask[y0:y1, x0:x1] = True
    return mask


@pytest.mark.parametrize("name", FORMATS)
def test_a_corrected_file_rendered_again_hides_exactly_its_boxes(
    exported: Exported, name: str, tmp_path: Path
) -> None:
    corrected = tmp_path / name
    CORRECT[name](exported, corrected)
    expected = expected_boxes(exported)
    # A solid fill at full strength in exactly each box (box mask, not grown): every pixel inside
    # the listed boxes is the fill, every other pixel is the original's.
    results = render(
        exported.clip, corrected, effect=Effect.SOLID, strength=1.0, mask=MaskShape.BOX, mask_scale=1.0
    )
    assert len(results) == FRAMES
    for index, (result, boxes) in enumerate(zip(results, expected, strict=True)):
        mask = hidden_mask(boxes)
        assert (result.image[mask] == SOLID_GREY).all(), f"frame {index}: a listed box is not hidden"
        assert np.array_equal(result.image[~mask], result.frame.image[~mask]), (
            f"frame {index}: hidden elsewhere"
        )
        assert mask.any() == (index != DELETED)
    # The command itself: no detector, the video written.
    out = tmp_path / "again.mp4"
    code = main(
        ["anonymize", str(exported.clip), "-o", str(out), "--from-boxes", str(corrected), "--no-progress"]
    )
    assert code == 0
    with av.open(str(out)) as written:
        assert sum(1 for _ in written.decode(video=0)) == FRAMES


@pytest.mark.parametrize("name", ["boxes.json", "boxes.xml"])
def test_frames_hidden_whole_and_regions_hidden_for_motion_are_hidden_again(
    exported: Exported, name: str, tmp_path: Path
) -> None:
    # The motion guard's regions and frames hidden whole, written from a run and read back.
    data = json.loads((exported.folder / "boxes.json").read_text())
    data["frames"][2]["hidden_all"] = True
    data["frames"][4]["guarded"] = [[0, 0, 48, 360]]
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data))
    if name == "boxes.xml":
        converted = tmp_path / "converted.mp4"
        args = ["anonymize", str(exported.clip), "-o", str(converted), "--from-boxes", str(edited)]
        assert main([*args, "--boxes-cvat", str(tmp_path / name), "--no-progress"]) == 0
        edited = tmp_path / name
    results = render(
        exported.clip, edited, effect=Effect.SOLID, strength=1.0, mask=MaskShape.BOX, mask_scale=1.0
    )
    assert results[2].hidden_all
    assert np.array_equal(results[2].image, hide_everything(results[2].frame.image))
    guarded = hidden_mask([Box(0, 0, 48, 360)])
    assert (results[4].image[guarded] == SOLID_GREY).all()
    faces = hidden_mask(exported.face_boxes()[4])
    assert np.array_equal(results[4].image[~guarded & ~faces], results[4].frame.image[~guarded & ~faces])


def test_a_render_from_boxes_never_loads_a_detector(
    exported: Exported, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("a detector was created")

    monkeypatch.setattr("installation.anonymize.create_detector", refused)
    out = tmp_path / "again.mp4"
    args = [
        "anonymize",
        str(exported.clip),
        "-o",
        str(out),
        "--from-boxes",
        str(exported.folder / "boxes.xml"),
    ]
    assert main([*args, "--no-progress"]) == 0 and out.exists()


def test_frames_a_file_does_not_describe_are_written_with_nothing_hidden_and_named_in_a_warning(
    exported: Exported, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = json.loads((exported.folder / "boxes.json").read_text())
    data["frames"] = data["frames"][:6]
    data["mask_scale"] = 1.5
    short = tmp_path / "short.json"
    short.write_text(json.dumps(data))
    with caplog.at_level(logging.WARNING):
        results = render(exported.clip, short, effect=Effect.SOLID, strength=1.0)
    assert all((r.image != r.frame.image).any() for r in results[:6])
    assert all(np.array_equal(r.image, r.frame.image) for r in results[6:])
    assert "short.json: describes frames 0 to 5 (counted from 0) of the video's 12" in caplog.text
    assert (
        "short.json: its boxes were hidden grown by --mask-scale 1.5, this render grows them by 1.3"
        in caplog.text
    )


# -- refused -------------------------------------------------------------------------


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("installation")]
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.csv", "1,1,101,51,40,40\n2,1,101,51,40\n", "bad.csv: line 2: expected frame,id,bb_left"),
        ("bad.json", '{"version": 1, "width": 320, "height": 180, "frames": []}', "made for 320x180 frames"),
        (
            "bad.xml",
            "<annotations><version>1.1</version><meta><task><size>12</size></task></meta>\n"
            '<track id="0" label="person"></track></annotations>',
            "bad.xml: line 2: <track>: label 'person'",
        ),
        # Found only at the end of the render: nothing is published.
        ("later.csv", "1,1,101,51,40,40\n40,1,101,51,40,40\n", "later.csv: puts boxes on frame 39"),
    ],
)
def test_a_bad_boxes_file_exits_2_in_one_line_and_writes_nothing(
    exported: Exported,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: str,
    message: str,
) -> None:
    bad = tmp_path / name
    bad.write_text(content)
    out = tmp_path / "out" / "again.mp4"
    out.parent.mkdir()
    code = main(
        [
            "anonymize",
            str(exported.clip),
            "-o",
            str(out),
            "--from-boxes",
            str(bad),
            "--boxes-json",
            str(out.with_suffix(".json")),
            "--no-progress",
        ]
    )
    assert code == 2
    line = one_error_line(capsys)
    assert line.startswith(f"installation anonymize: {tmp_path}") and message in line, line
    assert list(out.parent.iterdir()) == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--threshold", "0.5"], "--threshold: not used with --from-boxes"),
        (["--detect-every", "1"], "--detect-every: not used with --from-boxes"),
        (["--no-small-faces"], "--no-small-faces: not used with --from-boxes"),
        (["--detector", "yunet"], "--detector: not used with --from-boxes"),
        (
            ["--boxes-json", "{d}/boxes.json"],
            "{d}/boxes.json: refusing to overwrite the input {d}/boxes.json",
        ),
        (
            ["--boxes-mot", "{d}/b.csv", "--boxes-cvat", "{d}/B.csv"],
            "{d}/B.csv: --boxes-cvat and --boxes-mot name the same file",
        ),
        (["--boxes-cvat", "{d}/out.mp4"], "{d}/out.mp4: --boxes-cvat and -o name the same file"),
    ],
)
def test_options_that_cannot_apply_or_would_overwrite_are_refused_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    clip = write_clip(tmp_path / "visit.mkv", frames=2, size=(64, 48))
    (tmp_path / "boxes.json").write_text('{"version": 1, "frames": []}')
    before = sorted(p.name for p in tmp_path.iterdir())
    args = [str(clip), "-o", str(tmp_path / "out.mp4"), "--from-boxes", str(tmp_path / "boxes.json")]
    assert main(["anonymize", *args, *[a.format(d=tmp_path) for a in extra]]) == 2
    assert message.format(d=tmp_path) in one_error_line(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_from_boxes_takes_one_video(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clips = [write_clip(tmp_path / f"{name}.mkv", frames=2, size=(64, 48)) for name in "ab"]
    (tmp_path / "out").mkdir()
    (tmp_path / "boxes.csv").write_text("1,1,1,1,30,30\n")
    args = [*map(str, clips), "-o", str(tmp_path / "out"), "--from-boxes", str(tmp_path / "boxes.csv")]
    assert main(["anonymize", *args]) == 2
    assert "--from-boxes: give one video" in one_error_line(capsys)


def test_several_inputs_write_each_boxes_file_into_its_folder(tmp_path: Path) -> None:
    clips = [write_clip(tmp_path / f"{name}.mkv", frames=2, size=(64, 48)) for name in ("a", "b")]
    for folder in ("out", "json", "mot", "cvat"):
        (tmp_path / folder).mkdir()
    options = ["--boxes-json", "json", "--boxes-mot", "mot", "--boxes-cvat", "cvat"]
    args = [
        *map(str, clips),
        "-o",
        str(tmp_path / "out"),
        *[str(tmp_path / o) if not o.startswith("-") else o for o in options],
    ]
    assert main(["anonymize", *args, "--no-progress"]) == 0
    assert sorted(p.name for p in (tmp_path / "json").iterdir()) == ["a.boxes.json", "b.boxes.json"]
    assert sorted(p.name for p in (tmp_path / "mot").iterdir()) == ["a.boxes.csv", "b.boxes.csv"]
    assert sorted(p.name for p in (tmp_path / "cvat").iterdir()) == ["a.boxes.xml", "b.boxes.xml"]
    assert read_boxes(tmp_path / "cvat" / "a.boxes.xml").covers == (0, 2)
