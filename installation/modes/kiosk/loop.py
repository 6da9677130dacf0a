"""The kiosk: the room plus what an unattended gallery needs around it.

The kiosk runs the room's own loop (:class:`~installation.room.Room`) and joins
it in the room's terms: it is the room's :class:`~installation.room.Overlay`
(the facilitator's panel takes touches and keys first; the panel and the
aiming labels are drawn over the wall), its watchdog is one of the room's
listeners, and outside opening hours it shuts the room, showing the dark
screen in its place.
"""

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
from typing import TYPE_CHECKING

import pygame

from installation.config import Config, load_config
from installation.control.input import QUIT_KEYS
from installation.control.pointer import Input, Key
from installation.display.kiosk import ClosedScene, InfoLine, draw_aiming
from installation.errors import ConfigError, InstallationError
from installation.modes.kiosk.aiming import AIM_SECONDS, Aiming
from installation.modes.kiosk.blanking import ScreenBlanking
from installation.modes.kiosk.cameras import releasable_feeds
from installation.modes.kiosk.exits import EXIT_CRASH, EXIT_OK
from installation.modes.kiosk.files import heartbeat_path
from installation.modes.kiosk.panel import FacilitatorPanel
from installation.modes.kiosk.panel_input import panel_input
from installation.modes.kiosk.watchdog import Heartbeat, Watchdog
from installation.room import FeedFactory, Room, RoomOptions
from installation.schedule import Schedule, format_moment, parse_daily, within

if TYPE_CHECKING:
    from installation.control.state import PanelEvent
    from installation.display.fonts import Fonts

log = logging.getLogger(__name__)

#: Frames a second drawn while closed: the screen is black, the processor rests.
CLOSED_FPS = 5


