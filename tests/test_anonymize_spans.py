"""``anonymize --only`` (the output trimmed to time spans) and ``--hide-all`` (spans hidden whole):
what is written, when it is shown, its sound, the boxes files' numbering, and bad spans refused."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from installation.anonymize import anonymize_file
from installation.boxfiles import read_boxes
from installation.cli import main
from installation.effects import hide_everything
from installation.frames import Detection, Processed
from installation.geometry import Box
from installation.leak import leaks
from installation.spans import Span
from tests.test_anonymize import _beep_time, _decoded_times, _write_clip, run_cli

SIZE = (320, 240)
FACE = Box(120, 60, 70, 70)
FPS = 10


#: Where the frame numbers are written: along the bottom, clear of the edges (where the motion
#: guard hides whatever changes).
NUMBER_X = 100


def draw_number(image: np.ndarray, number: int) -> np.ndarray:
    """Write ``number`` (0-255) along the bottom as eight black or white squares."""
    h = image.shape[0]
    for bit in range(8):
        x = NUMBER_X + 12 * bit
        image[h - 12 : h, x : x + 12] = 255 if number >> bit & 1 else 0
    return image


def read_number(image: np.ndarray) -> int:
    """The number :func:`draw_number` wrote (it survives H.264)."""
    h = image.shape[0]
    x = NUMBER_X + 3
    return sum(
        1 << bit for bit in range(8) if image[h - 9 : h - 3, x + 12 * bit : x + 12 * bit + 6].mean() > 128
    )


@pytest.fixture(scope="module")
def pictures() -> list[np.ndarray]:
    """Fifty frames (5 s at 10 fps) of a still face before a textured wall, each numbered."""
    from tests.conftest import _room, paste_face

    rng = np.random.default_rng(11)
    frames = []
    for i in range(50):
        image = paste_face(_room(*SIZE).copy(), "astronaut", FACE)
        # A little noise of its own on every frame, as a camera has.
        image = np.clip(image.astype(np.int16) + rng.integers(-3, 4, image.shape), 0, 255).astype(np.uint8)
        frames.append(draw_number(image, i))
    return frames


def clip_of(pictures: list[np.ndarray], path: Path, beep_at: float | None = None) -> Path:
    return _write_clip(path, [i / FPS for i in range(len(pictures))], lambda i: pictures[i], SIZE, beep_at)


def test_only_writes_the_spans_one_after_another_each_frame_at_its_time_in_the_output(
    tmp_path: Path, pictures: list[np.ndarray]
) -> None:
    clip = clip_of(pictures, tmp_path / "visit.mp4")
    out = tmp_path / "out.mp4"
    # 1-2 s, and 3.5-4.2 s with 3.9-4.5 s (overlapping: one span, 3.5-4.5 s), given out of order.
    args = ["--only", "0:03.5-4.2", "--only", "1-2", "--only", "3.9-4.5", "--no-progress"]
    assert main(["anonymize", str(clip), "-o", str(out), *args]) == 0
    times, images = _decoded_times(out)
    assert [read_number(image) for image in images] == [*range(10, 20), *range(35, 45)]
    # The second span follows the first without a gap: every frame keeps its 0.1 s.
    assert max(abs(t - i / FPS) for i, t in enumerate(times)) < 0.001
    # Written frames are processed ones: the face is hidden on each.
    for image in images:
        assert leaks(pictures[read_number(image)], image, FACE) is False


def test_open_ended_spans_run_from_the_start_and_to_the_end(
    tmp_path: Path, pictures: list[np.ndarray]
) -> None:
    clip = clip_of(pictures, tmp_path / "visit.mp4")
    out = tmp_path / "out.mp4"
    assert (
        main(["anonymize", str(clip), "-o", str(out), "--only=-0.5", "--only", "4.5-", "--no-progress"]) == 0
    )
    _, images = _decoded_times(out)
    assert [read_number(image) for image in images] == [*range(0, 5), *range(45, 50)]


class BlindOn:
    """A real detector that sees nothing on the frames whose numbers are in ``blind``."""

    def __init__(self, blind: set[int]) -> None:
        from installation.detect import create_detector

        self.real = create_detector("yunet")
        self.blind = blind

    def detect(self, image: np.ndarray) -> list[Detection]:
        return [] if read_number(image) in self.blind else self.real.detect(image)

    def close(self) -> None:
        self.real.close()


def test_a_face_in_view_when_a_span_starts_is_tracked_from_before_it(
    tmp_path: Path, pictures: list[np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The detector misses the face for the span's first 1.4 s: more than the hold (1 s) reaches
    # back from its next sighting. Only the frames before the span, which the tracker sees too
    # (and which are not written), hide it on the span's first frames.
    import installation.anonymize as anonymize

    clip = clip_of(pictures, tmp_path / "visit.mp4")
    monkeypatch.setattr(anonymize, "create_detector", lambda *a, **k: BlindOn(set(range(20, 34))))
    written: list[Processed] = []
    anonymize_file(clip, None, only=[Span(2, 4)], progress=False, on_frame=lambda r: written.append(r))
    assert [r.frame.index for r in written] == list(range(20))
    assert abs(written[0].frame.timestamp) < 1e-9
    for result in written[:4]:
        # Held by the tracker since before the span: not found on the frame, nor held ahead of a
        # sighting after it.
        assert (len(result.faces), result.detections, result.ahead) == (1, [], []), result.frame.index
        assert leaks(pictures[read_number(result.frame.image)], result.image, FACE) is False


def test_only_keeps_the_sound_of_the_spans_in_step_with_their_pictures(
    tmp_path: Path, pictures: list[np.ndarray]
) -> None:
    # A beep at 3.2 s: in the output it is heard 0.5 s (the first span) + 0.7 s in.
    clip = clip_of(pictures, tmp_path / "visit.mp4", beep_at=3.2)
    out = tmp_path / "out.mp4"
    args = ["--only", "1-1.5", "--only", "2.5-4", "--keep-audio", "--no-progress"]
    proc = run_cli("anonymize", str(clip), "-o", str(out), *args)
    assert proc.returncode == 0, proc.stderr
    times, images = _decoded_times(out)
    assert [read_number(image) for image in images] == [*range(10, 15), *range(25, 40)]
    assert abs(_beep_time(out) - 1.2) < 0.01
    import av

    with av.open(str(out)) as container:
        sound = container.streams.audio[0]
        heard = sum(frame.samples for frame in container.decode(sound)) / sound.rate
    # As long as the pictures (2 s), give or take the encoder's last packet.
    assert abs(heard - 2.0) < 0.05


def test_boxes_files_are_numbered_as_the_trimmed_output(tmp_path: Path, pictures: list[np.ndarray]) -> None:
    clip = clip_of(pictures, tmp_path / "visit.mp4")
    out = tmp_path / "out.mp4"
    boxes = {name: tmp_path / name for name in ("boxes.json", "boxes.csv", "boxes.xml")}
    args = ["--only", "1-2", "--only", "3-3.5", "--no-progress"]
    args += ["--boxes-json", str(boxes["boxes.json"]), "--boxes-mot", str(boxes["boxes.csv"])]
    args += ["--boxes-cvat", str(boxes["boxes.xml"])]
    assert main(["anonymize", str(clip), "-o", str(out), *args]) == 0
    data = json.loads(boxes["boxes.json"].read_text())
    assert [entry["frame"] for entry in data["frames"]] == list(range(15))
    assert [entry["time"] for entry in data["frames"]] == [round(i / FPS, 4) for i in range(15)]
    assert all(entry["faces"] for entry in data["frames"])
    rows = [line.split(",") for line in boxes["boxes.csv"].read_text().splitlines()]
    assert sorted({int(row[0]) for row in rows}) == list(range(1, 16))
    root = ET.parse(boxes["boxes.xml"]).getroot()
    assert root.findtext("meta/task/size") == "15"
    assert {int(box.get("frame", "")) for box in root.iter("box") if box.get("outside") == "0"} == set(
        range(15)
    )
    for name in boxes:
        assert read_boxes(boxes[name]).check_frames(15) == []


def test_a_trimmed_export_renders_again_with_the_same_spans_exactly(
    tmp_path: Path, pictures: list[np.ndarray]
) -> None:
    clip = clip_of(pictures, tmp_path / "visit.mp4")
    spans = [Span(1, 2), Span(3, 3.5)]
    first: list[np.ndarray] = []
    hidden: list[int] = []

    def written(result: Processed) -> None:
        first.append(result.image.copy())
        if result.hidden_all:
            hidden.append(result.frame.index)

    anonymize_file(
        clip,
        None,
        only=spans,
        hide_all=[Span(1.5, 1.7), Span(3.4, 4)],
        boxes_cvat=tmp_path / "boxes.xml",
        progress=False,
        on_frame=written,
    )
    # Both options together: the frames at 1.5 and 1.6 s, and at 3.4 s, hidden whole, numbered
    # as in the trimmed output.
    assert hidden == [5, 6, 14]
    again: list[np.ndarray] = []
    anonymize_file(
        clip,
        None,
        only=spans,
        from_boxes=read_boxes(tmp_path / "boxes.xml"),
        progress=False,
        on_frame=lambda r: again.append(r.image.copy()),
    )
    assert len(first) == len(again) == 15
    for a, b in zip(first, again, strict=True):
        assert np.array_equal(a, b)


def test_hide_all_hides_every_frame_of_its_spans_whole_and_no_other(
    tmp_path: Path, pictures: list[np.ndarray]
) -> None:
    clip = clip_of(pictures, tmp_path / "visit.mp4")
    results: list[Processed] = []
    anonymize_file(
        clip,
        None,
        hide_all=[Span(1, 1.5), Span(3.3, 3.6)],
        progress=False,
        on_frame=lambda r: results.append(r),
    )
    hidden = [r.frame.index for r in results if r.hidden_all]
    assert hidden == [*range(10, 15), *range(33, 36)]
    wall = (slice(0, 40), slice(220, 320))  # away from the face and the numbers
    for result in results:
        if result.hidden_all:
            assert result.status == "hidden whole: --hide-all"
            assert np.array_equal(result.image, hide_everything(result.frame.image))
        else:
            assert np.array_equal(result.image[wall], result.frame.image[wall])
    assert len(results) == 50


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--only", "5-3"], "--only 5-3: the end (3 s) is not after the start (5 s)"),
        (["--only", "abc"], "--only abc: expected START-END, START- or -END"),
        (["--only", "1:75-2:00"], "--only 1:75-2:00: '1:75': seconds must be under 60 after a colon"),
        (["--hide-all", "1-x"], "--hide-all 1-x: 'x': expected seconds (12.5) or [HH:]MM:SS[.fff]"),
        (["--only", "-"], "--only -: give a start, an end or both around the -"),
        (["--only", "20-30"], "visit.mp4: --only: no frame of the video lies in 20-30 (it ends at 5.00 s)"),
    ],
)
def test_bad_spans_exit_2_with_one_line_naming_the_option_and_value(
    tmp_path: Path, pictures: list[np.ndarray], args: list[str], message: str
) -> None:
    clip = clip_of(pictures[:50], tmp_path / "visit.mp4")
    proc = run_cli("anonymize", str(clip), "-o", str(tmp_path / "out.mp4"), "--no-progress", *args)
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("installation")]
    assert len(lines) == 1 and message in lines[0], proc.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["visit.mp4"]


def test_a_span_past_the_end_is_written_to_the_end_with_one_warning(
    tmp_path: Path, pictures: list[np.ndarray], caplog: pytest.LogCaptureFixture
) -> None:
    clip = clip_of(pictures, tmp_path / "visit.mp4")
    out = tmp_path / "out.mp4"
    assert (
        main(["anonymize", str(clip), "-o", str(out), "--only", "4-9", "--only", "12-", "--no-progress"]) == 0
    )
    _, images = _decoded_times(out)
    assert [read_number(image) for image in images] == list(range(40, 50))
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warned == [
        f"{clip}: --only 4-9: the video ends at 5.00 s, within the span",
        f"{clip}: --only 12-: the video ends at 5.00 s, before the span starts",
    ]


def test_hide_all_alone_writes_every_frame_at_its_time(tmp_path: Path, pictures: list[np.ndarray]) -> None:
    clip = clip_of(pictures, tmp_path / "visit.mp4")
    out = tmp_path / "out.mp4"
    assert main(["anonymize", str(clip), "-o", str(out), "--hide-all", "2-2.2", "--no-progress"]) == 0
    times, images = _decoded_times(out)
    assert max(abs(t - i / FPS) for i, t in enumerate(times)) < 0.001
    shown = [read_number(image) for image in images]
    assert shown[:20] == list(range(20)) and shown[22:] == list(range(22, 50))
    # The two frames hidden whole keep nothing of the wall's texture (nor of their numbers).
    for image in images[20:22]:
        assert float(np.abs(np.diff(image.astype(np.int16), axis=1)).mean()) < 2


def test_boxes_of_the_whole_video_rendered_with_only_are_refused_with_a_hint(
    tmp_path: Path, pictures: list[np.ndarray]
) -> None:
    clip = clip_of(pictures, tmp_path / "visit.mp4")
    boxes = tmp_path / "boxes.csv"
    assert main(["anonymize", str(clip), "-o", str(tmp_path / "a.mp4"), "--boxes-mot", str(boxes)]) == 0
    out = tmp_path / "b.mp4"
    proc = run_cli("anonymize", str(clip), "-o", str(out), "--from-boxes", str(boxes), "--only", "1-2")
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("installation")]
    assert len(lines) == 1 and "the video has 10 frames" in lines[0], proc.stderr
    assert "give the --only spans the file was exported with" in lines[0]
    assert not out.exists()
