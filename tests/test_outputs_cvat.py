"""The CVAT for video 1.1 export: parsed with xml.etree and held against CVAT's published layout
(element and attribute names), tracks with key frames and ``outside`` where CVAT expects them;
published only on close."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

from installation.frames import Processed
from installation.geometry import Box
from installation.outputs import CvatSink
from tests.conftest import hidden_result

# CVAT's published "XML annotation format", version 1.1: the common part and "Interpolation"
# (video tasks). Each element's children and attributes, as the layout names them.
LAYOUT_CHILDREN = {
    "annotations": {"version", "meta", "track"},
    "meta": {"task", "dumped"},
    "task": {
        "id",
        "name",
        "size",
        "mode",
        "overlap",
        "bugtracker",
        "flipped",
        "created",
        "updated",
        "labels",
        "segments",
        "owner",
        "original_size",
    },
    "labels": {"label"},
    "label": {"name", "type", "attributes", "svg", "parent"},
    "attributes": {"attribute"},
    "original_size": {"width", "height"},
    "track": {"box", "polygon", "polyline", "points", "mask", "skeleton"},
    "box": {"attribute"},
}
LAYOUT_ATTRIBUTES = {
    "track": {"id", "label", "source"},
    # z_order: on every shape of the layout for images and on masks in tracks; CVAT's own
    # exporter for video writes it on track boxes too, and its importer reads it there.
    "box": {"frame", "xtl", "ytl", "xbr", "ybr", "outside", "occluded", "keyframe", "z_order"},
}


hidden = hidden_result


A = Box(100.25, 50.5, 40.0, 44.125)
B = Box(255.1343642441124, 180.1, 96.00000000000001, 95.9)


def write(path: Path, frames: list[Processed]) -> ET.Element:
    sink = CvatSink(path, "visit.mp4", (640, 360))
    for frame in frames:
        sink.write(frame)
    sink.close()
    return ET.parse(path).getroot()


def boxes_of(track: ET.Element) -> list[tuple[int, int, int]]:
    """(frame, outside, keyframe) of each box of a track."""
    return [(int(b.get("frame", "")), int(b.get("outside", "")), int(b.get("keyframe", ""))) for b in track]


def test_every_element_and_attribute_is_one_of_cvats_published_layout(tmp_path: Path) -> None:
    root = write(
        tmp_path / "boxes.xml",
        [
            hidden(0, [(1, A)], guarded=[Box(0, 0, 40, 360)]),
            hidden(1, [(1, A)], ahead=[(1, B)]),
            hidden(2, [], hidden_all=True),
        ],
    )
    assert root.tag == "annotations"

    def check(element: ET.Element) -> None:
        allowed = LAYOUT_CHILDREN.get(element.tag, set())
        for child in element:
            assert child.tag in allowed, f"<{child.tag}> inside <{element.tag}>"
            check(child)
        assert set(element.attrib) <= LAYOUT_ATTRIBUTES.get(element.tag, set()), element.tag

    check(root)
    assert root.findtext("version") == "1.1"
    task = root.find("meta/task")
    assert task is not None
    assert task.findtext("name") == "visit.mp4" and task.findtext("mode") == "interpolation"
    assert task.findtext("size") == "3"
    assert (task.findtext("original_size/width"), task.findtext("original_size/height")) == ("640", "360")
    assert [label.findtext("name") for label in task.iter("label")] == ["face", "motion", "whole frame"]
    assert [track.get("label") for track in root.findall("track")] == [
        "face",
        "face",
        "motion",
        "whole frame",
    ]
    assert [track.get("id") for track in root.findall("track")] == ["0", "1", "2", "3"]


def test_face_tracks_have_a_key_frame_per_frame_and_an_outside_one_after_each_stretch(tmp_path: Path) -> None:
    root = write(
        tmp_path / "boxes.xml",
        [
            hidden(0, [(1, A)]),
            hidden(1, [(1, A)]),
            hidden(2, []),
            hidden(3, [(1, B)]),
            hidden(4, [(1, B)]),
        ],
    )
    (track,) = root.findall("track")
    # Hidden on frames 0, 1, 3 and 4: outside from 2 to 3; on the last frame nothing follows.
    assert boxes_of(track) == [(0, 0, 1), (1, 0, 1), (2, 1, 1), (3, 0, 1), (4, 0, 1)]


def test_corners_are_exact_and_z_order_is_the_order_a_frame_hid_its_boxes(tmp_path: Path) -> None:
    root = write(tmp_path / "boxes.xml", [hidden(0, [(2, A)], ahead=[(2, B)])])
    first, second = (track.find("box") for track in root.findall("track"))
    assert first is not None and second is not None
    assert (first.get("z_order"), second.get("z_order")) == ("0", "1")
    xtl, ytl, xbr, ybr = (Decimal(second.get(name, "")) for name in ("xtl", "ytl", "xbr", "ybr"))
    assert (float(xtl), float(ytl), float(xbr - xtl), float(ybr - ytl)) == (B.x, B.y, B.w, B.h)
    # In binary floating point the right edge would not give the width back.
    assert float(xbr) - float(xtl) != B.w


def test_motion_regions_and_frames_hidden_whole_are_tracks_of_their_own(tmp_path: Path) -> None:
    root = write(
        tmp_path / "boxes.xml",
        [
            hidden(0, [], guarded=[Box(0, 10, 40, 300)]),
            hidden(1, [], hidden_all=True),
            hidden(2, [], hidden_all=True),
            hidden(3, []),
            hidden(4, [], hidden_all=True),
        ],
    )
    motion, whole, last = root.findall("track")
    assert motion.get("label") == "motion" and boxes_of(motion) == [(0, 0, 1), (1, 1, 1)]
    # One track per stretch of frames hidden whole, its box the whole frame.
    assert whole.get("label") == "whole frame" and boxes_of(whole) == [(1, 0, 1), (3, 1, 1)]
    assert last.get("label") == "whole frame" and boxes_of(last) == [(4, 0, 1)]
    box = whole.find("box")
    assert box is not None
    assert [box.get(name) for name in ("xtl", "ytl", "xbr", "ybr")] == ["0", "0", "640", "360"]


def test_a_frame_of_another_size_is_placed_where_the_video_shows_it(tmp_path: Path) -> None:
    root = write(tmp_path / "boxes.xml", [hidden(0, [(1, Box(100, 100, 50, 50))], size=(800, 600))])
    box = root.find("track/box")
    assert box is not None
    assert [box.get(name) for name in ("xtl", "ytl", "xbr", "ybr")] == ["140", "60", "170", "90"]


def test_the_video_name_is_escaped(tmp_path: Path) -> None:
    sink = CvatSink(tmp_path / "boxes.xml", "a <b> & 'c'.mp4", (64, 48))
    sink.close()
    assert ET.parse(tmp_path / "boxes.xml").getroot().findtext("meta/task/name") == "a <b> & 'c'.mp4"


def test_publishes_only_on_close_and_leaves_nothing_on_abort(tmp_path: Path) -> None:
    path = tmp_path / "boxes.xml"
    sink = CvatSink(path, "visit.mp4", (640, 360))
    sink.write(hidden(0, [(1, A)]))
    sink.finish()
    assert not path.exists() and [p.name.endswith(".partial.xml") for p in tmp_path.iterdir()] == [True]
    sink.close()
    assert [p.name for p in tmp_path.iterdir()] == ["boxes.xml"]

    aborted = CvatSink(tmp_path / "other.xml", "visit.mp4", (640, 360))
    aborted.write(hidden(0, [(1, A)]))
    aborted.abort()
    assert [p.name for p in tmp_path.iterdir()] == ["boxes.xml"]
