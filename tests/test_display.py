"""The monitoring room's screen, drawn headless: layouts, controls, panel, cards, fonts."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"

import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
import pygame
import pytest

from installation.control.input import VisitorInput
from installation.control.model import RoomModel
from installation.control.pointer import read_input
from installation.control.state import ControlState, InputKind, PanelEvent, drain_panel_events
from installation.display.captions import Caption, CaptionRotator, load_captions
from installation.display.layout import Layout, fit, monitor_rects, screen_regions
from installation.display.monitor import box_to_screen
from installation.display.perf import Performance
from installation.display.renderer import Renderer
from installation.display.screen import ScreenTransform
from installation.display.text import EXTRA_CHARACTERS, STRINGS, all_strings
from installation.display.widgets import AMBER, GREEN, RED
from installation.effects import Effect
from installation.errors import ConfigError
from installation.geometry import Box
from installation.leak import leak_score
from installation.pipeline import WorkerStatus
from installation.pipeline.fakes import SENDING, FakeFeed
from installation.resources import font_file
from installation.sources import SourceStatus

if TYPE_CHECKING:
    from installation.frames import Processed
    from installation.pipeline import LiveFeed

#: The ``still_pictures`` fixture; the ``wall`` fixture below.
Pictures = Callable[..., Callable[[int], "Processed"]]
Wall = Callable[..., tuple[Renderer, ControlState, pygame.Surface]]

SIZE = (960, 540)
SANS_REGULAR, SANS_BOLD, MONO = font_file("regular"), font_file("bold"), font_file("mono")


@pytest.fixture(scope="module", autouse=True)
def video() -> Iterator[None]:
    pygame.display.init()
    pygame.font.init()
    yield
    pygame.display.quit()


# -- fonts and words ----------------------------------------------------------------


def _missing(path: Path, characters: set[str]) -> list[str]:
    """Characters without a glyph in the font: its cmap read by fontTools, or FreeType without it."""
    try:
        from fontTools.ttLib import TTFont
    except ImportError:
        import pygame.freetype

        pygame.freetype.init()
        font = pygame.freetype.Font(str(path), 20)
        return sorted(ch for ch in characters if font.get_metrics(ch)[0] is None)
    cmap = TTFont(path).getBestCmap()
    return sorted(ch for ch in characters if ord(ch) not in cmap)


@pytest.mark.parametrize("path", [SANS_REGULAR, SANS_BOLD], ids=["regular", "bold"])
def test_every_caption_and_interface_character_has_a_glyph(path: Path) -> None:
    texts = all_strings() + [c.en for c in load_captions()] + [c.zh for c in load_captions()]
    missing = _missing(path, {ch for s in texts for ch in s})
    assert not missing, f"{path.name} lacks {''.join(missing)!r}: run assets/fonts/make_subset.py"


def test_a_character_outside_the_subset_is_reported_missing() -> None:
    assert _missing(SANS_REGULAR, {"龍", "A"}) == ["龍"]


def test_monospaced_font_has_clock_and_number_characters() -> None:
    assert not _missing(MONO, set("0123456789:./% -" + EXTRA_CHARACTERS))


def test_the_fonts_ship_with_their_licence() -> None:
    licence = (SANS_REGULAR.parent / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    assert (SANS_REGULAR.parent / "make_subset.py").is_file()


def test_every_interface_string_exists_in_english_and_chinese() -> None:
    for key, entry in STRINGS.items():
        assert entry.get("en") and entry.get("zh"), key


def test_chinese_renders_with_real_glyphs_not_boxes() -> None:
    font = pygame.font.Font(str(SANS_REGULAR), 40)
    # distinct characters must give distinct pictures (a missing glyph draws the same box)
    a = pygame.surfarray.array3d(font.render("隐", True, (255, 255, 255), (0, 0, 0)))
    b = pygame.surfarray.array3d(font.render("暴", True, (255, 255, 255), (0, 0, 0)))
    assert a.shape == b.shape and np.abs(a.astype(int) - b.astype(int)).sum() > 0


# -- captions ----------------------------------------------------------------------


def test_every_number_in_a_caption_is_stated_by_its_source() -> None:
    captions = load_captions()
    assert len(captions) >= 10
    for caption in captions:
        for number in caption.numbers():
            assert number in caption.source, (caption.en, number)


def test_a_caption_with_an_unsourced_number_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "captions.toml"
    path.write_text(
        '[[caption]]\nen = "In 2031 nothing happened."\nzh = "2031年什么也没发生。"\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=r"captions.toml: caption\[0\]: the number\(s\) 2031"):
        load_captions(path)


def test_captions_rotate_slowly_and_fade_between() -> None:
    r = CaptionRotator([Caption("one", "一"), Caption("two", "二")], seconds=12, fade=1.2)
    assert r.at(6.0) == (Caption("one", "一"), 1.0)
    assert r.at(18.0)[0] == Caption("two", "二")
    assert r.at(24.0 + 6.0)[0] == Caption("one", "一")  # and round again
    assert 0.0 < r.at(11.7)[1] < 0.5


# -- layouts -----------------------------------------------------------------------


@pytest.mark.parametrize("size", [(1920, 1080), (960, 540), (1024, 768), (3840, 2160)])
@pytest.mark.parametrize("n", [1, 2, 4, 5, 9])
def test_grid_monitors_fit_the_wall_without_overlapping(size: tuple[int, int], n: int) -> None:
    reg = screen_regions(*size)
    rects = [r for _, r in monitor_rects(reg.wall, n, Layout.GRID, 0, reg.unit)]
    assert len(rects) == n
    for i, a in enumerate(rects):
        assert reg.wall.contains(a) and a.width > 0
        assert not any(a.colliderect(b) for b in rects[i + 1 :])
    if n > 1:  # narrow, even gaps between neighbours
        gaps = {b.left - a.right for a, b in zip(rects, rects[1:], strict=False) if a.top == b.top}
        gaps |= {b.top - a.bottom for a, b in zip(rects, rects[1:], strict=False) if a.left == b.left}
        assert len(gaps) == 1 and 0 < gaps.pop() <= 12 * reg.unit + 1


def test_focus_puts_the_selected_camera_large_and_the_others_as_thumbnails() -> None:
    reg = screen_regions(1920, 1080)
    monitors = monitor_rects(reg.wall, 5, Layout.FOCUS, 3, reg.unit)
    assert [i for i, _ in monitors] == [3, 0, 1, 2, 4]
    big = monitors[0][1]
    assert all(big.width > 2 * r.width for _, r in monitors[1:])
    assert monitor_rects(reg.wall, 5, Layout.SINGLE, 3, reg.unit)[0][0] == 3


def test_the_controls_are_touch_sized_at_1080p() -> None:
    reg = screen_regions(1920, 1080)
    assert reg.controls.height >= 64
    renderer = Renderer(RoomModel([], ControlState(cameras=2)), size=(1920, 1080))
    canvas = pygame.Surface((1920, 1080))
    renderer.draw(canvas, now=0.0)
    for spot in renderer.pointer.hotspots:
        if spot.name.startswith(("effect.", "strength", "boxes", "camera", "language.", "panel.")):
            assert spot.rect.height >= 64 and spot.rect.width >= 64, spot.name


def test_letterboxing_keeps_the_aspect_ratio() -> None:
    r = fit(640, 480, pygame.Rect(0, 0, 1600, 900))
    assert abs(r.width / r.height - 4 / 3) < 0.01 and r.height == 900 and r.centerx == 800


def test_projection_transform_maps_touches_back_onto_the_canvas() -> None:
    for t in (
        ScreenTransform(mirror=True),
        ScreenTransform(flip=True, rotate=90),
        ScreenTransform(rotate=270),
    ):
        canvas = pygame.Surface(t.canvas_size((120, 80)))
        canvas.fill((0, 0, 0))
        canvas.set_at((17, 9), (255, 0, 0))
        screen = pygame.Surface((120, 80))
        t.present(canvas, screen)
        red = np.argwhere(pygame.surfarray.array3d(screen)[:, :, 0] == 255)
        assert len(red) == 1
        assert t.to_canvas(tuple(red[0]), (120, 80)) == (17, 9)


# -- the room with feeds -------------------------------------------------------------


def _wall(
    feeds: Sequence[LiveFeed], controls: ControlState, *, idle_seconds: float = 45.0, **kwargs: Any
) -> Renderer:
    """The wall drawn from a model of ``feeds``, whose clock starts at 0."""
    model = RoomModel(feeds, controls, idle_seconds=idle_seconds, started=0.0)
    return Renderer(model, size=SIZE, **kwargs)


@pytest.fixture
def wall(still_pictures: Pictures) -> Wall:
    """``wall(cameras=2, allow_exposed=True)``: the room's screen with that many cameras, each showing a
    face; its controls; a canvas to draw it on."""

    def make(
        cameras: int = 2, *, allow_exposed: bool = True
    ) -> tuple[Renderer, ControlState, pygame.Surface]:
        controls = ControlState(cameras=cameras, allow_exposed=allow_exposed)
        feeds = [
            FakeFeed(f"Cam {i + 1}", make=still_pictures(f"Cam {i + 1}", controls)) for i in range(cameras)
        ]
        return _wall(feeds, controls, captions=load_captions()), controls, pygame.Surface(SIZE)

    return make


def _frame(renderer: Renderer, canvas: pygame.Surface, now: float = 1.0) -> np.ndarray:
    """One frame as the room makes it: the model, the figures, the drawing, the screen."""
    renderer.model.update(now)
    renderer.performance.results(now)
    renderer.draw(canvas, now)
    renderer.performance.presented(now, renderer.shown)
    return pygame.surfarray.array3d(canvas).swapaxes(0, 1)[:, :, ::-1].copy()  # as BGR rows


def _input(renderer: Renderer, event: pygame.event.Event, now: float | None = None) -> None:
    """An event as the room applies it: read as a touch or key on the canvas, then to the wall and the
    controls."""
    action = read_input(event, SIZE)
    if action is not None:
        visitors = VisitorInput(renderer.controls, renderer.model.presence)
        visitors.apply(action, renderer, time.monotonic() if now is None else now)


def _click(renderer: Renderer, name: str, at: float = 0.5) -> None:
    spot = renderer.pointer.find(name)
    assert spot is not None, name
    pos = (spot.rect.left + round(spot.rect.width * at), spot.rect.centery)
    _input(renderer, pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1))
    _input(renderer, pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1))


def _key(renderer: Renderer, key: int) -> None:
    _input(renderer, pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode=""))


def _lamp_colour(renderer: Renderer, screen: np.ndarray) -> str:
    panel = renderer.regions.panel
    top = screen[panel.top : panel.top + panel.height * 2 // 5, panel.left : panel.right].reshape(-1, 3)[
        :, ::-1
    ]
    red = int((np.abs(top.astype(int) - RED).sum(axis=1) < 40).sum())
    green = int((np.abs(top.astype(int) - GREEN).sum(axis=1) < 40).sum())
    return "red" if red > 3 * green else "green" if green > 3 * red else "unclear"


def _screen_leak(renderer: Renderer, screen: np.ndarray, camera: int) -> float:
    """Leak score of the face as the screen shows it, against the original frame drawn the same size."""
    processed, picture = renderer.shown[camera]
    original = cv2.resize(processed.frame.image, picture.size, interpolation=cv2.INTER_AREA)
    on_screen = screen[picture.top : picture.bottom, picture.left : picture.right]
    face = processed.faces[0].box
    r = box_to_screen(face, (processed.image.shape[1], processed.image.shape[0]), picture)
    box = Box(r.left - picture.left, r.top - picture.top, r.width, r.height)
    score = leak_score(original, on_screen, box)
    assert score is not None
    return score


def test_touching_an_effect_button_changes_the_effect_and_the_lamp_in_one_frame(wall: Wall) -> None:
    renderer, controls, canvas = wall()
    screen = _frame(renderer, canvas)
    assert _lamp_colour(renderer, screen) == "green"
    _click(renderer, "effect.exposed")
    assert controls.effect is Effect.EXPOSED
    screen = _frame(renderer, canvas)
    assert _lamp_colour(renderer, screen) == "red"
    assert renderer.model.indicator.exposed and renderer.any_face_exposed
    _click(renderer, "effect.pixelate")
    screen = _frame(renderer, canvas)
    assert controls.effect is Effect.PIXELATE and _lamp_colour(renderer, screen) == "green"


def test_the_face_on_screen_leaks_when_exposed_and_not_when_blurred(wall: Wall) -> None:
    renderer, controls, canvas = wall()
    controls.set_effect(Effect.EXPOSED, InputKind.TOUCH)
    screen = _frame(renderer, canvas)
    assert _screen_leak(renderer, screen, 0) >= 0.5
    controls.set_effect(Effect.BLUR, InputKind.TOUCH)
    controls.set_strength(0.0, InputKind.TOUCH)  # the lightest blur still hides
    screen = _frame(renderer, canvas)
    assert _screen_leak(renderer, screen, 0) < 0.5


def test_dragging_the_slider_sets_the_strength(wall: Wall) -> None:
    renderer, controls, canvas = wall()
    _frame(renderer, canvas)
    spot = renderer.pointer.find("strength")
    assert spot is not None
    y = spot.rect.centery
    _input(renderer, pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(spot.rect.left + 5, y), button=1))
    assert controls.strength == 0.0
    _input(
        renderer,
        pygame.event.Event(pygame.MOUSEMOTION, pos=(spot.rect.centerx, y), rel=(0, 0), buttons=(1, 0, 0)),
    )
    assert 0.4 < controls.strength < 0.6
    _input(renderer, pygame.event.Event(pygame.MOUSEBUTTONUP, pos=(spot.rect.right + 200, y), button=1))
    assert controls.strength == 1.0
    before = controls.strength  # moving after release changes nothing
    _input(
        renderer,
        pygame.event.Event(pygame.MOUSEMOTION, pos=(spot.rect.left, y), rel=(0, 0), buttons=(0, 0, 0)),
    )
    assert controls.strength == before


def test_a_finger_works_like_the_mouse(wall: Wall) -> None:
    renderer, controls, canvas = wall()
    _frame(renderer, canvas)
    spot = renderer.pointer.find("effect.solid")
    assert spot is not None
    x, y = spot.rect.center
    _input(
        renderer,
        pygame.event.Event(
            pygame.FINGERDOWN, x=x / SIZE[0], y=y / SIZE[1], dx=0, dy=0, touch_id=1, finger_id=0, pressure=1.0
        ),
    )
    # SDL also sends a mouse copy of each touch; it must not act twice
    _input(renderer, pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(x, y), button=1, touch=True))
    assert controls.effect is Effect.SOLID


def test_keys_mirror_the_controls(wall: Wall) -> None:
    renderer, controls, canvas = wall(cameras=3)
    _frame(renderer, canvas)
    _key(renderer, pygame.K_3)
    assert controls.selected == 2
    _key(renderer, pygame.K_p)
    assert controls.effect is Effect.PIXELATE
    start = controls.strength
    _key(renderer, pygame.K_UP)
    assert controls.strength > start
    _key(renderer, pygame.K_d)
    assert controls.show_boxes
    _key(renderer, pygame.K_l)
    assert controls.language == "zh"
    _key(renderer, pygame.K_g)
    assert renderer.layout is not Layout.FOCUS
    _key(renderer, pygame.K_f)
    assert renderer.show_overlay


def test_touching_a_thumbnail_puts_that_camera_on_the_big_monitor(wall: Wall) -> None:
    renderer, controls, canvas = wall(cameras=4)
    _frame(renderer, canvas)
    _click(renderer, "monitor.2")
    assert controls.selected == 2
    _frame(renderer, canvas)
    big = max(renderer.shown.items(), key=lambda kv: kv[1][1].width)
    assert big[0] == 2


def test_the_on_screen_panel_buttons_and_knob_work_like_the_real_ones(wall: Wall) -> None:
    renderer, controls, canvas = wall(cameras=3)
    _frame(renderer, canvas)
    _click(renderer, "panel.effect")
    assert controls.effect is Effect.PIXELATE
    _click(renderer, "panel.camera")
    assert controls.selected == 1
    _click(renderer, "panel.tally.2")
    assert controls.selected == 2
    knob = renderer.pointer.find("panel.knob")
    assert knob is not None
    cx, cy = knob.rect.center
    _input(renderer, pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(cx, cy - 30), button=1))
    assert abs(controls.strength - 0.5) < 0.02  # straight up is half way round
    _input(renderer, pygame.event.Event(pygame.MOUSEMOTION, pos=(cx + 30, cy), rel=(0, 0), buttons=(1, 0, 0)))
    assert 0.7 < controls.strength < 0.9


def test_with_exposed_disabled_no_input_can_select_it(wall: Wall) -> None:
    renderer, controls, canvas = wall(allow_exposed=False)
    _frame(renderer, canvas)
    assert renderer.pointer.find("effect.exposed") is None
    assert renderer.pointer.find("effect.blur") is not None
    seen = set()
    events: object = __import__("queue").SimpleQueue()
    for _ in range(8):
        _click(renderer, "panel.effect")
        seen.add(controls.effect)
        _key(renderer, pygame.K_SPACE)
        seen.add(controls.effect)
        _key(renderer, pygame.K_e)
        seen.add(controls.effect)
        events.put(PanelEvent("effect"))  # type: ignore[attr-defined]
        drain_panel_events(events, controls)  # type: ignore[arg-type]
        seen.add(controls.effect)
        _frame(renderer, canvas)
    assert Effect.EXPOSED not in seen and {Effect.BLUR, Effect.PIXELATE, Effect.SOLID} <= seen


def test_machine_view_draws_thin_cyan_boxes_around_the_faces(wall: Wall) -> None:
    renderer, controls, canvas = wall()
    off = _frame(renderer, canvas)
    _click(renderer, "boxes")
    assert controls.show_boxes
    on = _frame(renderer, canvas)
    processed, picture = renderer.shown[0]
    r = box_to_screen(processed.faces[0].box, (640, 480), picture)
    edge = on[r.top + r.height // 2, r.left - 1 : r.left + 2]
    assert any(tuple(px[::-1]) == (0, 229, 255) for px in edge)
    assert not any(
        tuple(px[::-1]) == (0, 229, 255) for px in off[r.top + r.height // 2, r.left - 1 : r.left + 2]
    )


def test_each_layout_draws_and_saves_a_screenshot(tmp_path: Path, wall: Wall) -> None:
    renderer, controls, canvas = wall(cameras=4)
    pictures = {}
    for layout in Layout:
        renderer.layout = layout
        screen = _frame(renderer, canvas)
        path = tmp_path / f"{layout.value}.png"
        pygame.image.save(canvas, str(path))
        assert path.stat().st_size > 10_000
        pictures[layout] = screen
        assert len(renderer.shown) == (1 if layout is Layout.SINGLE else 4)
    assert not np.array_equal(pictures[Layout.GRID], pictures[Layout.FOCUS])


def test_the_room_invites_visitors_after_idling_and_stops_at_a_touch(still_pictures: Pictures) -> None:
    controls = ControlState(cameras=1)
    feed = FakeFeed("Empty", make=still_pictures("Empty", controls, faces=False))
    renderer = _wall([feed], controls, idle_seconds=10)
    canvas = pygame.Surface(SIZE)
    busy = _frame(renderer, canvas, now=2.0)
    wall = renderer.regions.wall
    idle = _frame(renderer, canvas, now=12.0)
    assert renderer.model.presence.idle(12.0)
    # the invitation dims the wall
    assert (
        idle[wall.top : wall.bottom, wall.left : wall.right].mean()
        < busy[wall.top : wall.bottom, wall.left : wall.right].mean() * 0.7
    )
    _input(renderer, pygame.event.Event(pygame.KEYDOWN, key=pygame.K_b, mod=0, unicode="b"), now=12.5)
    back = _frame(renderer, canvas, now=12.6)
    assert not renderer.model.presence.idle(12.6)
    assert (
        np.abs(
            back[wall.top : wall.bottom, wall.left : wall.right].astype(int)
            - busy[wall.top : wall.bottom, wall.left : wall.right]
        ).mean()
        < 3
    )


def _performance(still_pictures: Pictures, thumbnail_rate: float) -> dict[str, object]:
    """Three seconds of a focused room: the large camera at 30, a thumbnail limited to 10 a second.

    Both are captured at 30 fps; their results arrive at their rate a second of the test's clock.
    """
    controls = ControlState(cameras=2)
    large, thumb = FakeFeed("Large", max_fps=None), FakeFeed("Thumb", max_fps=10)
    paced = [
        (large, 30.0, still_pictures("Large", controls)),
        (thumb, thumbnail_rate, still_pictures("Thumb", controls)),
    ]
    model = RoomModel([large, thumb], controls, started=0.0)
    performance = Performance(model)
    arrived: dict[str, int] = {}
    for step in range(181):
        now = step / 60
        for feed, rate, picture in paced:
            due = int(now * rate)
            if arrived.get(feed.name) != due:
                arrived[feed.name] = due
                feed.publish(picture(feed.latest()[0] + 1))
        model.update(now)
        performance.results(now)
    return performance.figures(now)


def test_a_thumbnail_analysed_at_its_intended_rate_is_not_behind(still_pictures: Pictures) -> None:
    """The facilitator's figures (key F, the kiosk's panel) measure a thumbnail against the rate the
    room gives it, not the camera's capture rate."""
    perf = _performance(still_pictures, 10)
    cams = perf["cameras"]
    assert not any(c["behind"] for c in cams) and perf["keeping_up"]  # type: ignore[attr-defined]
    assert [round(c["intended_fps"]) for c in cams] == [30, 10]  # type: ignore[attr-defined]
    slow = _performance(still_pictures, 5)  # a thumbnail that cannot keep even its own rate is still reported
    assert [c["behind"] for c in slow["cameras"]] == [False, True]  # type: ignore[attr-defined]
    assert not slow["keeping_up"]


