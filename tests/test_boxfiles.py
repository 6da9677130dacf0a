"""Reading boxes files for ``anonymize --from-boxes``: what each format lists for each frame, CVAT's
key frames and ``outside`` flags read as CVAT reads them, and every fault refused in one line
naming the file and the place."""

from __future__ import annotations

from pathlib import Path

import pytest

from installation.boxfiles import BoxFile, Listed, read_boxes
from installation.errors import UsageError
from installation.geometry import Box
from installation.outputs import BoxesSink, CvatSink, MotSink
from tests.conftest import hidden_result

A = Box(100.25, 50.5, 40.0, 44.125)
# Values whose sums in binary floating point lose a bit: read back exactly all the same.
B = Box(255.1343642441124, 180.1, 96.00000000000001, 95.9)
C = Box(300.0, 20.0, 60.0, 64.0)


hidden = hidden_result


RUN = [
    hidden(0, [(1, A)]),
    hidden(1, [(1, A), (4, C)], ahead=[(1, B)], guarded=[Box(0, 0, 32, 360)]),
    hidden(2, []),
    hidden(3, [(4, B)], hidden_all=True),
    hidden(4, [], ahead=[(-2, C)]),
]


def export(path: Path) -> Path:
    if path.suffix == ".json":
        sink: BoxesSink | MotSink | CvatSink = BoxesSink(
            path, {"width": 640, "height": 360, "mask_scale": 1.3}
        )
    elif path.suffix == ".csv":
        sink = MotSink(path)
    else:
        sink = CvatSink(path, "visit.mp4", (640, 360))
    for frame in RUN:
        sink.write(frame)
    sink.close()
    return path


def faces(listed: Listed) -> list[Box]:
    return [face.box for face in listed.faces]


@pytest.mark.parametrize("name", ["boxes.json", "boxes.csv", "boxes.xml"])
def test_an_export_reads_back_as_exactly_the_boxes_hidden_in_their_order(tmp_path: Path, name: str) -> None:
    boxes = read_boxes(export(tmp_path / name))
    for frame in RUN:
        listed = boxes.at(frame.frame.index)
        # Bit for bit, and in the order the frame hid them (overlapping blurs depend on it).
        assert faces(listed) == [f.box for f in [*frame.faces, *frame.ahead]]
        if name != "boxes.csv":  # MOT holds face boxes only
            assert listed.guarded == frame.guarded and listed.whole == frame.hidden_all
    assert boxes.at(5) == Listed() and boxes.last == 4
    assert boxes.size == (None if name == "boxes.csv" else (640, 360))


def test_the_kind_is_told_by_the_content_not_the_name(tmp_path: Path) -> None:
    for name, kind in [("boxes.json", "JSON"), ("boxes.csv", "MOT CSV"), ("boxes.xml", "CVAT XML")]:
        renamed = export(tmp_path / name).rename(tmp_path / f"{name}.txt")
        assert read_boxes(renamed).kind == kind
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf\n 1,1,101,51,40,40\n")
    assert faces(read_boxes(bom).at(0)) == [Box(100, 50, 40, 40)]


def test_mot_frames_and_corners_count_from_one(tmp_path: Path) -> None:
    path = tmp_path / "boxes.csv"
    path.write_text("3,7,1,1,24,30\n3,9,11.5,21.25,40,40,0.5,-1,-1,-1\n\n1,7,101,51,40,40\n")
    boxes = read_boxes(path)
    assert faces(boxes.at(2)) == [Box(0, 0, 24, 30), Box(10.5, 20.25, 40, 40)]
    assert [face.track_id for face in boxes.at(2).faces] == [7, 9]
    assert faces(boxes.at(0)) == [Box(100, 50, 40, 40)] and boxes.at(1) == Listed()
    assert boxes.covers is None and boxes.last == 2


# -- CVAT: key frames, outside, interpolation -----------------------------------


def cvat(
    tracks: str,
    *,
    meta: str = "<task><size>30</size><original_size><width>640</width>"
    "<height>360</height></original_size></task>",
) -> str:
    head = '<?xml version="1.0" encoding="utf-8"?>\n<annotations>\n<version>1.1</version>\n'
    return f"{head}<meta>{meta}</meta>\n{tracks}</annotations>\n"


