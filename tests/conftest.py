"""Shared fixtures: real face photos that ship inside installed packages, pasted into scenes; a home
folder of the test's own for commands that keep files there; the fakes (cameras, a scripted detector,
the panel board), each installed for one test and reset after it."""

from __future__ import annotations

import importlib.util
import os
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import cv2
import matplotlib.cbook
import numpy as np
import pytest
from skimage import data

from installation.effects import Effect
from installation.frames import Detection, Frame, Processed
from installation.geometry import Box
from installation.hardware import MockBoard, PanelLink
from installation.pipeline.fakes import FakeFeeds
from installation.sources import SourceStatus
from installation.track import TrackedFace

if TYPE_CHECKING:
    from installation.control.state import ControlState
    from installation.detect import FaceDetector

# Known face boxes in the original photos (checked by eye and by the detector tests).
ASTRONAUT_FACE = Box(174, 68, 104, 104)
HOPPER_FACE = Box(166, 128, 200, 200)


@cache
def _photo(name: str) -> tuple[np.ndarray, Box]:
    if name == "astronaut":
        return cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR), ASTRONAUT_FACE
    path = matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    return cv2.imread(str(path)), HOPPER_FACE


@cache
def _room(width: int, height: int) -> np.ndarray:
    gravel = data.gravel()
    reps = (height // gravel.shape[0] + 1, width // gravel.shape[1] + 1)
    tiled = np.tile(gravel, reps)[:height, :width]
    room = cv2.merge([tiled // 3 + 50, tiled // 3 + 60, tiled // 3 + 55])
    room.setflags(write=False)
    return room


def paste_face(frame: np.ndarray, name: str, face: Box) -> np.ndarray:
    """Paste head and shoulders of photo ``name`` into ``frame`` so its face fills ``face`` (in place)."""
    image, known = _photo(name)
    x0, y0, x1, y1 = known.scaled(1.8).pixel_bounds(image.shape[1], image.shape[0])
    factor = face.w / known.w
    sprite = cv2.resize(image[y0:y1, x0:x1], None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    ox = round(face.x - (known.x - x0) * factor)
    oy = round(face.y - (known.y - y0) * factor)
    h, w = frame.shape[:2]
    sx0, sy0 = max(0, -ox), max(0, -oy)
    dx0, dy0 = max(0, ox), max(0, oy)
    dx1, dy1 = min(w, ox + sprite.shape[1]), min(h, oy + sprite.shape[0])
    if dx1 > dx0 and dy1 > dy0:
        frame[dy0:dy1, dx0:dx1] = sprite[sy0 : sy0 + dy1 - dy0, sx0 : sx0 + dx1 - dx0]
    return frame


@pytest.fixture(autouse=True)
def private_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Statistics from test runs go to a temporary folder, never the user's data folder."""
    monkeypatch.setenv("MONITORING_ROOM_DATA_DIR", str(tmp_path_factory.mktemp("data")))


@pytest.fixture(scope="module")
def video() -> Iterator[None]:
    """pygame's display (SDL's dummy driver under the tests) and fonts, for one test module."""
    import pygame

    pygame.display.init()
    pygame.font.init()
    yield
    pygame.display.quit()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME and the XDG folders inside the test's own folder (the kiosk's lock, heartbeat and log)."""
    (tmp_path / "run").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("DISPLAY", raising=False)
    return tmp_path


@pytest.fixture
def child_env(home: Path) -> dict[str, str]:
    """The environment for a command run in a process of its own: this checkout's package, the test's
    home folder, SDL's dummy drivers."""
    env = dict(os.environ)
    env.update(
        SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", PYTHONPATH=str(Path(__file__).resolve().parents[1])
    )
    return env


@pytest.fixture
def scene() -> Callable[..., np.ndarray]:
    """``scene((name, box), ..., size=(w, h))``: a textured room with faces pasted at the boxes."""

    def make(*faces: tuple[str, Box], size: tuple[int, int] = (1280, 720)) -> np.ndarray:
        frame = _room(*size).copy()
        for name, box in faces:
            paste_face(frame, name, box)
        return frame

    return make


@pytest.fixture(scope="session")
def _short_range() -> Iterator[FaceDetector]:
    from installation.detect import create_detector

    with create_detector("short") as detector:
        yield detector


@pytest.fixture
def short(_short_range: FaceDetector) -> Iterator[FaceDetector]:
    """The short-range detector, loaded once for the run; its threshold is put back after each test."""
    threshold = _short_range.threshold
    yield _short_range
    _short_range.threshold = threshold


class ScriptedDetector:
    """A real detector that sees nothing on chosen calls (counted from 1) and raises on others."""

    def __init__(self, real: FaceDetector, blind: Callable[[int], bool], failing: frozenset[int]) -> None:
        self.real, self.blind, self.failing = real, blind, failing
        self.calls = 0
        self.threshold = 0.5

    def detect(self, image: np.ndarray) -> list[Detection]:
        self.calls += 1
        if self.calls in self.failing:
            raise RuntimeError("inference crashed")
        if self.blind(self.calls):
            return []
        return self.real.detect(image)

    def close(self) -> None:
        pass


@pytest.fixture
def scripted(short: FaceDetector) -> Callable[..., ScriptedDetector]:
    """``scripted(blind=lambda call: ..., failing={call, ...})``: the short-range detector
    with misses and failures (each one made counts its calls from 1)."""

    def make(
        blind: Callable[[int], bool] = lambda call: False, failing: set[int] | frozenset[int] = frozenset()
    ) -> ScriptedDetector:
        return ScriptedDetector(short, blind, frozenset(failing))

    return make


# -- cameras --------------------------------------------------------------------------------------------


@pytest.fixture
def fake_feeds() -> Iterator[FakeFeeds]:
    """A room's ``make_feeds`` (the kiosk's ``feeds``): a camera for each configured one that never
    sends a picture and says it is starting, each kept in ``made``. Any still running when the test
    ends are stopped."""
    feeds = FakeFeeds(status=lambda name: SourceStatus(False, f"{name}: starting", 0.0, 0, 0.0))
    yield feeds
    feeds.reset()


@cache
def _astronaut_640() -> tuple[np.ndarray, Box]:
    image = np.ascontiguousarray(data.astronaut()[:, :, ::-1])  # RGB -> BGR
    image = cv2.resize(image, (640, 480), interpolation=cv2.INTER_AREA)
    image.setflags(write=False)
    return image, Box(195, 25, 135, 170)  # her face, in these pixels


@pytest.fixture
def still_pictures() -> Callable[..., Callable[[int], Processed]]:
    """``still_pictures(name, controls, faces=True)``: for a ``FakeFeed``'s ``make`` (or its
    ``publish``), result ``n`` of a camera that keeps showing one 640x480 picture of a face, tracked
    as one confirmed face (none with ``faces=False``), through the real effect ``controls`` choose
    at that moment. Captured now."""
    from installation.effects.apply import apply_effect
    from installation.track import TrackedFace

    def pictures(name: str, controls: ControlState, *, faces: bool = True) -> Callable[[int], Processed]:
        image, box = _astronaut_640()
        tracked = (
            [TrackedFace(track_id=1, box=box, score=0.93, misses=0, age=10, confirmed=True)] if faces else []
        )

        def make(n: int) -> Processed:
            effect, strength = controls.effect, controls.strength
            frame = Frame(image, n, n / 30, name, captured=time.monotonic())
            shown = (
                apply_effect(image, [f.box for f in tracked], effect, strength)
                if effect.hides
                else image.copy()
            )
            return Processed(frame, shown, effect, [], list(tracked))

        return make

    return pictures


# -- the panel board ------------------------------------------------------------------------------------


@pytest.fixture
def mock_board(monkeypatch: pytest.MonkeyPatch) -> MockBoard:
    """The in-memory board that every link on port ``mock`` opens during the test: a fresh one for each
    test, there before anything connects to it."""
    from installation.hardware import backend

    board = MockBoard()
    monkeypatch.setattr(backend, "MockBoard", lambda **_: board)
    return board


#: The kiosk tests' PIN for the facilitator's panel.
PIN = "2580"

#: A kiosk config with two cameras; ``{second}`` and ``{source}`` name the second one.
CONFIG_TOML = textwrap.dedent(f"""
    [[cameras]]
    name = "Door"
    source = "pattern:bars"

    [[cameras]]
    name = "{{second}}"
    source = "{{source}}"

    [display]
    fps = 240

    [kiosk]
    pin = "{PIN}"
    aim_seconds = 0
""")


def hidden_result(
    index: int,
    faces: list[tuple[int, Box]],
    *,
    ahead: list[tuple[int, Box]] | None = None,
    guarded: list[Box] | None = None,
    hidden_all: bool = False,
    size: tuple[int, int] = (640, 360),
    score: float = 0.9,
) -> Processed:
    """A processed black frame ``index`` hiding ``faces`` (track id, box), for the boxes outputs."""
    image = np.zeros((size[1], size[0], 3), np.uint8)

    def tracked(items: list[tuple[int, Box]]) -> list[TrackedFace]:
        return [TrackedFace(track, box, score, 0, 1, True) for track, box in items]

    return Processed(
        Frame(image, index, index / 30),
        image,
        Effect.BLUR,
        [],
        tracked(faces),
        ahead=tracked(ahead or []),
        guarded=guarded or [],
        hidden_all=hidden_all,
    )


def hardware_module(path: str) -> ModuleType:
    """A script of ``hardware/`` (``sim/simboard.py``, ``pinmap.py``, ``wiring.py``), loaded once as a
    module: ``hardware/`` is no package."""
    file = Path(__file__).resolve().parents[1] / "hardware" / path
    name = f"panel_{file.stem}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def links() -> Iterator[list[PanelLink]]:
    """The panel links a test starts (it appends them); each is stopped after the test."""
    made: list[PanelLink] = []
    yield made
    for link in made:
        link.stop()