def test_a_feed_that_goes_down_shows_moving_noise_and_comes_back(still_pictures: Pictures) -> None:
    controls = ControlState(cameras=1)
    flaky = FakeFeed("Door", make=still_pictures("Door", controls))
    renderer = _wall([flaky], controls)
    canvas = pygame.Surface(SIZE)
    _frame(renderer, canvas, now=0.5)
    assert 0 in renderer.shown
    wall = renderer.regions.wall
    flaky.status = SourceStatus(False, "Door: camera stopped sending (unplugged?)", 0.0, 5, 0.0)
    lost_a = _frame(renderer, canvas, now=1.2)
    assert 0 not in renderer.shown and not renderer.model.indicator.live
    lost_b = _frame(renderer, canvas, now=1.35)
    assert (
        np.abs(
            lost_a[wall.top : wall.bottom, wall.left : wall.right].astype(int)
            - lost_b[wall.top : wall.bottom, wall.left : wall.right]
        ).mean()
        > 5
    )  # the noise moves
    flaky.status = SENDING
    _frame(renderer, canvas, now=2.5)
    assert 0 in renderer.shown and renderer.model.indicator.live


def test_the_privacy_line_and_both_languages_are_on_screen(wall: Wall) -> None:
    renderer, controls, canvas = wall()
    en = _frame(renderer, canvas)
    _click(renderer, "language.zh")
    assert controls.language == "zh"
    zh = _frame(renderer, canvas)
    header = renderer.regions.header
    assert np.abs(en[header.top : header.bottom].astype(int) - zh[header.top : header.bottom]).sum() > 0


