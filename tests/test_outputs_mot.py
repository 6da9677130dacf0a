"""The MOT challenge export: read back by motmetrics, a parser this project did not write; one row per
hidden face box per frame, frames and corners counted from 1; published only on close."""

from __future__ import annotations

import functools
import logging
from decimal import Decimal
from pathlib import Path

import motmetrics
import pytest

from installation.geometry import Box
from installation.outputs import MotSink
from tests.conftest import hidden_result

hidden = functools.partial(hidden_result, score=0.875)


A = Box(100.25, 50.5, 40.0, 44.125)
# 255.1343642441124 + 1 in binary floating point loses the last bit: 256.1343642441124 - 1 is
# not 255.1343642441124.
B = Box(255.1343642441124, 180.1, 96.00000000000001, 95.9)


def test_motmetrics_reads_back_every_hidden_box_with_its_frame_and_id(tmp_path: Path) -> None:
    path = tmp_path / "boxes.csv"
    sink = MotSink(path, size=(640, 360))
    sink.write(hidden(0, [(3, A)]))
    sink.write(hidden(1, []))
    # A face held after one sighting and ahead of the next: two boxes of track 3 on one frame.
    sink.write(hidden(2, [(3, A), (8, B)], ahead=[(3, B)]))
    sink.close()
    table = motmetrics.io.loadtxt(str(path), fmt="mot15-2D")
    rows = {
        (frame, track): (row.X, row.Y, row.Width, row.Height, row.Confidence)
        for (frame, track), row in table.iterrows()
    }
    # Frames count from 1; ids number the faces from 1 in order of appearance, each (frame, id) once.
    assert sorted(rows) == [(1, 1), (3, 1), (3, 2), (3, 3)]
    for (frame, track), box in [((1, 1), A), ((3, 1), A), ((3, 2), B), ((3, 3), B)]:
        x, y, w, h, conf = rows[(frame, track)]
        assert (x, y, w, h) == pytest.approx((box.x, box.y, box.w, box.h), abs=1e-9)
        assert conf == pytest.approx(0.875)
    assert len(table) == 4


def test_rows_are_one_based_and_exact(tmp_path: Path) -> None:
    path = tmp_path / "boxes.csv"
    sink = MotSink(path)
    sink.write(hidden(0, [(1, B)]))
    sink.close()
    frame, track, left, top, width, height, conf, x, y, z = path.read_text().strip().split(",")
    assert (frame, track, conf, x, y, z) == ("1", "1", "0.875", "-1", "-1", "-1")
    # x + 1 in decimal, not in binary floating point: minus 1 it is the box's x to the last bit.
    assert float(Decimal(left) - 1) == B.x and top == "181.1"
    assert float(width) == B.w and float(height) == B.h


def test_a_frame_of_another_size_is_placed_where_the_video_shows_it(tmp_path: Path) -> None:
    path = tmp_path / "boxes.csv"
    sink = MotSink(path, size=(640, 360))
    # 800 x 600 fits at 0.6 times, 80 px from the left.
    sink.write(hidden(0, [(1, Box(100, 100, 50, 50))], size=(800, 600)))
    sink.close()
    assert path.read_text() == "1,1,141,61,30,30,0.875,-1,-1,-1\n"


def test_publishes_only_on_close_and_leaves_nothing_on_abort(tmp_path: Path) -> None:
    path = tmp_path / "boxes.csv"
    sink = MotSink(path)
    sink.write(hidden(0, [(1, A)]))
    sink.finish()
    assert not path.exists() and [p.name.endswith(".partial.csv") for p in tmp_path.iterdir()] == [True]
    sink.close()
    assert [p.name for p in tmp_path.iterdir()] == ["boxes.csv"]

    aborted = MotSink(tmp_path / "other.csv")
    aborted.write(hidden(0, [(1, A)]))
    aborted.abort()
    assert [p.name for p in tmp_path.iterdir()] == ["boxes.csv"]


def test_what_mot_cannot_hold_is_counted_in_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "boxes.csv"
    sink = MotSink(path)
    sink.write(hidden(0, [(1, A)], guarded=[Box(0, 0, 40, 360), Box(600, 0, 40, 360)]))
    sink.write(hidden(1, [], hidden_all=True))
    with caplog.at_level(logging.WARNING):
        sink.close()
    assert path.read_text().count("\n") == 1
    assert "1 frames hidden whole and 2 regions hidden for motion are not in it" in caplog.text


def test_no_warning_when_every_hidden_region_is_a_face(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sink = MotSink(tmp_path / "boxes.csv")
    sink.write(hidden(0, [(1, A)]))
    with caplog.at_level(logging.WARNING):
        sink.close()
    assert caplog.text == ""
