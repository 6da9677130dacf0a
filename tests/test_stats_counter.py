"""Anonymous statistics: counting a running room, per camera and minute, into the file."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"

import csv
from datetime import datetime
from pathlib import Path

import pygame
import pytest

from installation.cli import main
from installation.config import demo_config
from installation.groundtruth import bundled_clips, load_ground_truth
from installation.pipeline import build_processor
from installation.room import Room, RoomOptions
from installation.sources import open_source
from installation.stats.counter import StatsCounter, attach_stats
from installation.stats.store import COLUMNS, DATA_DIR_ENV, Counts, StatsLog, stats_file

CLIPS = {clip.stem: clip for clip in bundled_clips()}
# A Wednesday, 08:00 UTC: any fixed moment does, the clock is injected.
EPOCH = 1_714_550_400.0


@pytest.fixture(autouse=True)
def _no_user_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing a test counts may land in the real user data folder."""
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))


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
    app = Room(config, RoomOptions(headless=True, size=(960, 540), live=False))
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
            view = renderer.model.views[0]
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
        # A busy machine may lose the face for a while: the exposed face must be on screen once.
        shown = 0
        while app.frames < first[0] + 90 or (not shown and app.frames < first[0] + 900):
            app.step()
            view = renderer.model.views[0]
            shown += view.processed is not None and view.processed.exposed
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
    from installation.control.state import ControlChange, InputKind

    config = demo_config()
    kiosk = next(c for c in config.cameras if c.name == "Kiosk")
    door = tmp_path / "door.mp4"  # a recording of our own, not the bundled footage
    door.write_bytes(Path(kiosk.source).read_bytes())
    config.cameras = [kiosk, CameraConfig(source=str(door), name="Door")]
    counter = attach_stats(Room(config, RoomOptions(headless=True)), directory=tmp_path, clock=lambda: EPOCH)
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
    app = Room(config, RoomOptions(headless=True))
    assert attach_stats(app, directory=tmp_path) is None
    assert app.listeners == ()


def test_a_folder_that_cannot_be_written_keeps_the_counts_and_the_room_going(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("", encoding="utf-8")
    counter = StatsCounter(StatsLog(blocked / "stats.csv"), clock=lambda: EPOCH)
    from installation.control.state import ControlChange, InputKind

    counter.control(ControlChange("effect", "pixelate", InputKind.TOUCH), "Kiosk")
    assert counter.close() == []
    assert counter.pending().by_touch == 1


def test_a_drag_on_the_strength_counts_once_but_other_changes_each_count() -> None:
    from installation.control.state import ControlChange, InputKind

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