class Kiosk:
    """The room plus what an unattended gallery needs around it.

    ``clock`` gives the wall-clock time (opening hours), ``monotonic`` the
    time for the panel and aiming; tests pass their own. ``feeds`` builds the
    cameras for a config (default: :func:`releasable_feeds`). ``count_stats``
    counts the anonymous statistics for every room the kiosk starts.

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
        events: queue.SimpleQueue[PanelEvent] | None = None,
        count_stats: bool = False,
    ) -> None:
        self.config = config
        self.options = options
        self.config_path = config_path
        self.clock = clock
        self.monotonic = monotonic
        self._make_feeds: FeedFactory = feeds or releasable_feeds
        self._events = events
        self.count_stats = count_stats
        self.schedule = Schedule.from_config(config.hours)
        self.steering_hours = parse_daily(config.kiosk.steering_hours)
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
            on_steering=self.toggle_steering,
            steering=self._steering_locked,
        )
        #: The facilitator locked visitors' steering (kept across reloads).
        self.steering_locked = False
        self.aiming = Aiming()
        self.room: Room | None = None
        self.closed = False
        self.exit_code = EXIT_OK
        self.started_at = clock()
        self.loaded_at = self.started_at
        self._quit = False
        self._reload_wanted = False
        #: Frames a second drawn while closed.
        self.closed_fps = CLOSED_FPS
        self._opens: tuple[int, datetime | None] = (-1, None)

    # -- lifecycle -----------------------------------------------------------------
    def _start_room(self, config: Config) -> Room:
        if not self.options.window and not config.display.fullscreen:
            log.info("display.fullscreen = false does not apply to the kiosk (--window tries it in a window)")
            config = dataclasses.replace(config, display=dataclasses.replace(config.display, fullscreen=True))
        room = Room(config, self.options, make_feeds=self._make_feeds, events=self._events, overlays=(self,))
        room.listen(self.watchdog)
        if self.count_stats:
            from installation.stats.counter import attach_stats

            attach_stats(room)  # the anonymous counts, for every room the kiosk starts
        self.room = room
        room.start()
        pygame.mouse.set_visible(False)
        if room.steering is not None:
            room.steering.lock("facilitator", self.steering_locked)
        return room

    def start(self) -> None:
        """Open the room; close it at once when outside opening hours; aim on start."""
        self.watchdog.doing("starting the room")
        self._start_room(self.config)
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
        if self._reload_wanted:
            self._reload_wanted = False
            self.reload()
        assert self.room is not None
        now = self.monotonic()
        self._follow_hours(self.clock())
        self.panel.tick(now)
        self.aiming.update(self.room, now)
        running = self.room.step()
        return running and not self._quit

    def run(self) -> int:
        """Start, step until quit (or ``--frames``), close; the exit code."""
        previous: Callable[[int, FrameType | None], object] | int | None = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGTERM, self._terminated)
        try:
            self.start()
            while self.step():
                pass
            if self.options.screenshot is not None and self.room is not None:
                self.room.screenshot(self.options.screenshot)
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
        if self.room is not None:
            self.room.close()
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
        if self.room is None or self.closed:
            return
        seconds = seconds or self.config.kiosk.aim_seconds or AIM_SECONDS
        self.aiming.start(self.room, self.monotonic(), seconds)
        log.info("aiming mode for %g s", seconds)

    def request_reload(self) -> None:
        """Reload at the start of the next frame (not in the middle of handling a touch)."""
        self._reload_wanted = True

    def reload(self) -> bool:
        """Read the config file again; on an error the running config stays and the panel says why."""
        from installation.display.text import text

        language = self.room.controls.language if self.room is not None else "en"
        if self.config_path is None:
            self.panel.say("Running the bundled demo footage: there is no config file to reload.", error=True)
            return False
        try:
            new = load_config(self.config_path)
        except ConfigError as exc:
            log.error("config reload refused, the running config stays: %s", exc)
            self.panel.say(f"{text('kiosk.reload_failed', language)} {exc}", error=True)
            return False
        old_room, old_config = self.room, self.config
        self.watchdog.doing("reloading the config")
        self.aiming.stop(old_room)
        if old_room is not None:
            old_room.close(keep_screen=True)
        self.watchdog.frame()
        try:
            self._start_room(new)
        except InstallationError as exc:
            log.error("config %s cannot start (%s); going back to the running config", self.config_path, exc)
            self.panel.say(f"{text('kiosk.reload_failed', language)} {exc}", error=True)
            failed = self.room
            if failed is not None and failed is not old_room:
                try:
                    failed.close(keep_screen=True)
                except Exception:  # noqa: BLE001 - going back matters more
                    log.debug("closing the room that did not start", exc_info=True)
            self._start_room(old_config)
            self.watchdog.doing("")
            return False
        finally:
            self.watchdog.frame()
        self.watchdog.doing("")
        self.config = new
        self.schedule = Schedule.from_config(new.hours)
        self.steering_hours = parse_daily(new.kiosk.steering_hours)
        self.panel.pin = new.kiosk.pin
        self.watchdog.timeout = new.kiosk.watchdog_seconds
        self.loaded_at = self.clock()
        self.closed = False
        self._opens = (-1, None)
        log.info("config reloaded from %s", self.config_path)
        self.panel.say(text("kiosk.reloaded", language))
        return True

    def toggle_steering(self) -> None:
        """The facilitator locks visitors' steering (every camera turns home), or allows it again."""
        self.steering_locked = not self.steering_locked
        log.info("steering %s from the facilitator panel", "locked" if self.steering_locked else "allowed")
        if self.room is not None and self.room.steering is not None:
            self.room.steering.lock("facilitator", self.steering_locked)

    def _steering_locked(self) -> bool | None:
        """Whether the facilitator locked steering; None when no camera here can be steered."""
        room = self.room
        if room is None or room.steering is None or not room.steering.has_heads():
            return None
        return self.steering_locked

    # -- opening hours ---------------------------------------------------------------------
    def _follow_hours(self, wall: datetime) -> None:
        is_open = self.schedule.is_open(wall)
        if is_open and self.closed:
            self._open_room(wall)
        elif not is_open and not self.closed:
            self._close_room(wall)
        steering = self.room.steering if self.room is not None else None
        if steering is not None and steering.has_heads():
            allowed = within(self.steering_hours, wall)
            if allowed == ("hours" in steering.reasons):
                log.info(
                    "steering %s (kiosk.steering_hours %s)",
                    "allowed" if allowed else "locked",
                    self.config.kiosk.steering_hours,
                )
                steering.lock("hours", not allowed)

    def _close_room(self, wall: datetime) -> None:
        room = self.room
        assert room is not None and room.renderer is not None
        self.closed = True
        self.aiming.stop(room)
        room.stop_cameras()
        dark = ClosedScene(
            room.renderer.fonts,
            opens=lambda: self._opening(self.clock()),
            clock=self.clock,
            languages=self.config.room.languages,
        )
        room.shut(dark, self.closed_fps)
        opens = self.schedule.next_change(wall)
        log.info(
            "closed (opening hours): screen dark, panel lights off, cameras released; opens %s",
            format_moment(opens, wall),
        )

    def _open_room(self, wall: datetime) -> None:
        assert self.room is not None
        self.room.start_cameras()
        self.room.reopen()
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

    # -- over the room (installation.room.Overlay) --------------------------------------------
    def handle(self, action: Input, now: float) -> bool:
        """The facilitator's panel takes touches and keys first; visitors have no way out."""
        if panel_input(self.panel, action, self.monotonic()):
            return True
        # visitors have no way out: the room's quit keys do nothing here
        return isinstance(action, Key) and action.key in QUIT_KEYS

    def draw(self, canvas: pygame.Surface, fonts: Fonts, now: float) -> None:
        """The aiming labels and the facilitator's panel, over the room."""
        room = self.room
        assert room is not None and room.renderer is not None
        now = self.monotonic()
        language = room.controls.language
        if self.aiming.active(now) and self.aiming.until is not None:
            draw_aiming(
                canvas,
                fonts,
                band=room.renderer.regions.captions,
                seconds_left=self.aiming.until - now,
                pictures=self.aiming.labels(room),
                language=language,
            )
        self.panel.draw(canvas, fonts, now, language)

    # -- the facilitator's figures -------------------------------------------------------------
    def info(self) -> list[InfoLine]:
        """The lines the facilitator panel shows about this run."""
        from installation.display.widgets import AMBER, GREEN, MUTED, RED, TEXT
        from installation.logs import log_file

        room = self.room
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
        if room is not None and room.performance is not None:
            perf = room.performance.figures()
            keeping = bool(perf["keeping_up"])
            lines.append(
                InfoLine(
                    f"display {perf['display_fps']:5.1f} fps (cap {room.config.display.fps})   "
                    f"draw {perf['draw_ms']:4.1f} ms   keeping up: {'yes' if keeping else 'NO'}",
                    TEXT if keeping else AMBER,
                )
            )
            for feed in room.feeds:
                status = feed.status
                if self.closed:
                    lines.append(InfoLine(f"{feed.name[:14]:<14} released (closed)", MUTED))
                elif status.ok:
                    lines.append(InfoLine(f"{feed.name[:14]:<14} ok   {status.fps:5.1f} fps", GREEN))
                else:
                    lines.append(InfoLine(f"{feed.name[:14]:<14} {status.reason}"[:110], RED))
            if room.link is not None:
                lines.append(InfoLine(room.link.status.text, GREEN if room.link.status.connected else AMBER))
            else:
                lines.append(InfoLine(f"panel: none (hardware.port = {room.config.hardware.port!r})", MUTED))
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
