"""Anonymous statistics: counting, the append-only CSV, and ``installation stats``."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"

import csv
from datetime import datetime
from pathlib import Path

import cv2
import pygame
import pytest

from installation.app import App, RoomOptions
from installation.cli import main
from installation.config import demo_config
from installation.groundtruth import bundled_clips, load_ground_truth
from installation.pipeline import build_processor
from installation.sources import open_source
from installation.stats import (
    COLUMNS,
    DATA_DIR_ENV,
    Counts,
    Row,
    StatsCounter,
    StatsLog,
    attach_stats,
    stats_file,
)

CLIPS = {clip.stem: clip for clip in bundled_clips()}
# A Wednesday, 08:00 UTC: any fixed moment does, the clock is injected.
EPOCH = 1_714_550_400.0


@pytest.fixture(autouse=True)
def _no_user_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing a test counts may land in the real user data folder."""
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))


def _minute(hour: int, minute: int) -> datetime:
    return datetime(2024, 5, 1, hour, minute)


# -- counting the bundled footage ---------------------------------------------------------


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=() if n == "kiosk" else pytest.mark.slow) for n in sorted(CLIPS)]
)
def test_a_demo_run_counts_the_faces_of_the_footage_within_one(name: str, tmp_path: Path) -> None:
    """The demo's camera for one clip, through the statistics counter, with an injected clock.

    In ``installation demo`` each camera's worker runs this same processor on
    every frame it gets and the room's observer hands the counter the newest
    result each drawn frame. Here the pipeline runs in batch over every frame
    of the clip and the counter sees each result once, at the frame's own
    time: the same counting, but deterministic and independent of how fast
    the test machine is. A face counts once followed for three seconds, so
    skipping frames (as the live room may) does not change the count.
    """
    config = demo_config()
    camera = next(c for c in config.cameras if Path(c.source).stem == name)
    truth = load_ground_truth(camera.source)
    log = StatsLog(tmp_path / "stats.csv")
    counter = StatsCounter(log, clock=lambda: pytest.fail("the frame times are the clock here"))
    processor = build_processor(camera, config)
    source = open_source(camera.source)
    try:
        while (frame := source.read()) is not None:
            result = processor.process(frame, config.effect.kind, config.effect.strength)
            counter.observe([(camera.name, result, True)], now=EPOCH + frame.timestamp)
    finally:
        source.close()
        processor.detector.close()
    counter.close()
    rows = log.read().rows
    assert rows and {r.camera for r in rows} == {camera.name}
    faces = sum(r.counts.faces_seen for r in rows)
    people = len(truth.track_ids())
    assert abs(faces - people) <= 1, f"{faces} faces counted, {people} in the clip"
    # Faces were on screen about as long as the clip has any face, all of it hidden (blur).
    with_faces = sum(1 for f in truth.frames if f) / truth.fps
    shown = sum(r.counts.hidden_s for r in rows)
    assert sum(r.counts.exposed_s for r in rows) == 0
    assert with_faces * 0.8 <= shown <= truth.duration + 0.1