def box(
    frame: int,
    xtl: float,
    ytl: float,
    xbr: float,
    ybr: float,
    *,
    outside: int = 0,
    keyframe: int = 1,
    **more: object,
) -> str:
    extra = "".join(f' {name}="{value}"' for name, value in more.items())
    return (
        f'<box frame="{frame}" outside="{outside}" occluded="0" keyframe="{keyframe}" '
        f'xtl="{xtl}" ytl="{ytl}" xbr="{xbr}" ybr="{ybr}"{extra}></box>\n'
    )


def read_cvat(tmp_path: Path, tracks: str, **meta: str) -> BoxFile:
    path = tmp_path / "boxes.xml"
    path.write_text(cvat(tracks, **meta))
    return read_boxes(path)


def test_cvat_boxes_move_linearly_between_key_frames_and_stop_at_an_outside_one(tmp_path: Path) -> None:
    boxes = read_cvat(
        tmp_path,
        '<track id="0" label="face" source="manual">\n'
        + box(2, 100, 100, 140, 140)
        + box(12, 200, 120, 260, 180)
        + box(15, 200, 120, 260, 180, outside=1)
        + box(20, 10, 10, 50, 50)
        + "</track>\n",
    )
    assert boxes.at(1) == Listed()
    assert faces(boxes.at(2)) == [Box(100, 100, 40, 40)]
    # Halfway from frame 2 to 12: each corner halfway.
    assert faces(boxes.at(7)) == [Box(150, 110, 50, 50)]
    assert faces(boxes.at(12)) == faces(boxes.at(14)) == [Box(200, 120, 60, 60)]
    # Outside from 15 until the next key frame that is not.
    assert all(boxes.at(i) == Listed() for i in range(15, 20))
    # After the last key frame, not outside, the box stays to the task's last frame (size 30).
    assert faces(boxes.at(20)) == faces(boxes.at(29)) == [Box(10, 10, 40, 40)]
    assert boxes.at(30) == Listed()
    assert boxes.covers == (0, 30) and boxes.last == 20


def test_cvat_boxes_between_key_frames_are_cvats_interpolation_or_refused(tmp_path: Path) -> None:
    # CVAT writes every frame of a track; only key frames count, the others must agree with them.
    agreeing = box(0, 0, 0, 40, 40) + box(1, 5.0, 0, 45.0, 40, keyframe=0) + box(4, 20, 0, 60, 40)
    boxes = read_cvat(tmp_path, f'<track id="0" label="face">\n{agreeing}</track>\n')
    assert faces(boxes.at(1)) == [Box(5, 0, 40, 40)]
    moved = box(0, 0, 0, 40, 40) + box(1, 90, 0, 130, 40, keyframe=0) + box(4, 20, 0, 60, 40)
    with pytest.raises(UsageError, match=r'boxes\.xml: line 7: <box frame="1" keyframe="0">: not where'):
        read_cvat(tmp_path, f'<track id="0" label="face">\n{moved}</track>\n')


def test_cvat_labels_say_how_a_region_is_hidden(tmp_path: Path) -> None:
    boxes = read_cvat(
        tmp_path,
        '<track id="0" label="face">' + box(0, 10, 10, 50, 50, z_order=1) + "</track>\n"
        '<track id="1" label="Face">' + box(0, 60, 10, 100, 50, z_order=0) + "</track>\n"
        '<track id="2" label="motion">'
        + box(0, 0, 0, 32, 360)
        + box(1, 0, 0, 32, 360, outside=1)
        + "</track>\n"
        '<track id="3" label="whole frame">'
        + box(2, 0, 0, 1, 1)
        + box(3, 0, 0, 1, 1, outside=1)
        + "</track>\n",
    )
    # Hidden in z_order's order, then in the tracks' order.
    assert faces(boxes.at(0)) == [Box(60, 10, 40, 40), Box(10, 10, 40, 40)]
    assert boxes.at(0).guarded == [Box(0, 0, 32, 360)] and not boxes.at(0).whole
    # A "whole frame" box hides the whole frame, wherever it is drawn.
    assert boxes.at(2).whole and not boxes.at(3).whole and boxes.at(1).guarded == []


