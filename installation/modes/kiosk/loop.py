"""The kiosk: the room plus what an unattended gallery needs around it."""

from __future__ import annotations

import dataclasses
import logging
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from installation.app import App, RoomOptions, lower_priority
from installation.config import Config, load_config
from installation.errors import ConfigError, InstallationError
from installation.modes.kiosk.aiming import AIM_SECONDS, Aiming
from installation.modes.kiosk.blanking import ScreenBlanking
from installation.modes.kiosk.cameras import FeedFactory, releasable_feeds
from installation.modes.kiosk.exits import EXIT_CRASH, EXIT_OK
from installation.modes.kiosk.files import heartbeat_path
from installation.modes.kiosk.panel import FacilitatorPanel
from installation.modes.kiosk.panel_input import panel_input
from installation.modes.kiosk.watchdog import Heartbeat, Watchdog
from installation.schedule import Schedule, format_moment

if TYPE_CHECKING:
    import pygame

    from installation.display.kiosk import InfoLine
    from installation.state import IndicatorState

log = logging.getLogger(__name__)

#: Frames a second drawn while closed: the screen is black, the processor rests.
CLOSED_FPS = 5
#: Aiming mode's length when the facilitator asks for it and ``kiosk.aim_seconds`` is 0.


class Kiosk:
    """The room plus what an unattended gallery needs around it.

    ``clock`` gives the wall-clock time (opening hours), ``monotonic`` the
    time for the panel and aiming; tests pass their own. ``feeds`` builds the
    cameras for a config (default: :func:`releasable_feeds`).

    >>> kiosk = Kiosk(demo_config(), RoomOptions(headless=True, frames=30))  # doctest: +SKIP
    >>> kiosk.run()                                                           # doctest: +SKIP
    0
    """

    def __init__(
        self,
        config: Config,
        options: RoomOptions,
        *,
        config_path: Path | None = None,
        clock: Callable[[], datetime] = datetime.now,
        monotonic: Callable[[], float] = time.monotonic,
        feeds: FeedFactory | None = None,
        watchdog: Watchdog | None = None,
        blanking: ScreenBlanking | None = None,
        events: queue.SimpleQueue[Any] | None = None,
    ) -> None:
        self.config = config
        self.options = options
        self.config_path = config_path
        self.clock = clock
        self.monotonic = monotonic
        self._make_feeds: FeedFactory = feeds or releasable_feeds  # type: ignore[assignment]
        self._events = events
        self.schedule = Schedule.from_config(config.hours)
        self.watchdog = watchdog or Watchdog(
            config.kiosk.watchdog_seconds, heartbeat=Heartbeat(heartbeat_path())
        )
        self.blanking = blanking or ScreenBlanking()
        self.watchdog.before_exit.append(self.blanking.restore)
        self.panel = FacilitatorPanel(
            config.kiosk.pin,
            on_aim=self.aim,
            on_reload=self.request_reload,
            on_quit=self.quit,
            info=self.info,
            aim_available=lambda: not self.closed,
        )
        self.aiming = Aiming()
        self.app: App | None = None
        self.closed = False
        self.exit_code = EXIT_OK
        #: Called with every room the kiosk starts (at start and after each reload),
        #: to attach observers such as statistics.
        self.on_app: list[Callable[[App], object]] = []
        self.started_at = clock()
        self.loaded_at = self.started_at
        self._quit = False
        self._reload_wanted = False
        self._closed_clock: Any = None
        #: Frames a second drawn while closed.
        self.closed_fps = CLOSED_FPS
        self._opens: tuple[int, datetime | None] = (-1, None)

    # -- lifecycle -----------------------------------------------------------------
    def _start_app(self, config: Config) -> App:
        import pygame

        if not self.options.window and not config.display.fullscreen:
            log.info("display.fullscreen = false does not apply to the kiosk (--window tries it in a window)")
            config = dataclasses.replace(config, display=dataclasses.replace(config.display, fullscreen=True))
        holder: list[App] = []

        def controls() -> tuple[Any, float]:
            return holder[0].controls.effect, holder[0].controls.strength

        app = App(config, self.options, feeds=self._make_feeds(config, controls), events=self._events)
        holder.append(app)
        app.input_handlers.append(self._input)
        app.painters.append(self._paint)
        app.observers.append(self._observe)
        for hook in self.on_app:
            hook(app)
        self.app = app
        app.start()
        pygame.mouse.set_visible(False)
        return app

    def start(self) -> None:
        """Open the room; close it at once when outside opening hours; aim on start."""
        self.watchdog.doing("starting the room")
        self._start_app(self.config)
        if not self.options.headless:
            self.blanking.disable()
        self.watchdog.doing("")
        self.watchdog.start()
        self.watchdog.frame()
        wall = self.clock()
        log.info(
            "kiosk running (pid %d): %s; %d camera(s); hours: %s; heartbeat %s",
            os.getpid(),
            self.config_path or "bundled demo footage",
            len(self.config.cameras),
            self.schedule.describe(),
            getattr(self.watchdog.heartbeat, "path", "none"),
        )
        if not self.schedule.is_open(wall):
            self._close_room(wall)
        elif self.config.kiosk.aim_seconds > 0:
            self.aim(self.config.kiosk.aim_seconds)

    def step(self) -> bool:
        """One frame of the kiosk; False once it should end."""
        assert self.app is not None
        if self._reload_wanted:
            self._reload_wanted = False
            self.reload()
        now = self.monotonic()
        wall = self.clock()
        self._follow_hours(wall)
        self.panel.tick(now)
        self.aiming.update(self.app, now)
        running = self._closed_step(now, wall) if self.closed else self.app.step()
        return running and not self._quit

    def run(self) -> int:
        """Start, step until quit (or ``--frames``), close; the exit code."""
        previous: Any = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGTERM, self._terminated)
        try:
            self.start()
            while self.step():
                pass
            if self.options.screenshot is not None and self.app is not None:
                self.app.screenshot(self.options.screenshot)
        except Exception:
            self.exit_code = EXIT_CRASH  # the command line logs the traceback
            raise
        finally:
            self.close()
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
        return self.exit_code

    def close(self) -> None:
        self.watchdog.stop()
        if self.app is not None:
            self.app.close()
        self.blanking.restore()
        log.info("kiosk stopped (exit code %d)", self.exit_code)

    def _terminated(self, signum: int, frame: FrameType | None) -> None:
        if not self._quit:
            log.info("stopped by the system (signal %d)", signum)
        self._quit = True

    # -- facilitator actions ------------------------------------------------------------
    def quit(self) -> None:
        log.info("quit from the facilitator panel")
        self.exit_code = EXIT_OK
        self._quit = True

    def aim(self, seconds: float | None = None) -> None:
        """Aiming mode for ``seconds`` (default: ``kiosk.aim_seconds``, or 20 s when that is 0)."""
        if self.app is None or self.closed:
            return
        seconds = seconds or self.config.kiosk.aim_seconds or AIM_SECONDS
        self.aiming.start(self.app, self.monotonic(), seconds)
        log.info("aiming mode for %g s", seconds)

    def request_reload(self) -> None:
        """Reload at the start of the next frame (not in the middle of handling a touch)."""
        self._reload_wanted = True

    def reload(self) -> bool:
        """Read the config file again; on an error the running config stays and the panel says why."""
        from installation.display.text import text

        language = self.app.controls.language if self.app is not None else "en"
        if self.config_path is None:
            self.panel.say("Running the bundled demo footage: there is no config file to reload.", error=True)
            return False
        try:
            new = load_config(self.config_path)
        except ConfigError as exc:
            log.error("config reload refused, the running config stays: %s", exc)
            self.panel.say(f"{text('kiosk.reload_failed', language)} {exc}", error=True)
            return False
        old_app, old_config = self.app, self.config
        self.watchdog.doing("reloading the config")
        self.aiming.stop(old_app)
        if old_app is not None:
            old_app.close(keep_screen=True)
        self.watchdog.frame()
        try:
            self._start_app(new)
        except InstallationError as exc:
            log.error("config %s cannot start (%s); going back to the running config", self.config_path, exc)
            self.panel.say(f"{text('kiosk.reload_failed', language)} {exc}", error=True)
            failed = self.app
            if failed is not None and failed is not old_app:
                try:
                    failed.close(keep_screen=True)
                except Exception:  # noqa: BLE001 - going back matters more
                    log.debug("closing the room that did not start", exc_info=True)
            self._start_app(old_config)
            self.watchdog.doing("")
            return False
        finally:
            self.watchdog.frame()
        self.watchdog.doing("")
        self.config = new
        self.schedule = Schedule.from_config(new.hours)
        self.panel.pin = new.kiosk.pin
        self.watchdog.timeout = new.kiosk.watchdog_seconds
        self.loaded_at = self.clock()
        self.closed = False
        self._opens = (-1, None)
        log.info("config reloaded from %s", self.config_path)
        self.panel.say(text("kiosk.reloaded", language))
        return True

    # -- opening hours ---------------------------------------------------------------------
    def _follow_hours(self, wall: datetime) -> None:
        is_open = self.schedule.is_open(wall)
        if is_open and self.closed:
            self._open_room(wall)
        elif not is_open and not self.closed:
            self._close_room(wall)

    def _close_room(self, wall: datetime) -> None:
        assert self.app is not None
        self.closed = True
        self.aiming.stop(self.app)
        for feed in self.app.feeds:
            stop = getattr(feed, "stop", None)
            if stop is not None:
                stop()
        opens = self.schedule.next_change(wall)
        log.info(
            "closed (opening hours): screen dark, panel lights off, cameras released; opens %s",
            format_moment(opens, wall),
        )

    def _open_room(self, wall: datetime) -> None:
        assert self.app is not None
        before = {t.ident for t in threading.enumerate()}
        for feed in self.app.feeds:
            start = getattr(feed, "start", None)
            if start is not None:
                start()
        lower_priority([t for t in threading.enumerate() if t.ident not in before])
        self.closed = False
        log.info(
            "open (opening hours): cameras started; closes %s",
            format_moment(self.schedule.next_change(wall), wall),
        )

    def _opening(self, wall: datetime) -> datetime | None:
        minute = int(wall.timestamp() // 60)
        if self._opens[0] != minute:
            self._opens = (minute, self.schedule.next_change(wall))
        return self._opens[1]

    def _closed_step(self, now: float, wall: datetime) -> bool:
        """A frame while closed: black screen, lights off, only the facilitator's way in."""
        import pygame

        from installation.display.kiosk import draw_closed
        from installation.state import IndicatorState

        app = self.app
        assert app is not None and app.canvas is not None and app.screen is not None
        assert app.renderer is not None
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                self._quit = True
            else:
                self._input(app, event, now)
        while True:  # the board's buttons do nothing while closed
            try:
                app.events.get_nowait()
            except queue.Empty:
                break
        if app.link is not None:
            try:
                app.link.show(
                    IndicatorState(exposed=False, live=False, tally=0, faces=0, cameras=app.controls.cameras)
                )
            except Exception as exc:  # noqa: BLE001 - the board must never stop the kiosk
                log.debug("indicator panel: %s", exc)
        try:
            draw_closed(
                app.canvas,
                app.renderer.fonts,
                opens=self._opening(wall),
                now=wall,
                languages=self.config.room.languages,
            )
            self.panel.draw(app.canvas, app.renderer.fonts, now, app.controls.language)
            if app.canvas is not app.screen and app.transform is not None:
                app.transform.present(app.canvas, app.screen)
            pygame.display.flip()
            self.watchdog.frame()
        except Exception:  # noqa: BLE001 - logged; the watchdog restarts us if it never works again
            log.exception("drawing the closed screen failed")
        app.frames += 1
        if self._closed_clock is None:
            self._closed_clock = pygame.time.Clock()
        self._closed_clock.tick(self.closed_fps)
        return self.options.frames is None or app.frames < self.options.frames

    # -- hooks into the room -------------------------------------------------------------------
    def _canvas_pos(self, app: App, event: pygame.event.Event) -> tuple[int, int] | None:
        import pygame

        assert app.screen is not None
        size = app.screen.get_size()
        if event.type in (pygame.FINGERDOWN, pygame.FINGERMOTION, pygame.FINGERUP):
            pos = (int(event.x * size[0]), int(event.y * size[1]))
        elif hasattr(event, "pos"):
            pos = tuple(event.pos)  # type: ignore[assignment]
        else:
            return None
        if app.transform is not None and not app.transform.identity:
            return app.transform.to_canvas(pos, size)
        return pos

    def _input(self, app: App, event: pygame.event.Event, _now: float) -> bool:
        import pygame

        if panel_input(self.panel, event, self._canvas_pos(app, event), self.monotonic()):
            return True
        # visitors have no way out: the room's quit keys do nothing here
        return event.type == pygame.KEYDOWN and event.key in (pygame.K_ESCAPE, pygame.K_q)

    def _paint(self, app: App, canvas: pygame.Surface, _now: float) -> None:
        from installation.display.kiosk import draw_aiming

        assert app.renderer is not None
        now = self.monotonic()
        language = app.controls.language
        if self.aiming.active(now) and self.aiming.until is not None:
            draw_aiming(
                canvas,
                app.renderer.fonts,
                band=app.renderer.regions.captions,
                seconds_left=self.aiming.until - now,
                pictures=self.aiming.labels(app),
                language=language,
            )
        self.panel.draw(canvas, app.renderer.fonts, now, language)

    def _observe(self, _app: App, _state: IndicatorState, _now: float) -> None:
        self.watchdog.frame()

    # -- the facilitator's figures -------------------------------------------------------------
    def info(self) -> list[InfoLine]:
        """The lines the facilitator panel shows about this run."""
        from installation.display.kiosk import InfoLine
        from installation.display.widgets import AMBER, GREEN, MUTED, RED, TEXT
        from installation.logs import log_file

        app = self.app
        wall = self.clock()
        up = wall - self.started_at
        days, rest = divmod(int(up.total_seconds()), 86400)
        hours, rest = divmod(rest, 3600)
        lines = [
            InfoLine(
                f"pid {os.getpid()}   up {days} d {hours} h {rest // 60} min   since "
                f"{self.started_at:%Y-%m-%d %H:%M}   {self.watchdog.frames:,} frames shown",
                TEXT,
            )
        ]
        if app is not None and app.renderer is not None:
            perf = app.renderer.performance()
            keeping = bool(perf["keeping_up"])
            lines.append(
                InfoLine(
                    f"display {perf['display_fps']:5.1f} fps (cap {app.config.display.fps})   "
                    f"draw {perf['draw_ms']:4.1f} ms   keeping up: {'yes' if keeping else 'NO'}",
                    TEXT if keeping else AMBER,
                )
            )
            for feed in app.feeds:
                status = feed.status
                if self.closed:
                    lines.append(InfoLine(f"{feed.name[:14]:<14} released (closed)", MUTED))
                elif getattr(status, "ok", False):
                    lines.append(
                        InfoLine(f"{feed.name[:14]:<14} ok   {getattr(status, 'fps', 0.0):5.1f} fps", GREEN)
                    )
                else:
                    lines.append(InfoLine(f"{feed.name[:14]:<14} {getattr(status, 'reason', '')}"[:110], RED))
            if app.link is not None:
                lines.append(InfoLine(app.link.status.text, GREEN if app.link.status.connected else AMBER))
            else:
                lines.append(InfoLine(f"panel: none (hardware.port = {app.config.hardware.port!r})", MUTED))
        change = self.schedule.next_change(wall)
        state = "closed" if self.closed else "open"
        lines.append(
            InfoLine(
                f"hours: {self.schedule.describe()}   now {state}"
                + (
                    f", {'opens' if self.closed else 'closes'} {format_moment(change, wall)}"
                    if change
                    else ""
                ),
                TEXT,
            )
        )
        source = str(self.config_path) if self.config_path else "bundled demo footage (no config file)"
        lines.append(InfoLine(f"config: {source}   loaded {self.loaded_at:%Y-%m-%d %H:%M}", MUTED))
        lines.append(InfoLine(f"log: {log_file()}", MUTED))
        return lines
