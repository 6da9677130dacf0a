"""The monitoring room itself: ``installation run`` (live cameras) and ``installation demo``.

The main loop runs on the main thread: it drains the physical panel's
events, takes the newest processed frame of every camera (never waiting for
detection), draws the room, mirrors the indicator state to the board, and
caps itself at the configured frame rate. Cameras, detection and the serial
link each run on their own threads.
"""

from __future__ import annotations

import argparse
import logging
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from installation.errors import InstallationError, UsageError

if TYPE_CHECKING:
    import pygame

    from installation.config import Config
    from installation.display.renderer import Feed, Renderer
    from installation.display.screen import ScreenTransform
    from installation.state import ControlState, IndicatorState, PanelEvent

log = logging.getLogger(__name__)
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # keep the command's output to our own lines


@dataclass
class RoomOptions:
    """How this run reaches a screen (the command-line switches)."""

    window: bool = False
    #: Fullscreen whatever the config says (``--fullscreen``); otherwise ``window`` or the config decide.
    fullscreen: bool = False
    display: int | None = None
    size: tuple[int, int] | None = None
    headless: bool = False
    frames: int | None = None
    screenshot: Path | None = None
    #: Live cameras: a screenshot is refused while any face is shown unhidden.
    live: bool = True


def open_panel_link(port: str, events: queue.SimpleQueue[PanelEvent]) -> Any | None:
    """The serial link to the indicator panel, or ``None`` when there is none.

    ``None`` when ``port`` is ``"none"``, when the hardware module is not
    installed, or when the link cannot start; the room runs on without it
    and the on-screen panel says "no board".

    >>> open_panel_link("none", queue.SimpleQueue()) is None
    True
    """
    if not port or port == "none":
        return None
    try:
        from installation.hardware import PanelLink
    except ImportError as exc:
        log.warning("hardware.port = %r, but the hardware link is unavailable (%s)", port, exc)
        return None
    try:
        link = PanelLink(port, events=events)
        link.start()
    except (InstallationError, OSError, ValueError) as exc:
        log.error("indicator panel on %r: %s; running without it", port, exc)
        return None
    return link


#: How much less CPU priority (Unix "nice") the camera threads get than the screen.
CAMERA_NICENESS = 10


def lower_priority(threads: Sequence[threading.Thread], niceness: int = CAMERA_NICENESS) -> int:
    """Give ``threads`` (the cameras' capture and detection) a lower CPU priority than the screen.

    On a small machine detection can take every core; the screen must still
    be drawn on time, and a camera that falls behind only shows fewer
    (always processed) frames. Linux only (per-thread priorities); elsewhere
    nothing changes. Returns how many threads were lowered.
    """
    if not sys.platform.startswith("linux"):
        return 0
    lowered = 0
    for thread in threads:
        tid = thread.native_id
        if tid is None or not thread.is_alive():
            continue
        try:
            os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + niceness))
            lowered += 1
        except OSError as exc:  # the thread ended meanwhile, or the system forbids it
            log.debug("cannot lower the priority of %s: %s", thread.name, exc)
    return lowered


def _board_status(link: Any | None) -> tuple[bool, str]:
    if link is None:
        return False, ""
    status = getattr(link, "status", None)
    return bool(getattr(status, "connected", False)), str(getattr(status, "text", "") or "")