def test_a_rotated_cvat_box_hides_the_upright_rectangle_around_it(tmp_path: Path) -> None:
    boxes = read_cvat(
        tmp_path, '<track id="0" label="face">' + box(0, 100, 100, 140, 120, rotation=90) + "</track>"
    )
    (face,) = faces(boxes.at(0))
    assert (face.x, face.y, face.w, face.h) == pytest.approx((110, 90, 20, 40))


def test_a_cvat_job_covers_its_own_frames(tmp_path: Path) -> None:
    job = "<job><size>10</size><start_frame>20</start_frame><stop_frame>29</stop_frame></job>"
    boxes = read_cvat(tmp_path, '<track id="0" label="face">' + box(25, 0, 0, 30, 30) + "</track>", meta=job)
    assert boxes.covers == (20, 30) and boxes.size is None
    assert faces(boxes.at(29)) == [Box(0, 0, 30, 30)] and boxes.at(30) == Listed()


# -- checks against the video ----------------------------------------------------


def test_a_file_for_another_frame_size_or_more_frames_is_refused(tmp_path: Path) -> None:
    boxes = read_boxes(export(tmp_path / "boxes.json"))
    boxes.check_size(640, 360)
    with pytest.raises(UsageError, match=r"boxes\.json: made for 640x360 frames, the video's are 1280x720"):
        boxes.check_size(1280, 720)
    assert boxes.check_frames(5) == []
    with pytest.raises(UsageError, match=r"boxes\.json: puts boxes on frame 4 .* the video has 4 frames"):
        boxes.check_frames(4)


def test_a_file_that_describes_fewer_frames_than_the_video_is_named_in_a_warning(tmp_path: Path) -> None:
    boxes = read_boxes(export(tmp_path / "boxes.json"))
    (warning,) = boxes.check_frames(9)
    assert "boxes.json: describes frames 0 to 4 (counted from 0) of the video's 9" in warning
    mot = read_boxes(export(tmp_path / "boxes.csv"))
    assert mot.check_frames(9) == []  # MOT does not say how many frames it describes
    # More frames than the video, with nothing on those past its end: a warning, not a refusal.
    longer = tmp_path / "longer.json"
    longer.write_text('{"version": 1, "frames": [' + ", ".join(f'{{"frame": {i}}}' for i in range(8)) + "]}")
    (warning,) = read_boxes(longer).check_frames(5)
    assert "longer.json: describes 8 frames, the video has 5: was it made from this video?" in warning


# -- faults ------------------------------------------------------------------------