def test_before_the_first_processed_frame_the_monitor_shows_starting() -> None:
    controls = ControlState(cameras=1)
    # Still opening: no frame yet, the way LiveSource reports it.
    renderer = _wall([FakeFeed("Door", status=SourceStatus(False, "Door: starting", 0.0, 0, 0.0))], controls)
    canvas = pygame.Surface(SIZE)
    screen = _frame(renderer, canvas, now=0.3)
    assert renderer.model.views[0].starting and 0 not in renderer.shown
    wall = renderer.regions.wall
    # a calm card, not the busy noise of a lost signal
    assert screen[wall.top : wall.bottom, wall.left : wall.right].std() < 25


def test_a_camera_whose_processing_fails_shows_a_card_saying_so_not_its_last_picture(
    still_pictures: Pictures,
) -> None:
    controls = ControlState(cameras=1)
    # Its pictures arrive but their processing fails, the way CameraWorker reports it.
    failed = WorkerStatus(
        False, "Door: processing failed (RuntimeError: boom\x00)", 0.0, 40, 0.0, failed=True
    )
    renderer = _wall([FakeFeed("Door", status=failed, make=still_pictures("Door", controls))], controls)
    canvas = pygame.Surface(SIZE)
    a = _frame(renderer, canvas, now=1.2)
    b = _frame(renderer, canvas, now=1.35)
    view = renderer.model.views[0]
    assert view.failed and not view.starting and 0 not in renderer.shown and not renderer.model.indicator.live
    wall = renderer.regions.wall
    area = (slice(wall.top, wall.bottom), slice(wall.left, wall.right))
    # A calm card, not the lost signal's moving noise; its frame in amber.
    assert np.abs(a[area].astype(int) - b[area]).mean() < 1 and a[area].std() < 40
    amber = np.abs(a[area].astype(int) - AMBER[::-1]).sum(axis=2) < 60  # BGR rows
    assert amber.sum() > 100


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to count open files")
def test_text_in_every_size_and_face_keeps_no_font_file_open() -> None:
    # A show runs for weeks: a size first drawn hours in must not look like a descriptor leak.
    from installation.display.fonts import Fonts

    fonts = Fonts(scale=0.7)
    before = len(os.listdir("/proc/self/fd"))
    for size in range(10, 90, 7):
        for bold, mono in ((False, False), (True, False), (False, True)):
            assert (
                fonts.text("隐藏 hidden 12:00", size, (255, 255, 255), bold=bold, mono=mono).get_width() > 0
            )
    assert len(os.listdir("/proc/self/fd")) == before