class App:
    """The room: a screen, the cameras' workers, the controls and the panel link.

    Tests and benchmarks drive it frame by frame with :meth:`step`; the
    commands call :meth:`run`.

    >>> from installation.config import demo_config                      # doctest: +SKIP
    >>> app = App(demo_config(), RoomOptions(headless=True, frames=100))  # doctest: +SKIP
    >>> app.run()                                                        # doctest: +SKIP
    0
    """

    def __init__(
        self,
        config: Config,
        options: RoomOptions,
        *,
        feeds: Sequence[Feed] | None = None,
        events: queue.SimpleQueue[PanelEvent] | None = None,
    ) -> None:
        from installation.state import ControlState, InputKind

        self.config = config
        self.options = options
        self.events: queue.SimpleQueue[PanelEvent] = events if events is not None else queue.SimpleQueue()
        effect = config.effect
        room = config.room
        self.controls: ControlState = ControlState(
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
        self.feeds: list[Any] = []
        self.link: Any | None = None
        self.renderer: Renderer | None = None
        self.screen: pygame.Surface | None = None
        self.canvas: pygame.Surface | None = None
        self.transform: ScreenTransform | None = None
        self.frames = 0
        self.started = time.monotonic()
        self.first_frame_at: float | None = None  # seconds from start to the first camera picture on screen
        self._clock: Any = None
        self._running = False
        self._last_failure = -1e9
        #: Called once per frame as ``observer(app, state, now)`` after the screen
        #: is drawn (statistics, watchdog, workshop timers). An observer that
        #: raises is logged and dropped; it never stops the room.
        self.observers: list[Callable[[App, IndicatorState, float], None]] = []
        #: Called once when the room closes (flush statistics, release locks).
        self.closers: list[Callable[[App], None]] = []
        #: See each input event before the room does, as ``handler(app, event, now)``;
        #: one that returns True has used the event up (the kiosk's facilitator panel).
        self.input_handlers: list[Callable[[App, pygame.event.Event, float], bool]] = []
        #: Called as ``painter(app, canvas, now)`` after the room is drawn, before
        #: it is shown (the kiosk's facilitator panel and aiming labels).
        self.painters: list[Callable[[App, pygame.Surface, float], None]] = []

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> None:
        """Open the screen, show it at once, then start the cameras and the board link."""
        import pygame

        from installation.display.captions import load_captions
        from installation.display.layout import Layout
        from installation.display.renderer import Renderer
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
        assert self.canvas is not None
        try:
            captions = load_captions(self.config.room.captions_file)
        except InstallationError as exc:
            log.error("%s; running without captions", exc)
            captions = []
        self._clock = pygame.time.Clock()
        if self._given_feeds is None:
            from installation.pipeline import build_workers

            def controls_now() -> tuple[Any, float]:
                return self.controls.effect, self.controls.strength

            self.feeds = list(build_workers(self.config, controls_now))
        else:
            self.feeds = list(self._given_feeds)
        self.controls.cameras = max(1, len(self.feeds))
        self.renderer = Renderer(
            self.feeds,
            self.controls,
            size=self.canvas.get_size(),
            layout=Layout.parse(cfg.layout),
            captions=captions,
            caption_seconds=self.config.room.caption_seconds,
            idle_seconds=self.config.room.idle_seconds,
            board=lambda: _board_status(self.link),
            target_fps=cfg.fps,
            started=self.started,
            stale_seconds=self.config.tracking.hold_seconds,
        )
        self._present()  # the "starting" cards are on screen before the cameras spin up
        before = {t.ident for t in threading.enumerate()}
        for feed in self.feeds:
            start = getattr(feed, "start", None)
            if start is not None:
                start()
        lower_priority([t for t in threading.enumerate() if t.ident not in before])
        self.link = open_panel_link(self.config.hardware.port, self.events)
        self._running = True

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

    def _present(self) -> None:
        import pygame

        assert self.renderer is not None and self.canvas is not None and self.screen is not None
        self.renderer.draw(self.canvas)
        for painter in self.painters:
            painter(self, self.canvas, time.monotonic())
        if self.canvas is not self.screen:
            assert self.transform is not None
            self.transform.present(self.canvas, self.screen)
        pygame.display.flip()
        self.renderer.presented(time.monotonic())

    def step(self) -> bool:
        """Run one frame: input, newest pictures, draw, flip, pace. False once the room should close."""
        import pygame

        from installation.state import drain_panel_events

        assert self.renderer is not None and self.screen is not None
        r = self.renderer
        now = time.monotonic()
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                self._running = False
            elif event.type in (pygame.VIDEORESIZE, pygame.WINDOWSIZECHANGED):
                self.screen = pygame.display.get_surface()
                self._make_canvas()
            elif not any(handler(self, event, now) for handler in self.input_handlers):
                r.handle(event, self._to_canvas, self.screen.get_size(), now)
        if drain_panel_events(self.events, self.controls):
            r.presence.touched(now)
        self._pace_feeds()
        try:
            state = r.update(now)
            if self.link is not None:
                try:
                    self.link.show(state)
                except Exception as exc:  # noqa: BLE001 - the board must never stop the room
                    log.debug("indicator panel: %s", exc)
            self._present()
            for observer in list(self.observers):
                try:
                    observer(self, state, now)
                except Exception:  # noqa: BLE001 - an observer must never stop the room
                    log.exception("%r failed and is removed", observer)
                    self.observers.remove(observer)
        except Exception:  # a kiosk runs for weeks: log, show a blank screen, try again next frame
            if now - self._last_failure > 10.0:
                log.exception("drawing the room failed; showing a blank screen until it works again")
            self._last_failure = now
            self.screen.fill((0, 0, 0))
            pygame.display.flip()
        self.frames += 1
        if self.first_frame_at is None and r.shown:
            self.first_frame_at = time.monotonic() - self.started
            log.info("first camera picture on screen after %.2f s", self.first_frame_at)
        if r.quit_requested:
            self._running = False
        if self.options.frames is not None and self.frames >= self.options.frames:
            self._running = False
        self._clock.tick(self.config.display.fps)
        return self._running

    #: Frames a second processed for a camera that is not on the large monitor.
    THUMBNAIL_FPS = 10.0

    def _pace_feeds(self) -> None:
        """Give the large monitor's camera the processor; thumbnails are processed less often."""
        from installation.display.layout import Layout

        assert self.renderer is not None
        focused = self.renderer.layout is not Layout.GRID and len(self.feeds) > 1
        for index, feed in enumerate(self.feeds):
            if hasattr(feed, "max_fps"):
                feed.max_fps = self.THUMBNAIL_FPS if focused and index != self.controls.selected else None

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
        """Stop the cameras and the board link, then close the screen (unless ``keep_screen``)."""
        import pygame

        self._running = False
        for closer in self.closers:
            try:
                closer(self)
            except Exception:  # noqa: BLE001 - keep closing the rest
                log.exception("%r failed while closing", closer)
        # Every camera is asked first and waited for after: one stuck in a network call
        # then delays closing by its own short wait only, not by one per camera after it.
        for feed in self.feeds:
            request = getattr(feed, "request_stop", None)
            if request is not None:
                try:
                    request()
                except Exception as exc:  # noqa: BLE001 - keep closing the rest
                    log.warning("%s: %s while stopping", getattr(feed, "name", "camera"), exc)
        for feed in self.feeds:
            stop = getattr(feed, "stop", None)
            if stop is not None:
                try:
                    stop()
                except Exception as exc:  # noqa: BLE001 - keep closing the rest
                    log.warning("%s: %s while stopping", getattr(feed, "name", "camera"), exc)
        if self.link is not None:
            try:
                self.link.stop()
            except Exception as exc:  # noqa: BLE001
                log.warning("indicator panel: %s while stopping", exc)
            self.link = None
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


# -- commands -------------------------------------------------------------------


def add_screen_options(parser: argparse.ArgumentParser, *, windowed: bool) -> None:
    """The screen options, meaning the same on every command that opens the room (``run``, ``demo``,
    ``workshop``): ``--window`` or ``--fullscreen``, ``--display``, ``--size``, ``--headless``,
    ``--frames``, ``--screenshot``. ``windowed``: a window unless asked otherwise."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--window",
        action="store_true",
        help="a window instead of fullscreen" + (" (the default here)" if windowed else ""),
    )
    group.add_argument(
        "--fullscreen",
        action="store_true",
        help="fullscreen instead of a window"
        + ("" if windowed else " (the default unless display.fullscreen = false)"),
    )
    parser.add_argument(
        "--display",
        type=int,
        default=None,
        metavar="N",
        help="which display to use, counting from 0 (default: display.index)",
    )
    parser.add_argument("--size", default=None, metavar="WxH", help="window or screen size, e.g. 1280x720")
    parser.add_argument("--headless", action="store_true", help="draw without any screen (tests, benchmarks)")
    parser.add_argument("--frames", type=int, default=None, metavar="N", help="stop after N frames")
    parser.add_argument(
        "--screenshot",
        type=Path,
        default=None,
        metavar="PNG",
        help="save the last frame as PNG (on live cameras: refused while a face is exposed)",
    )


def room_options(args: argparse.Namespace, live: bool, *, windowed: bool = False) -> RoomOptions:
    """The screen options of ``run``, ``demo`` and ``workshop``; ``windowed``: a window by default."""
    from installation.display.screen import parse_size

    if args.frames is not None and args.frames < 1:
        raise UsageError(f"--frames: expected a positive number, got {args.frames}")
    if args.display is not None and args.display < 0:
        raise UsageError(f"--display: expected 0 or more, got {args.display}")
    return RoomOptions(
        window=args.window or (windowed and not args.fullscreen),
        fullscreen=args.fullscreen,
        display=args.display,
        size=parse_size(args.size) if args.size else None,
        headless=args.headless,
        frames=args.frames,
        screenshot=args.screenshot,
        live=live,
    )


def run_command(args: argparse.Namespace) -> int:
    from installation.config import load_config
    from installation.stats.counter import attach_stats

    options = room_options(args, live=True)
    app = App(load_config(args.config), options)
    attach_stats(app)
    return app.run()


def demo_command(args: argparse.Namespace) -> int:
    from installation.config import demo_config
    from installation.stats.counter import attach_stats

    options = room_options(args, live=False)
    app = App(demo_config(), options)
    attach_stats(app)
    return app.run()


def register(subparsers: Any) -> None:
    """Add ``run`` and ``demo`` to the ``installation`` command's sub-parsers."""
    for name, func, summary in (
        ("run", run_command, "open the monitoring room on the cameras in a config file"),
        (
            "demo",
            demo_command,
            "open the monitoring room on the bundled recorded footage (no camera, no board)",
        ),
    ):
        p = subparsers.add_parser(name, help=summary, description=summary)
        if name == "run":
            p.add_argument(
                "--config",
                type=Path,
                default=None,
                metavar="FILE",
                help="the installation's TOML config (default: the bundled demo footage)",
            )
        add_screen_options(p, windowed=False)
        p.set_defaults(func=func)