def test_a_room_run_appends_each_finished_minute_and_the_rest_on_close(tmp_path: Path) -> None:
    config = demo_config()
    config.cameras = [c for c in config.cameras if c.name == "Kiosk"]
    config.display.fps = 240  # as fast as the machine goes: the clock below counts frames
    app = App(config, RoomOptions(headless=True, size=(960, 540), live=False))
    start = EPOCH + 58.0  # two seconds before a minute ends
    # The clock stands still until the camera's first face is on screen (however long the
    # detector takes to start on a busy machine), then counts frames at 30 a second.
    first: list[int] = []
    counter = attach_stats(
        app, directory=tmp_path, clock=lambda: start + (app.frames - first[0]) / 30 if first else start
    )
    assert counter is not None
    path = tmp_path / "stats.csv"
    app.start()
    try:
        renderer = app.renderer
        assert renderer is not None
        for _ in range(900):
            app.step()
            view = renderer.views[0]
            if view.processed is not None and view.processed.faces:
                first.append(app.frames)
                break
        else:
            pytest.fail("no face appeared")
        for key in (pygame.K_p, pygame.K_UP, pygame.K_UP, pygame.K_UP, pygame.K_l):  # one drag-like gesture
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode=""))
        app.step()
        spot = renderer.pointer.find("effect.exposed")
        assert spot is not None
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=spot.rect.center, button=1))
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=spot.rect.center, button=1))
        while app.frames < first[0] + 90:
            app.step()
        assert path.exists(), "the first minute is written as soon as it ends"
        during = StatsLog(path).read().rows
        assert during and all(r.minute == datetime.fromtimestamp(EPOCH).replace(second=0) for r in during)
    finally:
        app.close()
    reading = StatsLog(path).read()
    assert not reading.problems
    total = Counts()
    for row in reading.rows:
        total.add(row.counts)
    assert len({r.minute for r in reading.rows}) == 2
    assert (total.by_key, total.by_touch, total.by_panel) == (3, 1, 0)
    assert (total.effect_changes, total.strength_changes, total.language_changes) == (2, 1, 1)
    assert total.hidden_s > 0 and total.exposed_s > 0
    # Nothing but counts: the fixed columns, and every count a number.
    with open(path, encoding="utf-8", newline="") as f:
        lines = list(csv.reader(f))
    assert tuple(lines[0]) == COLUMNS
    for line in lines[1:]:
        assert line[0] == "demo" and line[2] == "Kiosk"  # the bundled footage: not visitors
        assert all(float(cell) >= 0 for cell in line[3:])


