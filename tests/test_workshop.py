"""The workshop screen: what the model sees, the live threshold, the evasion challenge, the texts."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pygame
import pytest

from installation.cli import build_parser
from installation.config import CameraConfig, Config
from installation.control.model import RoomModel
from installation.control.state import ControlState
from installation.detect import FaceDetector, ModelInput, ModelWindow, create_detector
from installation.display.widgets import AMBER, CYAN, slider_track
from installation.display.workshop import WorkshopRenderer, workshop_regions
from installation.effects import Effect, apply_effect
from installation.errors import ConfigError
from installation.explanation import load_explanation
from installation.frames import Detection, Frame
from installation.geometry import Box
from installation.leak import leak_score
from installation.modes.workshop.model import describe_model, in_model, model_input, model_view
from installation.modes.workshop.room import WorkshopRoom
from installation.modes.workshop.session import EvasionTimer, Workshop
from installation.outputs import VideoWriter
from installation.pipeline import Processor
from installation.pipeline.fakes import FakeFeed
from installation.resources import explain_file, font_file
from installation.room import RoomOptions
from installation.track import TrackedFace, Tracker

SIZE = (1280, 720)
FPS = 30.0
SANS_REGULAR, SANS_BOLD = font_file("regular"), font_file("bold")
# Two clear faces, one half-hearted one and some face-like texture: scores spread from 0.1 to 0.9.
GROUP = (
    ("astronaut", Box(150, 250, 150, 150)),
    ("grace", Box(560, 250, 110, 110)),
    ("astronaut", Box(950, 300, 80, 80)),
)


def _screen(surface: pygame.Surface | None) -> np.ndarray:
    assert surface is not None
    return pygame.surfarray.array3d(surface).swapaxes(0, 1)[:, :, ::-1].copy()  # BGR rows


def _count(image: np.ndarray, colour: tuple[int, int, int], rect: pygame.Rect) -> int:
    part = image[rect.top : rect.bottom, rect.left : rect.right].astype(int)
    return int((np.abs(part - colour[::-1]).sum(axis=2) < 40).sum())


def _group_clip(tmp_path: Path, scene: Callable[..., np.ndarray]) -> Path:
    path = tmp_path / "group.mp4"
    with VideoWriter(path, fps=FPS, size=SIZE, threaded=False) as writer:
        image = scene(*GROUP)
        for _ in range(10):
            writer.write(image)
    return path


# -- the threshold ----------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["blazeface-short", "yunet"])
def test_moving_the_threshold_slider_changes_the_number_of_detections(
    tmp_path: Path, scene: Callable[..., np.ndarray], spec: str
) -> None:
    camera = CameraConfig(source=str(_group_clip(tmp_path, scene)), name="Group", detector=spec)
    config = Config(cameras=[camera])
    config.display.fps = 240  # as fast as the machine goes: the test counts frames, not seconds
    config.effect.allow_exposed = True  # the workshop's own default: the slider goes up as well as down
    app = WorkshopRoom(config, RoomOptions(headless=True, size=SIZE, live=False))
    app.start()
    try:
        renderer = app.renderer
        assert isinstance(renderer, WorkshopRenderer)
        detector = app.feeds[0].detector
        assert detector is not None

        def settle() -> int:
            """Step until three results made after now are in; how many faces the newest has."""
            start = renderer.model.views[0].seq
            for _ in range(2000):
                app.step()
                if renderer.model.views[0].seq >= start + 3 and renderer._seen is not None:
                    if renderer._seen.key[1] == renderer.model.views[0].seq:
                        break
            else:
                pytest.fail("no new processed frame arrived")
            processed = renderer.model.views[0].processed
            assert processed is not None
            # Every detection is drawn on the model's view (a face where the squares overlap, on both).
            drawn = {d.score for boxes in renderer._seen.boxes for d in boxes}
            assert drawn == {d.score for d in processed.detections}
            return len(processed.detections)

        settle()
        counts, cyan = [], []
        # BlazeFace compares its scores with the threshold plus 0.3: the same spread, lower on the slider.
        values = (0.12, 0.3, 0.6, 0.95) if spec == "yunet" else (0.12, 0.3, 0.69)
        for value in values:
            spot = renderer.pointer.find("threshold")
            assert spot is not None
            track = slider_track(spot.rect)
            pos = (track.left + round(value * track.width), track.centery)
            pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1))
            pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1))
            app.step()
            assert detector.threshold == pytest.approx(value, abs=0.01)
            counts.append(settle())
            cyan.append(_count(_screen(app.screen), CYAN, renderer.wregions.model))
        # Faces (and face-like texture) disappear as the threshold rises: BlazeFace's scores
        # spread, one by one; YuNet scores the three clear faces alike (about 0.93), so they go together.
        assert counts[0] >= 3 and counts[-1] == 0
        if spec == "yunet":
            assert counts[1:] == [3, 3, 0], counts
        else:
            assert all(a > b for a, b in zip(counts, counts[1:], strict=False)), counts
        assert cyan[0] > cyan[-1]
    finally:
        app.close()


def test_threshold_keys_move_the_live_detector(short: FaceDetector) -> None:
    feed = FakeFeed("Door", detector=short)
    short.threshold = 0.5
    renderer = WorkshopRenderer(RoomModel([feed], ControlState()), workshop=Workshop(), size=SIZE)
    renderer.key(pygame.K_PERIOD)
    assert short.threshold == pytest.approx(0.55)
    for _ in range(30):
        renderer.key(pygame.K_COMMA)
    assert short.threshold == pytest.approx(Workshop.LOWEST)


def test_where_faces_must_never_be_shown_the_threshold_only_goes_down(short: FaceDetector) -> None:
    feed = FakeFeed("Door", detector=short)
    short.threshold = 0.5
    workshop = Workshop(allow_raise=False)
    workshop.set_threshold(feed, 0.95)
    assert short.threshold == pytest.approx(0.5)
    workshop.set_threshold(feed, 0.2)
    assert short.threshold == pytest.approx(0.2)
    workshop.set_threshold(feed, 0.7)
    assert short.threshold == pytest.approx(0.5)
    config = Config(cameras=[CameraConfig(source="pattern:bars", name="Bars")])
    config.effect.allow_exposed = False
    assert not WorkshopRoom(config, RoomOptions(headless=True)).workshop.allow_raise


# -- what the model sees ------------------------------------------------------------------


def test_model_input_matches_how_each_detector_looks_at_a_frame(short: FaceDetector) -> None:
    wide = model_input(short, 1280, 720)
    assert [w.size for w in wide.windows] == [(128, 128)] * 2 and wide.tiles == 0
    assert wide.windows[0].region.x == 0 and wide.windows[-1].region.x + wide.windows[-1].region.w == 1280
    assert len(model_input(short, 640, 480).windows) == 1  # squarer frames are run whole
    with create_detector("full", small_faces=True) as full:
        room = model_input(full, 1280, 720)
    assert [w.size for w in room.windows] == [(192, 192)] and room.tiles > 0
    with create_detector("yunet") as yunet:
        passes = model_input(yunet, 1280, 720)
    assert [w.size for w in passes.windows] == [(1280, 720), (640, 360)] and passes.tiles == 0
    # The half-size pass also gets a quarter of its width mirrored onto each side.
    assert [w.mirrored_px for w in passes.windows] == [0, 160]
    with create_detector("yunet-half+blazeface-full", small_faces=True) as both:
        combined = model_input(both, 1280, 720)
    assert combined.models == ["yunet", "blazeface-full"] and combined.tiles == room.tiles


def test_the_model_line_names_the_detector_in_use_in_each_language() -> None:
    words = load_explanation()
    whole = Box(0, 0, 1280, 720)
    yunet = ModelInput((ModelWindow("yunet", whole, (1280, 720)), ModelWindow("yunet", whole, (640, 360))))
    assert describe_model(yunet, words, "en") == "YuNet: whole frame at 1280 × 720 + 640 × 360 pixels"
    assert describe_model(yunet, words, "zh") == "YuNet: 整个画面，1280 × 720 + 640 × 360 像素"
    near = ModelInput(
        (
            ModelWindow("blazeface-short", Box(0, 0, 720, 720), (128, 128)),
            ModelWindow("blazeface-short", Box(560, 0, 720, 720), (128, 128)),
        ),
        tiles=3,
    )
    line = describe_model(near, words, "zh")
    assert line.startswith("BlazeFace（近处）: 2 个 128 × 128 像素的方块") and "3 个高清小块" in line


def test_the_yunet_view_is_the_whole_frame_at_each_pass_size(scene: Callable[..., np.ndarray]) -> None:
    face = Box(500, 150, 200, 200)
    frame = scene(("astronaut", face))
    whole = Box(0, 0, 1280, 720)
    model = ModelInput((ModelWindow("yunet", whole, (1280, 720)), ModelWindow("yunet", whole, (640, 360))))
    full, half = model_view(frame, model)
    assert full.shape == (720, 1280, 3) and half.shape == (360, 640, 3)
    assert np.array_equal(full, frame)  # nothing letterboxed or cut
    (drawn,) = in_model([Detection(face, 0.9)], model.windows[1])
    assert (drawn.box.x, drawn.box.y, drawn.box.w, drawn.box.h) == (250, 75, 100, 100)


def test_the_view_shows_the_mirrored_sides_the_model_is_given(scene: Callable[..., np.ndarray]) -> None:
    face = Box(1180, 200, 200, 200)  # half of it out of the frame on the right
    frame = scene(("astronaut", face))
    whole = Box(0, 0, 1280, 720)
    words = load_explanation()
    model = ModelInput((ModelWindow("yunet", whole, (640, 360), mirrored=0.25),))
    (half,) = model_view(frame, model)
    assert half.shape == (360, 960, 3)
    small = cv2.resize(frame, (640, 360), interpolation=cv2.INTER_AREA)
    assert np.array_equal(half[:, 160:800], small)
    # The right side is the frame's right edge mirrored: the cut face made whole.
    assert np.array_equal(half[:, 800:], small[:, ::-1][:, :160])
    (drawn,) = in_model([Detection(Box(1180, 200, 100, 200), 0.9)], model.windows[0])
    assert (drawn.box.x, drawn.box.w) == (160 + 590, 50)
    assert describe_model(model, words, "en") == "YuNet: 640 × 360 pixels   (sides mirrored)"
    assert "镜像" in describe_model(model, words, "zh")


def test_model_view_keeps_hidden_what_the_feed_hides(scene: Callable[..., np.ndarray]) -> None:
    face = Box(500, 150, 320, 320)
    original = scene(("astronaut", face))
    model = ModelInput((ModelWindow("blazeface-full", Box(0, 0, 1280, 720), (192, 192)),))
    scale = 192 / 1280
    small_face = Box(face.x * scale, face.y * scale + (192 - 720 * scale) / 2, face.w * scale, face.h * scale)
    (seen,) = model_view(original, model)
    blurred = apply_effect(original, [face], Effect.BLUR, 0.5)
    (hidden,) = model_view(blurred, model)
    unchanged = leak_score(seen, seen, small_face)
    assert unchanged is not None and unchanged > 0.9
    shown = leak_score(seen, hidden, small_face)
    assert shown is not None and shown < 0.5


# -- the evasion challenge ------------------------------------------------------------------


def test_evasion_timer_starts_when_the_tracked_face_disappears_and_stops_when_it_returns(
    short: FaceDetector, scene: Callable[..., np.ndarray]
) -> None:
    """A real detector and tracker on a face that is there, then gone for three seconds, then back.

    The clock is the frames' timestamps, handed to the timer.
    """
    face_scene, empty = scene(("astronaut", Box(540, 200, 200, 200))), scene()
    processor = Processor(short, Tracker(hold_seconds=1.0))
    timer = EvasionTimer()
    last_seen: float | None = None
    started: float | None = None
    stopped: float | None = None
    running = []
    for i in range(180):
        t = i / FPS
        image = empty if 30 <= i < 120 else face_scene
        out = processor.process(Frame(image, i, t, "kiosk"), Effect.BLUR, 0.5)
        timer.observe(out.faces, t)
        running.append(timer.running)
        if any(f.misses == 0 and f.confirmed for f in out.faces):
            if started is None:
                last_seen = t
            elif stopped is None:
                stopped = t
        if timer.running and started is None:
            started = t
            assert not out.faces  # it starts the moment the tracker lets go of the face ...
            assert last_seen is not None
            assert timer.elapsed(t) == pytest.approx(t - last_seen)  # ... counted from the last sighting
    assert last_seen is not None and last_seen == pytest.approx(29 / FPS)
    assert not any(running[:30])  # seen
    assert started is not None and 1.0 <= started < 2.2  # held for the tracker's hold, then lost
    assert stopped is not None and 4.0 <= stopped < 4.2  # found again within a few frames
    assert not timer.running and not any(running[round(stopped * FPS) :])
    assert timer.last == pytest.approx(stopped - last_seen)
    assert timer.best == timer.last
    # A shorter escape later does not beat the best; the best stays for the session.
    face = TrackedFace(9, Box(0, 0, 99, 99), 0.9, misses=0, age=5, confirmed=True)
    timer.observe([face], 10.0)
    timer.observe([], 11.0)
    timer.observe([face], 11.5)
    assert timer.last == pytest.approx(1.5) and timer.best == pytest.approx(stopped - last_seen)


def test_a_visitor_who_never_comes_back_sets_no_record() -> None:
    face = TrackedFace(1, Box(0, 0, 99, 99), 0.9, misses=0, age=5, confirmed=True)
    timer = EvasionTimer(max_run=60.0)
    timer.observe([face], 0.0)
    timer.observe([], 1.0)
    assert timer.running
    timer.observe([], 70.0)  # gone for longer than any escape: they left
    assert not timer.running
    timer.observe([face], 400.0)  # someone else arrives
    assert timer.best is None and timer.last is None


@pytest.mark.usefixtures("video")
def test_the_challenge_shows_the_running_clock_and_switching_camera_starts_over() -> None:
    workshop = Workshop()
    face = TrackedFace(1, Box(0, 0, 99, 99), 0.9, misses=0, age=5, confirmed=True)
    workshop.observe(0, 1, [face], 10.0)
    workshop.observe(0, 2, [], 11.0)
    renderer = WorkshopRenderer(RoomModel([], ControlState(cameras=2)), workshop=workshop, size=SIZE)
    canvas = pygame.Surface(SIZE)
    renderer.model.update(12.0)
    renderer.draw(canvas, 12.0)
    assert workshop.timer.running and workshop.timer.elapsed(12.0) == pytest.approx(2.0)
    assert _count(_screen(canvas), AMBER, renderer.wregions.challenge) > 200
    workshop.observe(1, 1, [], 12.5)  # the facilitator switched camera: another visitor
    assert not workshop.timer.running
    renderer.draw(canvas, 13.0)
    assert _count(_screen(canvas), AMBER, renderer.wregions.challenge) == 0


# -- the texts --------------------------------------------------------------------------------


def _missing(path: Path, characters: set[str]) -> list[str]:
    from fontTools.ttLib import TTFont

    cmap = TTFont(path).getBestCmap()
    return sorted(ch for ch in characters if ord(ch) not in cmap and ch not in "\n")


@pytest.mark.parametrize("path", [SANS_REGULAR, SANS_BOLD], ids=["regular", "bold"])
def test_every_workshop_character_has_a_glyph(path: Path) -> None:
    missing = _missing(path, {ch for s in load_explanation().strings() for ch in s})
    assert not missing, f"{path.name} lacks {''.join(missing)!r}: run assets/fonts/make_subset.py"


def test_the_explanation_covers_detection_failure_and_what_is_kept_in_both_languages() -> None:
    words = load_explanation()
    assert [s.key for s in words.sections] == ["how", "fail", "keeps"]
    for section in words.sections:
        assert section.body["en"] != section.body["zh"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in section.body["zh"])


def test_an_explanation_file_missing_a_language_names_the_file_and_entry(tmp_path: Path) -> None:
    broken = tmp_path / "explain.toml"
    broken.write_text(
        explain_file().read_text(encoding="utf-8").replace('zh.body = "不保存', 'xx = "不保存'),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"explain.toml: section\[2\].body: needs both"):
        load_explanation(broken)


# -- the whole screen ---------------------------------------------------------------------------


def test_workshop_command_draws_the_screen_in_the_chosen_language(tmp_path: Path) -> None:
    config = tmp_path / "room.toml"
    config.write_text(
        '[room]\nlanguage = "zh"\n[[cameras]]\nname = "Bars"\nsource = "pattern:bars?size=640x360"\n',
        encoding="utf-8",
    )
    shot = tmp_path / "workshop.png"
    # Parsed as the command line does, run without the room's log file (a test writes none).
    args = build_parser().parse_args(
        [
            "workshop",
            "--config",
            str(config),
            "--headless",
            "--size",
            "960x540",
            "--frames",
            "20",
            "--screenshot",
            str(shot),
            "--no-stats",
        ]
    )
    assert args.func(args) == 0
    image = cv2.imread(str(shot))
    assert image.shape == (540, 960, 3)
    # The explanation panel under the feed carries text (not an empty band).
    r = workshop_regions(960, 540).explain
    assert image[r.top : r.bottom, r.left : r.right].std() > 10
