"""The monitoring room itself: a screen, the cameras' workers, the controls, the panel link.

The loop runs on the main thread, once a frame: input (pygame's events and the
physical panel's queued ones, through the overlays to the visitors' controls),
model (the newest processed frame of every camera, never waiting for
detection, and the indicator state), scene (drawn onto the canvas), present
(turned for a projector, flipped, paced at the configured frame rate).
Listeners hear the indicator state and that the frame was shown. Cameras,
detection and the serial link each run on their own threads.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from installation.control.input import VisitorInput
from installation.control.model import RoomModel
from installation.control.pointer import read_input
from installation.control.state import ControlState, IndicatorState, InputKind, drain_panel_events
from installation.display.layout import Layout
from installation.display.perf import Performance
from installation.errors import InstallationError, UsageError
from installation.room.link import PanelLinkListener, board_status, open_panel_link, take_board_stick
from installation.room.listeners import Overlay, RoomListener, Scene
from installation.room.options import RoomOptions
from installation.room.threads import lower_priority

if TYPE_CHECKING:
    import pygame

    from installation.config import Config
    from installation.control.state import PanelEvent
    from installation.display.renderer import Renderer
    from installation.display.screen import ScreenTransform
    from installation.effects import Effect
    from installation.hardware import PanelLink
    from installation.pipeline.feeds import LiveFeed
    from installation.steer import Pose, Steering

log = logging.getLogger(__name__)

#: Builds the cameras for a config; the callable it is given says the effect and strength chosen now.
FeedFactory = Callable[["Config", Callable[[], "tuple[Effect, float]"]], "Sequence[LiveFeed]"]

#: Seconds between two logged drawing failures (a kiosk runs for weeks: the log must not fill).
FAILURE_LOG_SECONDS = 10.0


#: Frames a second processed for a camera shown as a thumbnail, beside the large monitor.
THUMBNAIL_FPS = 10.0
#: Frames a second processed for a camera no monitor shows (the single layout, the workshop):
#: enough to keep its tracker, its face count and its status current, while the camera on the
#: screen gets the processor. At 10 fps, three YuNet cameras nobody saw took most of two cores,
#: and the workshop's feed was processed 3 times a second, hidden by the motion guard between.
UNSHOWN_FPS = 2.0


def pace_feeds(feeds: Sequence[Any], layout: Layout, selected: int) -> None:
    """Set each feed's ``max_fps``: the selected camera as fast as it can be processed, the others at
    :data:`THUMBNAIL_FPS` beside it, or :data:`UNSHOWN_FPS` when only it is on the screen. In the grid
    every camera is on a monitor of its own, and all run as fast as they can.

    >>> from types import SimpleNamespace as Feed
    >>> feeds = [Feed(max_fps=None) for _ in range(3)]
    >>> pace_feeds(feeds, Layout.SINGLE, 1); [f.max_fps for f in feeds]
    [2.0, None, 2.0]
    >>> pace_feeds(feeds, Layout.FOCUS, 0); [f.max_fps for f in feeds]
    [None, 10.0, 10.0]
    >>> pace_feeds(feeds, Layout.GRID, 0); [f.max_fps for f in feeds]
    [None, None, None]
    """
    focused = layout is not Layout.GRID and len(feeds) > 1
    rest = UNSHOWN_FPS if layout is Layout.SINGLE else THUMBNAIL_FPS
    for index, feed in enumerate(feeds):
        feed.max_fps = rest if focused and index != selected else None


class Room:
    """The room: a screen, the cameras' workers, the controls and the panel link.

    Tests and benchmarks drive it frame by frame with :meth:`step`; the
    commands call :meth:`run`. ``feeds`` gives the cameras ready-made, ``make_feeds``
    builds them for the config and the room's controls (default: a live worker per
    configured camera). ``overlays`` take input first and draw over the room.

    >>> from installation.config import demo_config                        # doctest: +SKIP
    >>> room = Room(demo_config(), RoomOptions(headless=True, frames=100))  # doctest: +SKIP
    >>> room.run()                                                         # doctest: +SKIP
    0
    """

    def __init__(
        self,
        config: Config,
        options: RoomOptions,
        *,
        feeds: Sequence[LiveFeed] | None = None,
        make_feeds: FeedFactory | None = None,
        events: queue.SimpleQueue[PanelEvent] | None = None,
        overlays: Sequence[Overlay] = (),
    ) -> None:
        self.config = config
        self.options = options
        self.events: queue.SimpleQueue[PanelEvent] = events if events is not None else queue.SimpleQueue()
        effect = config.effect
        room = config.room
        self.controls = ControlState(
            cameras=len(feeds) if feeds is not None else len(config.cameras),
            effect=effect.kind,
            strength=effect.strength,
            allow_exposed=effect.allow_exposed,
            language=room.language,
            languages=tuple(room.languages),
        )
        if room.show_boxes:
            self.controls.set_show_boxes(True, InputKind.SYSTEM)
        self._given_feeds = feeds
        self._make_feeds = make_feeds
        self.overlays: tuple[Overlay, ...] = tuple(overlays)
        self.feeds: list[LiveFeed] = []
        self.link: PanelLink | None = None
        #: The cameras' heads and the visitors' steering, made with the cameras in :meth:`start`.
        self.steering: Steering | None = None
        self.model: RoomModel | None = None
        self.performance: Performance | None = None
        #: The room's own screen (the wall, or the workshop's), made by :meth:`make_renderer`.
        self.renderer: Renderer | None = None
        self.screen: pygame.Surface | None = None
        self.canvas: pygame.Surface | None = None
        self.transform: ScreenTransform | None = None
        self.frames = 0
        self.started = time.monotonic()
        self.first_frame_at: float | None = None  # seconds from start to the first camera picture on screen
        self._listeners: list[RoomListener] = []
        self._visitors: VisitorInput | None = None
        self._shut: tuple[Scene, float] | None = None
        self._clock: pygame.time.Clock | None = None
        self._running = False
        self._last_failure = -1e9

    # -- who follows the room --------------------------------------------------
    def listen(self, listener: RoomListener) -> None:
        """Tell ``listener`` about every frame from now on, and that the room closes."""
        self._listeners.append(listener)

    @property
    def listeners(self) -> tuple[RoomListener, ...]:
        return tuple(self._listeners)

    def _tell(self, call: Callable[[RoomListener], None]) -> None:
        for listener in list(self._listeners):
            try:
                call(listener)
            except Exception:  # noqa: BLE001 - a listener must never stop the room
                log.exception("%r failed and is removed", listener)
                self._listeners.remove(listener)

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> None:
        """Open the screen, show it at once, then start the cameras and the board link."""
        import pygame

        from installation.display.screen import ScreenTransform, open_screen

        self.started = time.monotonic()
        cfg = self.config.display
        size = self.options.size or cfg.window_size
        if size is None and self.options.headless:
            size = (1280, 720)
        window = not self.options.fullscreen and (self.options.window or not cfg.fullscreen)
        display = cfg.index if self.options.display is None else self.options.display
        self.screen = open_screen(window=window, display=display, size=size, headless=self.options.headless)
        self.transform = ScreenTransform(mirror=cfg.mirror, flip=cfg.flip, rotate=cfg.rotate)
        self._make_canvas()
        self._clock = pygame.time.Clock()
        if self._given_feeds is not None:
            self.feeds = list(self._given_feeds)
        else:
            make_feeds = self._make_feeds
            if make_feeds is None:
                from installation.pipeline import build_workers

                make_feeds = build_workers
            self.feeds = list(make_feeds(self.config, self._effect_now))
        self.controls.cameras = max(1, len(self.feeds))
        # The board's link before the heads: a servo head turns its camera through it.
        self.link = open_panel_link(self.config.hardware.port, self.events)
        self.steering = self.make_steering()
        self.model = RoomModel(
            self.feeds,
            self.controls,
            idle_seconds=self.config.room.idle_seconds,
            started=self.started,
            stale_seconds=self.config.tracking.hold_seconds,
            steering=self.steering,
        )
        if self.options.pose is not None:
            self._start_pose(self.options.pose)
        self.performance = Performance(self.model, target_fps=cfg.fps)
        self._visitors = VisitorInput(self.controls, self.model.presence, self.steering)
        self.renderer = self.make_renderer()
        self._present()  # the "starting" cards are on screen before the cameras spin up
        self.start_cameras()
        if self.link is not None:
            self.listen(PanelLinkListener(self.link))
        self._running = True

    def make_steering(self) -> Steering:
        """Each camera's head as the config names it (a fixed camera for a feed the config does
        not describe)."""
        from installation.steer import NoHead, Steering, build_steering

        steering = build_steering(self.config.cameras[: len(self.feeds)], panel=self.link)
        missing = len(self.feeds) - len(steering.heads)
        if missing > 0:
            heads = steering.heads + [NoHead() for _ in range(missing)]
            steering = Steering(heads, idle_home=steering.idle_home, presets=steering.presets)
        self._follow_heads(steering)
        return steering

    def _follow_heads(self, steering: Steering) -> None:
        """Tell each camera turned by its head (servo, network) how the head moves, so its tracker
        follows a turn the picture alone cannot; a fixed camera and a digital head are told nothing."""
        from installation.pipeline.feeds import FollowsHead
        from installation.steer.hint import head_hint

        for feed, head, camera in zip(self.feeds, steering.heads, self.config.cameras, strict=False):
            hint = head_hint(head, camera)
            if hint is not None and isinstance(feed, FollowsHead):
                feed.head_hint = hint

    def _start_pose(self, pose: Pose) -> None:
        """The starting view of the camera on the large monitor: the first one that can be steered
        is put there (the selected one if it can)."""
        assert self.steering is not None
        steerable = [i for i in range(len(self.feeds)) if self.steering.steerable(i)]
        if not steerable:
            raise UsageError(
                '--pan/--tilt/--zoom: no camera here can be steered; give one head = "digital" in the config'
            )
        index = self.controls.selected if self.controls.selected in steerable else steerable[0]
        self.controls.select_camera(index, InputKind.SYSTEM)
        self.steering.place(index, pose)

    def _effect_now(self) -> tuple[Effect, float]:
        return self.controls.effect, self.controls.strength

    def make_renderer(self) -> Renderer:
        """The room's screen: the wall of monitors with the panel, the controls and the captions.

        A mode that shows another screen (the workshop) makes its own here.
        """
        from installation.display.captions import load_captions
        from installation.display.renderer import Renderer

        assert self.model is not None and self.canvas is not None
        try:
            captions = load_captions(self.config.room.captions_file)
        except InstallationError as exc:
            log.error("%s; running without captions", exc)
            captions = []
        return Renderer(
            self.model,
            size=self.canvas.get_size(),
            layout=Layout.parse(self.config.display.layout),
            captions=captions,
            caption_seconds=self.config.room.caption_seconds,
            board=self.board,
            performance=self.performance,
        )

    def board(self) -> tuple[bool, str]:
        """Whether the board is connected, and what its link says."""
        return board_status(self.link)

    def start_cameras(self) -> None:
        """Start every camera; their threads get a lower priority than the screen."""
        before = {t.ident for t in threading.enumerate()}
        for feed in self.feeds:
            feed.start()
        lower_priority([t for t in threading.enumerate() if t.ident not in before])

    def stop_cameras(self) -> None:
        """Stop every camera, each asked first and all waited for after.

        A camera stuck in a network call then delays stopping by its own short
        wait only, not by one per camera after it.
        """
        for feed in self.feeds:
            try:
                feed.request_stop()
            except Exception as exc:  # noqa: BLE001 - keep stopping the rest
                log.warning("%s: %s while stopping", feed.name, exc)
        for feed in self.feeds:
            try:
                feed.stop()
            except Exception as exc:  # noqa: BLE001 - keep stopping the rest
                log.warning("%s: %s while stopping", feed.name, exc)

    def _make_canvas(self) -> None:
        import pygame

        assert self.screen is not None and self.transform is not None
        if self.transform.identity:
            self.canvas = self.screen
        else:
            self.canvas = pygame.Surface(self.transform.canvas_size(self.screen.get_size()))

    def _to_canvas(self, pos: tuple[int, int]) -> tuple[int, int]:
        assert self.transform is not None and self.screen is not None
        if self.transform.identity:
            return pos
        return self.transform.to_canvas(pos, self.screen.get_size())

    # -- what the room shows ---------------------------------------------------
    @property
    def layout(self) -> Layout:
        """How the wall arranges the cameras."""
        assert self.renderer is not None
        return self.renderer.layout

    def set_layout(self, layout: Layout) -> None:
        assert self.renderer is not None
        self.renderer.layout = layout

    @property
    def exposed_allowed(self) -> bool:
        """Whether visitors may choose to show faces unhidden."""
        return self.controls.allow_exposed

    def allow_exposed(self, allowed: bool) -> None:
        """Let visitors choose "exposed", or not; forbidding it while it is chosen hides the faces."""
        self.controls.set_allow_exposed(allowed, InputKind.SYSTEM)

    def shut(self, scene: Scene, fps: float) -> None:
        """Show ``scene`` in the room's place at ``fps`` frames a second, until :meth:`reopen`.

        Meanwhile the lights are off, visitors' touches and keys and the board's
        buttons do nothing, and the cameras' pictures are not taken; overlays
        and listeners go on as before.
        """
        self._shut = (scene, fps)

    def reopen(self) -> None:
        """The room again, after :meth:`shut`."""
        self._shut = None

    @property
    def is_shut(self) -> bool:
        return self._shut is not None

    @property
    def running(self) -> bool:
        """False once the room should close (closed, quit, or ``--frames`` reached)."""
        return self._running

    # -- each frame ------------------------------------------------------------
    def step(self) -> bool:
        """Run one frame: input, newest pictures, draw, flip, pace. False once the room should close."""
        import pygame

        assert self.model is not None and self.performance is not None and self.renderer is not None
        assert self.screen is not None and self._clock is not None
        now = time.monotonic()
        shut = self._shut
        self._input(now, shut is not None)
        if shut is None:
            joystick = self.steering.joystick if self.steering is not None else None
            if drain_panel_events(self.events, self.controls, joystick):
                self.model.presence.touched(now)
            if self.link is not None and self.steering is not None:
                if take_board_stick(self.link.steering, self.steering, self.controls.selected):
                    self.model.presence.touched(now)
            self._pace_feeds()
        else:
            _drop(self.events)  # the board's buttons do nothing while the room is shut
        try:
            if shut is None:
                state = self.model.update(now)
                self.performance.results(now)
            else:
                state = IndicatorState(
                    exposed=False, live=False, tally=0, faces=0, cameras=self.controls.cameras
                )
            self._tell(lambda listener: listener.indicators(state))
            self._present(None if shut is None else shut[0])
            self._tell(lambda listener: listener.shown(state, now))
        except Exception:  # a kiosk runs for weeks: log, show a blank screen, try again next frame
            if now - self._last_failure > FAILURE_LOG_SECONDS:
                log.exception("drawing the room failed; showing a blank screen until it works again")
            self._last_failure = now
            self.screen.fill((0, 0, 0))
            pygame.display.flip()
        self.frames += 1
        if self.first_frame_at is None and shut is None and self.renderer.shown:
            self.first_frame_at = time.monotonic() - self.started
            log.info("first camera picture on screen after %.2f s", self.first_frame_at)
        if self.options.frames is not None and self.frames >= self.options.frames:
            self._running = False
        self._clock.tick(self.config.display.fps if shut is None else shut[1])
        return self._running

    def _input(self, now: float, shut: bool) -> None:
        """pygame's events: each touch and key to the overlays first, then (unless shut) to the visitors'."""
        import pygame

        assert self.screen is not None and self._visitors is not None and self.renderer is not None
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                self._running = False
            elif event.type in (pygame.VIDEORESIZE, pygame.WINDOWSIZECHANGED):
                self.screen = pygame.display.get_surface()
                self._make_canvas()
            else:
                action = read_input(event, self.screen.get_size(), self._to_canvas)
                if action is None or any(overlay.handle(action, now) for overlay in self.overlays) or shut:
                    continue
                if not self._visitors.apply(action, self.renderer, now):
                    self._running = False

    def _present(self, scene: Scene | None = None) -> None:
        """Draw the room (or ``scene`` in its place) and the overlays, and show them."""
        import pygame

        assert self.renderer is not None and self.performance is not None
        assert self.canvas is not None and self.screen is not None
        if scene is None:
            t0 = time.perf_counter()
            self.renderer.draw(self.canvas)
            self.performance.drawn((time.perf_counter() - t0) * 1000)
        else:
            scene.draw(self.canvas, time.monotonic())
        for overlay in self.overlays:
            overlay.draw(self.canvas, self.renderer.fonts, time.monotonic())
        if self.canvas is not self.screen:
            assert self.transform is not None
            self.transform.present(self.canvas, self.screen)
        pygame.display.flip()
        if scene is None:
            self.performance.presented(time.monotonic(), self.renderer.shown)

    def _pace_feeds(self) -> None:
        """Give the large monitor's camera the processor; thumbnails are processed less often, and
        cameras no monitor shows (one camera on the whole screen, the workshop) less often still."""
        pace_feeds(self.feeds, self.layout, self.controls.selected)

    def screenshot(self, path: Path) -> Path:
        """Save the screen as PNG; refused on live cameras while a face is shown unhidden."""
        import pygame

        assert self.renderer is not None and self.screen is not None
        if self.options.live and self.renderer.any_face_exposed:
            raise InstallationError(
                f"--screenshot {path}: refused, a face is shown unhidden on a live camera "
                "(nothing unblurred is written to disk); choose an effect and try again"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        pygame.image.save(self.screen, str(path))
        log.info("screenshot saved to %s", path)
        return path

    def close(self, *, keep_screen: bool = False) -> None:
        """Tell the listeners (the board link stops), stop the cameras, close the screen (unless
        ``keep_screen``)."""
        import pygame

        self._running = False
        for listener in self._listeners:
            try:
                listener.closing()
            except Exception:  # noqa: BLE001 - keep closing the rest
                log.exception("%r failed while closing", listener)
        self.link = None
        self.stop_cameras()
        if self.steering is not None:
            self.steering.close()
        if not keep_screen:
            pygame.display.quit()

    def run(self) -> int:
        """Start, loop until quit (or ``--frames``), save ``--screenshot``, close."""
        try:
            self.start()
            while self.step():
                pass
            if self.options.screenshot is not None:
                self.screenshot(self.options.screenshot)
        finally:
            self.close()
        return 0


def _drop(events: queue.SimpleQueue[PanelEvent]) -> None:
    while True:
        try:
            events.get_nowait()
        except queue.Empty:
            return