def test_cameras_on_the_bundled_footage_are_counted_apart_from_visitors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A demo run's faces are the footage's: ``stats`` leaves them out unless asked with ``--demo``."""
    from installation.config import CameraConfig
    from installation.state import ControlChange, InputKind

    config = demo_config()
    kiosk = next(c for c in config.cameras if c.name == "Kiosk")
    door = tmp_path / "door.mp4"  # a recording of our own, not the bundled footage
    door.write_bytes(Path(kiosk.source).read_bytes())
    config.cameras = [kiosk, CameraConfig(source=str(door), name="Door")]
    counter = attach_stats(App(config, RoomOptions(headless=True)), directory=tmp_path, clock=lambda: EPOCH)
    assert counter is not None
    for camera in ("Kiosk", "Door", "Door"):
        counter.control(ControlChange("effect", "pixelate", InputKind.TOUCH), camera)
    counter.close()
    with open(stats_file(tmp_path), encoding="utf-8", newline="") as f:
        assert sorted((line[0], line[2], line[6]) for line in list(csv.reader(f))[1:]) == [
            ("demo", "Kiosk", "1"),
            ("minute", "Door", "2"),
        ]
    assert main(["stats", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert [line.split()[0] for line in out.splitlines() if line.startswith(("Door", "Kiosk"))] == ["Door"]
    assert "not shown: 1 minute(s) counted on the bundled demo footage" in out and "stats --demo" in out
    assert main(["stats", "--data-dir", str(tmp_path), "--demo"]) == 0
    out = capsys.readouterr().out
    assert "demo runs on the bundled footage only" in out.splitlines()[0]
    assert [line.split()[0] for line in out.splitlines() if line.startswith(("Door", "Kiosk"))] == ["Kiosk"]
    assert "by touch 1," in out


def test_statistics_can_be_switched_off_in_the_config(tmp_path: Path) -> None:
    config = demo_config()
    config.stats.enabled = False
    app = App(config, RoomOptions(headless=True))
    assert attach_stats(app, directory=tmp_path) is None
    assert app.observers == [] and app.closers == []


def test_a_folder_that_cannot_be_written_keeps_the_counts_and_the_room_going(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("", encoding="utf-8")
    counter = StatsCounter(StatsLog(blocked / "stats.csv"), clock=lambda: EPOCH)
    from installation.state import ControlChange, InputKind

    counter.control(ControlChange("effect", "pixelate", InputKind.TOUCH), "Kiosk")
    assert counter.close() == []
    assert counter.pending().by_touch == 1


def test_a_drag_on_the_strength_counts_once_but_other_changes_each_count() -> None:
    from installation.state import ControlChange, InputKind

    counter = StatsCounter(None)
    for i in range(20):  # a finger sliding for two thirds of a second
        counter.control(ControlChange("strength", i / 20, InputKind.TOUCH), "Hall", now=EPOCH + i / 30)
    counter.control(ControlChange("strength", 0.1, InputKind.PANEL), "Hall", now=EPOCH + 0.7)
    counter.control(ControlChange("strength", 0.9, InputKind.TOUCH), "Hall", now=EPOCH + 5.0)
    counter.control(ControlChange("boxes", True, InputKind.SYSTEM), "Hall", now=EPOCH + 6.0)
    counter.control(ControlChange("camera", 2, InputKind.KEY), "Lobby", now=EPOCH + 6.0)
    total = counter.pending()
    assert (total.strength_changes, total.by_touch, total.by_panel) == (3, 2, 1)
    assert (total.camera_changes, total.by_key, total.view_changes) == (1, 1, 0)


# -- the file and the command ----------------------------------------------------------------


def test_a_csv_with_corrupt_lines_still_loads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = stats_file(tmp_path)
    log = StatsLog(path)
    log.append([Row("minute", _minute(10, 0), "Kiosk", Counts(faces_seen=2, hidden_s=30.0))])
    with open(path, "a", encoding="utf-8") as f:
        f.write("minute,2024-05-01T10:01,Kiosk,three,0,0,0,0,0,0,0,0,0,0\n")
        f.write("\x00\x00#$%\n")
        f.write("minute,2024-05-01T10:02,Kio")  # the room lost power mid-line
    log.append([Row("minute", _minute(10, 3), "Kiosk", Counts(faces_seen=1, exposed_s=12.0))])
    assert main(["stats", "--data-dir", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    problems = err.strip().splitlines()
    assert [p.split(": skipped")[0] for p in problems] == [f"{path}:{n}" for n in (3, 4, 5)]
    assert "faces_seen 'three' is not a number" in problems[0]
    kiosk = next(line for line in out.splitlines() if line.startswith("Kiosk"))
    assert kiosk.split()[:2] == ["Kiosk", "3"]
    assert StatsLog(path).read().rows[-1].minute == _minute(10, 3)


def test_camera_names_lose_no_row_and_never_become_formulas(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Camera names are free text in the config; the file must survive any of them, in the room's own
    reader and in a spreadsheet."""
    names = [
        "Hall\nEast",
        "Door\u2028West",
        "Foyer\r\nSouth",
        '=HYPERLINK("http://example.com","x")',
        "+41 entrance",
        "-1 floor",
        "@SUM(A1:A9)",
        "'=quoted already",
        "Stairs, upper",
    ]
    path = stats_file(tmp_path)
    StatsLog(path).append(
        [Row("minute", _minute(10, i), name, Counts(faces_seen=i + 1)) for i, name in enumerate(names)]
    )
    reading = StatsLog(path).read()
    assert not reading.problems
    assert [r.counts.faces_seen for r in reading.rows] == list(range(1, len(names) + 1))
    assert [r.camera for r in reading.rows] == ["Hall East", "Door West", "Foyer  South", *names[3:]]
    # One physical line a row, and no cell a spreadsheet would evaluate.
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) == len(names) + 1
    with open(path, encoding="utf-8", newline="") as f:
        cells = [cell for line in csv.reader(f) for cell in line]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert main(["stats", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "\n=HYPERLINK(" in out and "\n'=quoted already " in out


def test_a_statistics_file_from_older_versions_still_loads(tmp_path: Path) -> None:
    """As the room wrote it before names were neutralised: a name with a line break quoted over two
    lines, a U+2028 left as it was, a formula as it was."""
    path = stats_file(tmp_path)
    zeros = ",0" * 8
    path.write_text(
        ",".join(COLUMNS) + "\n"
        f"minute,2024-05-01T10:00,Kiosk,2,1.5,40.0{zeros}\n"
        f'minute,2024-05-01T10:01,"Hall\nEast",1,0.0,12.0{zeros}\n'
        f"minute,2024-05-01T10:02,Door\u2028West,3,0.0,30.0{zeros}\n"
        f"minute,2024-05-01T10:03,=1+1,4,0.0,5.0{zeros}\n"
        "session,2024-05-01T11:00,,,,,,,,,,,,\n"
        f"minute,2024-05-01T11:05,Kiosk,5,0.0,50.0{zeros}\n",
        encoding="utf-8",
    )
    reading = StatsLog(path).read()
    assert not reading.problems
    assert [(r.kind, r.camera, r.counts.faces_seen) for r in reading.rows] == [
        ("minute", "Kiosk", 2),
        ("minute", "Hall\nEast", 1),
        ("minute", "Door\u2028West", 3),
        ("minute", "=1+1", 4),
        ("session", "", 0),
        ("minute", "Kiosk", 5),
    ]
    assert reading.rows[0].counts.hidden_s == 40.0 and reading.sessions == 2


def test_a_line_cut_short_inside_a_quoted_name_costs_that_line_only(tmp_path: Path) -> None:
    path = stats_file(tmp_path)
    log = StatsLog(path)
    log.append([Row("minute", _minute(10, 0), "Kiosk", Counts(faces_seen=1))])
    with open(path, "a", encoding="utf-8") as f:
        f.write('minute,2024-05-01T10:01,"Stairs, up')  # the power went here
    log.append([Row("minute", _minute(10, m), "Kiosk", Counts(faces_seen=m)) for m in range(2, 6)])
    reading = log.read()
    assert [r.counts.faces_seen for r in reading.rows] == [1, 2, 3, 4, 5]
    assert len(reading.problems) == 1 and reading.problems[0].startswith(f"{path}:3: skipped")


def test_stats_plot_writes_a_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = StatsLog(stats_file(tmp_path))
    log.append(
        [
            Row(
                "minute",
                _minute(14, 5),
                "Kiosk",
                Counts(
                    faces_seen=4,
                    hidden_s=200.0,
                    exposed_s=15.0,
                    by_touch=6,
                    effect_changes=4,
                    strength_changes=2,
                ),
            ),
            Row(
                "minute",
                _minute(15, 40),
                "Hall",
                Counts(faces_seen=9, hidden_s=540.0, by_panel=2, camera_changes=2),
            ),
        ]
    )
    png = tmp_path / "chart.png"
    assert main(["stats", "--data-dir", str(tmp_path), "--plot", str(png)]) == 0
    assert f"chart written to {png}" in capsys.readouterr().out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = cv2.imread(str(png))
    assert image.shape == (675, 1200, 3) and image.std() > 5
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_plotting_into_a_missing_folder_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stats", "--data-dir", str(tmp_path), "--plot", str(tmp_path / "no" / "chart.png")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_reset_starts_a_new_session_and_deletes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = stats_file(tmp_path)
    StatsLog(path).append([Row("minute", _minute(9, 0), "Kiosk", Counts(faces_seen=5, hidden_s=60.0))])
    before = path.read_text(encoding="utf-8")
    assert main(["stats", "--data-dir", str(tmp_path), "--reset"]) == 0
    message = capsys.readouterr().out
    assert "Started session 2" in message and "Nothing was deleted" in message
    assert path.read_text(encoding="utf-8").startswith(before)
    StatsLog(path).append(
        [
            Row(
                "minute",
                datetime.now().replace(second=0, microsecond=0),
                "Kiosk",
                Counts(faces_seen=1, hidden_s=4.0),
            )
        ]
    )
    assert main(["stats", "--data-dir", str(tmp_path), "--session"]) == 0
    session = capsys.readouterr().out
    assert "session 2 of 2" in session
    assert next(line for line in session.splitlines() if line.startswith("Kiosk")).split()[1] == "1"
    assert main(["stats", "--data-dir", str(tmp_path)]) == 0
    everything = capsys.readouterr().out
    assert next(line for line in everything.splitlines() if line.startswith("Kiosk")).split()[1] == "6"


def test_since_keeps_later_minutes_and_a_bad_value_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    StatsLog(stats_file(tmp_path)).append(
        [
            Row("minute", _minute(9, 0), "Kiosk", Counts(faces_seen=5)),
            Row("minute", _minute(11, 0), "Kiosk", Counts(faces_seen=2)),
        ]
    )
    assert main(["stats", "--data-dir", str(tmp_path), "--since", "2024-05-01 10:00"]) == 0
    out = capsys.readouterr().out
    assert next(line for line in out.splitlines() if line.startswith("Kiosk")).split()[1] == "2"
    assert main(["stats", "--data-dir", str(tmp_path), "--since", "last tuesday"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("installation stats: --since")


def test_the_data_folder_comes_from_the_environment_unless_given(tmp_path: Path) -> None:
    assert stats_file() == tmp_path / "data" / "stats.csv"
    assert stats_file(tmp_path / "elsewhere") == tmp_path / "elsewhere" / "stats.csv"
