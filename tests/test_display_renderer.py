"""The room's screen drawn headless (installation/display/renderer.py) from a model of fake cameras:
the controls and their keys, the panel, the monitors and their cards, both languages."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"

import time
from collections.abc import Callable, Sequence
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
from installation.display.captions import load_captions
from installation.display.layout import Layout
from installation.display.monitor import box_to_screen
from installation.display.renderer import Renderer
from installation.display.widgets import AMBER, GREEN, RED
from installation.effects import Effect
from installation.geometry import Box
from installation.leak import leak_score
from installation.pipeline import WorkerStatus
from installation.pipeline.fakes import SENDING, FakeFeed
from installation.sources import SourceStatus

if TYPE_CHECKING:
    from installation.frames import Processed
    from installation.pipeline import LiveFeed

#: The ``still_pictures`` fixture; the ``wall`` fixture below.
Pictures = Callable[..., Callable[[int], "Processed"]]
Wall = Callable[..., tuple[Renderer, ControlState, pygame.Surface]]

SIZE = (960, 540)

pytestmark = pytest.mark.usefixtures("video")


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