GOOD_TRACK = '<track id="0" label="face">' + box(0, 0, 0, 30, 30) + "</track>\n"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", "", "empty.csv: is empty"),
        ("notes.txt", "hello\n", "notes.txt: not a boxes file: expected anonymize's boxes JSON"),
        ("latin.csv", b"1,1,1,1,9,9\n\xe9\n", "latin.csv: not UTF-8 text (byte 12)"),
        ("short.csv", "1,1,101,51,40,40\n1,1,10,10,40\n", "short.csv: line 2: expected frame,id,bb_left"),
        (
            "zero.csv",
            "0,1,101,51,40,40\n",
            "zero.csv: line 1: frame (counted from 1 in MOT files): expected 1",
        ),
        (
            "word.csv",
            "1,1,101,51,40,40\n\n2,1,left,51,40,40\n",
            "word.csv: line 3: bb_left: expected a number",
        ),
        ("nan.csv", "1,1,nan,51,40,40\n", "nan.csv: line 1: bb_left: expected a finite number"),
        ("flat.csv", "1,1,101,51,-4,40\n", "flat.csv: line 1: the box is -4 x 40 pixels"),
        ("broken.json", '{"version": 1,\n "frames": [}\n', "broken.json: line 2 column 13: not valid JSON"),
        (
            "list.json",
            '{"version": 1, "frames": {}}',
            'list.json: expected anonymize\'s boxes JSON: an object with a "frames"',
        ),
        ("v2.json", '{"version": 2, "frames": []}', "v2.json: version: expected 1, got 2"),
        (
            "box.json",
            '{"version": 1, "frames": [{"frame": 0}, {"frame": 1, "faces": [{"box": [1, 2, 3]}]}]}',
            "box.json: frames[1].faces[0].box: expected [x, y, width, height] in pixels, got [1, 2, 3]",
        ),
        (
            "twice.json",
            '{"version": 1, "frames": [{"frame": 0}, {"frame": 0}]}',
            "twice.json: frames[1]: frame 0 is listed twice",
        ),
        (
            "guard.json",
            '{"version": 1, "frames": [{"frame": 0, "guarded": [[0, 0, 0, 9]]}]}',
            "guard.json: frames[0].guarded[0]: the box is 0 x 9 pixels",
        ),
        (
            "cut.xml",
            "<annotations>\n<version>1.1</version>\n<meta>\n",
            "cut.xml: line 4: not well-formed XML",
        ),
        ("root.xml", "<dataset/>", "root.xml: line 1: <dataset>: expected CVAT for video 1.1 XML"),
        (
            "old.xml",
            "<annotations><version>1.0</version></annotations>",
            "old.xml: line 1: <version>: expected <version>1.1</version>, found '1.0'",
        ),
        (
            "images.xml",
            cvat('<image id="0" name="a.jpg" width="64" height="48"></image>\n'),
            "images.xml: line 5: <image>: this is CVAT for images: export the task as CVAT for video 1.1",
        ),
        (
            "label.xml",
            cvat(GOOD_TRACK + '<track id="1" label="person">\n</track>\n'),
            "label.xml: line 7: <track>: label 'person'",
        ),
        (
            "polygon.xml",
            cvat(
                '<track id="0" label="face">\n<polygon frame="0" points="0,0;9,9;0,9" keyframe="1"/>\n'
                "</track>\n"
            ),
            "polygon.xml: line 6: <polygon>: anonymize reads boxes only (rectangles)",
        ),
        (
            "edge.xml",
            cvat('<track id="0" label="face">\n<box frame="0" xtl="1" ytl="1" ybr="9"/>\n</track>\n'),
            "edge.xml: line 6: <box>: has no xbr",
        ),
        (
            "upside.xml",
            cvat('<track id="0" label="face">\n' + box(0, 50, 0, 10, 30) + "</track>\n"),
            "upside.xml: line 6: <box>: the box is -40 x 30 pixels",
        ),
        (
            "flag.xml",
            cvat('<track id="0" label="face">\n' + box(0, 0, 0, 9, 9, outside=2) + "</track>\n"),
            "flag.xml: line 6: <box>: outside: expected 0 or 1",
        ),
        (
            "two.xml",
            cvat('<track id="0" label="face">\n' + box(3, 0, 0, 9, 9) + box(3, 1, 1, 9, 9) + "</track>\n"),
            "two.xml: line 5: <track>: two key frames on frame 3 (lines 6 and 7)",
        ),
        (
            "nosize.xml",
            cvat(GOOD_TRACK, meta="<task><name>x</name></task>"),
            "nosize.xml: line 4: <task>: gives no <size>",
        ),
        (
            "start.xml",
            cvat(GOOD_TRACK, meta="<task><size>9</size><start_frame>100</start_frame></task>"),
            "start.xml: line 4: <task>: the task starts at frame 100",
        ),
        (
            "step.xml",
            cvat(GOOD_TRACK, meta="<task><size>9</size><frame_filter>step=5</frame_filter></task>"),
            "step.xml: line 4: <frame_filter>: the task takes step=5",
        ),
        (
            "bomb.xml",
            '<?xml version="1.0"?>\n<!DOCTYPE a [\n<!ENTITY a "aaaaaaaa">\n]>\n<annotations>&a;</annotations>'
            "\n",
            "bomb.xml: line 3: declares the entity 'a': refused",
        ),
    ],
)
def test_a_bad_file_is_refused_in_one_line_naming_the_file_and_the_place(
    tmp_path: Path, name: str, content: str | bytes, message: str
) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(UsageError) as raised:
        read_boxes(path)
    text = str(raised.value)
    assert text.startswith(str(tmp_path)) and "\n" not in text
    assert message in text, text


def test_a_file_that_cannot_be_read_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"absent\.csv: cannot read: No such file"):
        read_boxes(tmp_path / "absent.csv")
