"""``installation kiosk``: the monitoring room unattended in a gallery, for weeks.

    installation kiosk                       fullscreen, config from the default location
    installation kiosk --config FILE         another config file
    installation kiosk --install [--xdg]     start it at login (systemd user unit, or XDG autostart)
    installation kiosk --uninstall           remove what --install installed

Visitors have no way out: Esc and Q do nothing, the cursor is hidden and the
screen never blanks while the kiosk runs. A facilitator holds the top-left
corner for 3 seconds (or presses Ctrl+Alt+F) and types the PIN from
``[kiosk] pin`` on the on-screen keypad; the panel shows how the run is doing
and offers: aim the cameras, reload the config, quit.

Only one kiosk runs at a time (:class:`InstanceLock`). A watchdog thread exits
the process for a restart when no frame has reached the screen for
``kiosk.watchdog_seconds``, and touches a heartbeat file every
:data:`HEARTBEAT_SECONDS` while frames flow, so an outside supervisor can
see a hang too. Both files live in :func:`runtime_dir`.

Outside the opening hours (``[hours]``) the screen is dark, the panel's
lights are off and the cameras are released; the room wakes on time.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from installation.app import App, RoomOptions, add_screen_options, lower_priority, room_options
from installation.config import APP_NAME, Config, default_config_path, demo_config, load_config
from installation.errors import ConfigError, InstallationError, UsageError
from installation.schedule import Schedule, format_moment

if TYPE_CHECKING:
    import pygame

    from installation.display.fonts import Fonts
    from installation.display.kiosk import AimLabel, InfoLine
    from installation.state import IndicatorState

log = logging.getLogger(__name__)

# -- exit codes -----------------------------------------------------------------
#: Quit from the facilitator panel, or stopped by the system (SIGTERM): not restarted.
EXIT_OK = 0
#: Crashed (the traceback is in the log): restarted by the supervisor.
EXIT_CRASH = 1
#: Bad command-line arguments.
EXIT_USAGE = UsageError.exit_code
#: The config file has an error: not restarted until it is fixed (``RestartPreventExitStatus``).
EXIT_CONFIG = ConfigError.exit_code
#: Another kiosk is already running.
EXIT_RUNNING = 4
#: The watchdog saw no frame reach the screen in time: restart wanted (EX_TEMPFAIL).
EXIT_RESTART = 75

EXIT_CODES: dict[int, str] = {
    EXIT_OK: "quit by the facilitator, or stopped by the system; not restarted",
    EXIT_CRASH: "crashed (traceback in the log); restarted",
    EXIT_USAGE: "bad command-line arguments",
    EXIT_CONFIG: "configuration error; not restarted until the file is fixed",
    EXIT_RUNNING: "another kiosk is already running",
    EXIT_RESTART: "restart wanted: no frame reached the screen in time (watchdog); restarted",
}

#: Seconds between heartbeats while frames reach the screen.
HEARTBEAT_SECONDS = 2.0
#: Frames a second drawn while closed: the screen is black, the processor rests.
CLOSED_FPS = 5
#: Aiming mode's length when the facilitator asks for it and ``kiosk.aim_seconds`` is 0.
AIM_SECONDS = 20.0


# -- files ----------------------------------------------------------------------


def runtime_dir() -> Path:
    """Where the lock and heartbeat files live: the user's runtime folder, else the state folder.

    ``$XDG_RUNTIME_DIR/monitoring-room`` is in memory (no wear on an SD card)
    and emptied at logout; without it, ``~/.local/state/monitoring-room``.
    """
    import platformdirs

    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_absolute() and Path(runtime).is_dir():
        # platformdirs would answer the same, but moves elsewhere when the folder's mode is not 0700
        return Path(runtime) / APP_NAME
    return platformdirs.user_state_path(APP_NAME)


def lock_path() -> Path:
    return runtime_dir() / "kiosk.lock"


def heartbeat_path() -> Path:
    """The heartbeat file: ``PID UNIX-TIME FRAMES``, rewritten every couple of seconds while frames flow."""
    return runtime_dir() / "heartbeat"


class AlreadyRunning(InstallationError):
    """Another kiosk holds the lock."""

    exit_code = EXIT_RUNNING


class InstanceLock:
    """An exclusive ``flock`` on a file holding the owner's pid; released when the process ends, however.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d, InstanceLock(Path(d) / "kiosk.lock"):
    ...     running_pid(Path(d) / "kiosk.lock") == os.getpid()
    True
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> InstanceLock:
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            pid = _read_pid(self.path)
            who = f" (pid {pid})" if pid else ""
            raise AlreadyRunning(
                f"another kiosk is already running{who}; quit it from its facilitator panel, "
                f"or `systemctl --user stop monitoring-room` (lock: {self.path})"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        import fcntl

        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> InstanceLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def running_pid(path: Path | None = None) -> int | None:
    """The pid of the kiosk holding the lock, or None when none runs."""
    import fcntl

    path = path or lock_path()
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return _read_pid(path) or -1
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


class Heartbeat:
    """A small file rewritten while frames reach the screen; its age tells a supervisor whether it hangs."""

    def __init__(self, path: Path, interval: float = HEARTBEAT_SECONDS) -> None:
        self.path = path
        self.interval = interval
        self._last: float | None = None
        self._frames = -1

    def due(self, now: float, frames: int) -> bool:
        """Time for a beat: the interval has passed and frames have been shown since the last one."""
        return frames != self._frames and (self._last is None or now - self._last >= self.interval)

    def beat(self, now: float, frames: int) -> None:
        self._last, self._frames = now, frames
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_name(self.path.name + ".new")
            temporary.write_text(f"{os.getpid()} {time.time():.0f} {frames}\n")
            os.replace(temporary, self.path)
        except OSError as exc:  # a full disk must not stop the room; the watchdog still works
            log.debug("heartbeat %s: %s", self.path, exc)


def heartbeat_age(path: Path | None = None) -> float | None:
    """Seconds since the heartbeat file was last written, or None when there is none."""
    try:
        return max(0.0, time.time() - (path or heartbeat_path()).stat().st_mtime)
    except OSError:
        return None


# -- the watchdog ---------------------------------------------------------------


def restart_now(reason: str, before_exit: Sequence[Callable[[], None]] = ()) -> None:
    """Log why, undo what must be undone, and end the process with :data:`EXIT_RESTART`."""
    log.critical("watchdog: %s; exiting with code %d for a restart", reason, EXIT_RESTART)
    for undo in before_exit:
        try:
            undo()
        except Exception:  # noqa: BLE001 - the exit must happen whatever fails here
            log.debug("while exiting for a restart", exc_info=True)
    for handler in logging.getLogger().handlers:
        try:
            handler.flush()
        except Exception:  # noqa: BLE001
            pass
    os._exit(EXIT_RESTART)  # the drawing thread is stuck: a normal exit would wait for it forever


class Watchdog:
    """Notices when frames stop reaching the screen, and beats the heartbeat while they do.

    The drawing loop calls :meth:`frame` after every frame shown; a thread
    calls :meth:`check` twice a second. After ``timeout`` seconds without a
    frame, ``on_stall(reason)`` runs once (by default: log why and exit with
    :data:`EXIT_RESTART`). The reason names where the drawing thread is stuck.

    >>> now = [0.0]
    >>> stalls = []
    >>> dog = Watchdog(10.0, clock=lambda: now[0], on_stall=stalls.append)
    >>> dog.frame(); now[0] = 9.0; dog.check() is None
    True
    >>> now[0] = 10.5; dog.check().startswith("no frame reached the screen for 10.5 s")
    True
    """

    def __init__(
        self,
        timeout: float = 10.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        heartbeat: Heartbeat | None = None,
        on_stall: Callable[[str], None] | None = None,
        interval: float = 0.5,
    ) -> None:
        self.timeout = timeout
        self.clock = clock
        self.heartbeat = heartbeat
        self.on_stall = on_stall or (lambda reason: restart_now(reason, self.before_exit))
        self.interval = interval
        #: Run before the process exits for a restart (restore the screen blanking).
        self.before_exit: list[Callable[[], None]] = []
        self.frames = 0
        self.fired: str | None = None
        self._last = clock()
        self._doing = ""
        self._drawing_thread = threading.current_thread()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def frame(self) -> None:
        """A frame reached the screen."""
        self._last = self.clock()
        self.frames += 1

    def doing(self, what: str) -> None:
        """Say what the drawing thread is busy with, for the log should it stall there ('' when done)."""
        self._doing = what

    def check(self) -> str | None:
        """Beat the heartbeat, or give up on a stalled screen; the reason once it has stalled."""
        now = self.clock()
        age = now - self._last
        if age > self.timeout:
            if self.fired is None:
                self.fired = self._reason(age)
                self.on_stall(self.fired)
            return self.fired
        if self.heartbeat is not None and self.heartbeat.due(now, self.frames):
            self.heartbeat.beat(now, self.frames)
        return None

    def _reason(self, age: float) -> str:
        reason = f"no frame reached the screen for {age:.1f} s (limit {self.timeout:g} s)"
        if self._doing:
            reason += f" while {self._doing}"
        frame: FrameType | None = sys._current_frames().get(self._drawing_thread.ident or -1)
        if frame is not None:
            stack = traceback.extract_stack(frame)[-3:]
            where = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(stack))
            reason += f"; the drawing thread is at {where}"
        return reason

    def start(self) -> None:
        """Watch from a thread of its own; the thread calling this is the one that draws."""
        self._drawing_thread = threading.current_thread()
        self._last = self.clock()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="watchdog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception:  # noqa: BLE001 - the watchdog itself must never die
                log.exception("watchdog check failed")


# -- screen blanking --------------------------------------------------------------


def parse_xset(query: str) -> dict[str, Any]:
    """The screensaver and DPMS settings from ``xset q``, to put back on exit.

    >>> parse_xset("  prefer blanking:  yes    allow exposures:  yes\\n  timeout:  600    cycle:  600\\n"
    ...            "  DPMS is Enabled\\n")
    {'blanking': True, 'timeout': 600, 'cycle': 600, 'dpms': True}
    """
    saved: dict[str, Any] = {}
    blanking = re.search(r"prefer blanking:\s*(yes|no)", query)
    if blanking:
        saved["blanking"] = blanking.group(1) == "yes"
    timing = re.search(r"timeout:\s*(\d+)\s+cycle:\s*(\d+)", query)
    if timing:
        saved["timeout"], saved["cycle"] = int(timing.group(1)), int(timing.group(2))
    dpms = re.search(r"DPMS is (Enabled|Disabled)", query)
    if dpms:
        saved["dpms"] = dpms.group(1) == "Enabled"
    return saved


class ScreenBlanking:
    """Keeps the screen awake while the kiosk runs, and puts the settings back afterwards.

    SDL is told not to allow the screensaver; on X11 (``DISPLAY`` set and
    ``xset`` installed) the X screensaver and DPMS power saving are switched
    off too, since a display can blank itself regardless of SDL.
    """

    def __init__(
        self,
        *,
        run: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run,
        environ: dict[str, str] | None = None,
    ) -> None:
        self._run = run
        self._environ = environ if environ is not None else dict(os.environ)
        self.saved: dict[str, Any] | None = None
        self._xset: str | None = None

    def _call(self, *args: str) -> subprocess.CompletedProcess[str] | None:
        assert self._xset is not None
        try:
            result = self._run(
                [self._xset, *args], env=self._environ, capture_output=True, text=True, timeout=3
            )
        except (OSError, subprocess.SubprocessError) as exc:
            log.warning("xset %s: %s", " ".join(args), exc)
            return None
        if result.returncode != 0:
            log.warning("xset %s failed: %s", " ".join(args), (result.stderr or "").strip())
        return result

    def disable(self) -> None:
        try:
            import pygame

            if pygame.display.get_init():
                pygame.display.set_allow_screensaver(False)
        except Exception as exc:  # noqa: BLE001 - an old SDL without the call
            log.debug("SDL screensaver switch: %s", exc)
        if not self._environ.get("DISPLAY"):
            return
        self._xset = shutil.which("xset", path=self._environ.get("PATH"))
        if self._xset is None:
            log.warning(
                "xset not found: the display may still blank itself (apt-get install x11-xserver-utils)"
            )
            return
        query = self._call("q")
        self.saved = parse_xset(query.stdout if query is not None and query.returncode == 0 else "")
        self._call("s", "off")
        self._call("s", "noblank")
        self._call("-dpms")
        log.info("screen blanking off while the kiosk runs (xset s off -dpms)")

    def restore(self) -> None:
        saved, self.saved = self.saved, None
        if saved is None or self._xset is None:
            return
        if "timeout" in saved:
            self._call("s", str(saved["timeout"]), str(saved["cycle"]))
        else:
            self._call("s", "default")
        self._call("s", "blank" if saved.get("blanking", True) else "noblank")
        self._call("+dpms" if saved.get("dpms", True) else "-dpms")
        log.info("screen blanking settings restored")


# -- cameras that can be let go at night ----------------------------------------------


class ReleasableFeed:
    """A camera the kiosk lets go of at closing time and takes back at opening.

    Each :meth:`start` builds a fresh worker (source, detector, tracker) with
    ``build``; :meth:`stop` stops it and drops it, freeing the device and the
    detector. Sequence numbers keep growing across restarts.
    """

    def __init__(self, build: Callable[[], Any], name: str) -> None:
        self._build = build
        self._name = name
        self._worker: Any | None = None
        self._base = 0
        self._max_fps: float | None = None
        self._released_since = time.monotonic()

    @property
    def name(self) -> str:
        return self._name

    @property
    def running(self) -> bool:
        return self._worker is not None

    @property
    def max_fps(self) -> float | None:
        return self._max_fps

    @max_fps.setter
    def max_fps(self, value: float | None) -> None:
        self._max_fps = value
        if self._worker is not None and hasattr(self._worker, "max_fps"):
            self._worker.max_fps = value

    def start(self) -> None:
        if self._worker is not None:
            return
        worker = self._build()
        if hasattr(worker, "max_fps"):
            worker.max_fps = self._max_fps
        worker.start()
        self._worker = worker

    def request_stop(self) -> None:
        """Ask the running worker to stop without waiting for it (see ``CameraWorker.request_stop``)."""
        worker = self._worker
        request = getattr(worker, "request_stop", None)
        if request is not None:
            request()

    def stop(self) -> None:
        worker, self._worker = self._worker, None
        if worker is None:
            return
        seq, _ = worker.latest()
        self._base += seq
        self._released_since = time.monotonic()
        worker.stop()

    def latest(self) -> tuple[int, Any]:
        worker = self._worker
        if worker is None:
            return self._base, None
        seq, processed = worker.latest()
        return self._base + seq, processed

    @property
    def status(self) -> object:
        worker = self._worker
        if worker is None:
            from installation.sources import SourceStatus

            return SourceStatus(False, f"{self._name}: released (closed)", self._released_since, 0, 0.0)
        return worker.status


FeedFactory = Callable[[Config, Callable[[], tuple[Any, float]]], list[Any]]


def releasable_feeds(config: Config, controls: Callable[[], tuple[Any, float]]) -> list[ReleasableFeed]:
    """One :class:`ReleasableFeed` per configured camera, each building a ``CameraWorker``."""

    def builder(camera: Any) -> Callable[[], Any]:
        def build() -> Any:
            from installation.pipeline import build_workers

            return build_workers(dataclasses.replace(config, cameras=[camera]), controls)[0]

        return build

    return [ReleasableFeed(builder(camera), camera.name) for camera in config.cameras]


# -- the facilitator panel ------------------------------------------------------------


class FacilitatorPanel:
    """The PIN keypad and the facilitator's panel, drawn over the room; touch and keys.

    Closed, it only watches for the way in: a press held :attr:`HOLD_SECONDS`
    in the top-left corner, or Ctrl+Alt+F. Open, it takes every touch and
    key, so visitors cannot reach the room behind it; it closes itself after
    :attr:`IDLE_SECONDS` untouched. After :attr:`MAX_TRIES` wrong PINs in a row
    the keypad refuses for :attr:`LOCKOUT_SECONDS`.
    """

    HOLD_SECONDS = 3.0
    IDLE_SECONDS = 60.0
    MAX_TRIES = 5
    LOCKOUT_SECONDS = 60.0

    def __init__(
        self,
        pin: str,
        *,
        on_aim: Callable[[], None] = lambda: None,
        on_reload: Callable[[], None] = lambda: None,
        on_quit: Callable[[], None] = lambda: None,
        info: Callable[[], list[InfoLine]] = list,
        aim_available: Callable[[], bool] = lambda: True,
    ) -> None:
        self.pin = pin
        self.on_aim = on_aim
        self.on_reload = on_reload
        self.on_quit = on_quit
        self.info = info
        self.aim_available = aim_available
        self.mode = "closed"  # "closed", "pin" or "menu"
        self.typed = ""
        self.message = ""
        self.message_is_error = False
        self.confirm_quit = False
        self.targets: dict[str, Any] = {}
        self._corner: Any | None = None
        self._held_at: float | None = None
        self._last_input = 0.0
        self._tries = 0
        self._locked_until = float("-inf")

    @property
    def is_open(self) -> bool:
        return self.mode != "closed"

    def open(self, now: float) -> None:
        """Show the keypad."""
        if self.mode == "closed":
            self.mode, self.typed, self.message, self.confirm_quit = "pin", "", "", False
            self._last_input = now
            log.info("facilitator panel: PIN asked")

    def close(self) -> None:
        self.mode, self.typed, self.confirm_quit, self._held_at = "closed", "", False, None
        self.message = ""

    def say(self, message: str, *, error: bool = False) -> None:
        """A line for the facilitator (the result of a reload)."""
        self.message, self.message_is_error = message, error

    def tick(self, now: float) -> None:
        """Once a frame: a corner held long enough opens the keypad; an untouched panel closes."""
        if self._held_at is not None and now - self._held_at >= self.HOLD_SECONDS:
            self._held_at = None
            self.open(now)
        if self.is_open and now - self._last_input >= self.IDLE_SECONDS:
            log.info("facilitator panel closed after %g s untouched", self.IDLE_SECONDS)
            self.close()

    # -- input ---------------------------------------------------------------------
    def handle(self, event: pygame.event.Event, pos: tuple[int, int] | None, now: float) -> bool:
        """Apply one event; True when it was the panel's (the room must not see it)."""
        import pygame

        t = event.type
        if t in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP, pygame.MOUSEMOTION) and getattr(
            event, "touch", False
        ):
            return self.is_open  # SDL's mouse copy of a finger: the finger event counts
        if t in (pygame.MOUSEBUTTONDOWN, pygame.FINGERDOWN):
            if t == pygame.MOUSEBUTTONDOWN and getattr(event, "button", 1) != 1:
                return self.is_open
            if self.is_open:
                self._last_input = now
                if pos is not None:
                    self._touch(pos, now)
                return True
            if pos is not None and self._corner is not None and self._corner.collidepoint(pos):
                self._held_at = now
            return False
        if t in (pygame.MOUSEMOTION, pygame.FINGERMOTION):
            if self._held_at is not None and (
                pos is None or self._corner is None or not self._corner.collidepoint(pos)
            ):
                self._held_at = None
            return self.is_open
        if t in (pygame.MOUSEBUTTONUP, pygame.FINGERUP):
            self._held_at = None
            return self.is_open
        if t == pygame.KEYDOWN:
            mods = getattr(event, "mod", 0)
            if event.key == pygame.K_f and mods & pygame.KMOD_CTRL and mods & pygame.KMOD_ALT:
                self.open(now)
                return True
            if self.is_open:
                self._last_input = now
                self._key(event.key, getattr(event, "unicode", ""), now)
                return True
            return False
        if t in (pygame.KEYUP, pygame.TEXTINPUT):
            return self.is_open
        return False

    def _touch(self, pos: tuple[int, int], now: float) -> None:
        name = next((n for n, rect in self.targets.items() if n != "card" and rect.collidepoint(pos)), None)
        if name is None:
            return
        if self.mode == "pin":
            if name.startswith("key."):
                self._pin_key(name[4:], now)
            elif name == "cancel":
                self.close()
        elif self.mode == "menu":
            self._choose(name)

    def _key(self, key: int, char: str, now: float) -> None:
        import pygame

        if key == pygame.K_ESCAPE:
            self.close()
        elif self.mode == "pin":
            if char and char.isdigit():
                self._pin_key(char, now)
            elif key == pygame.K_BACKSPACE:
                self._pin_key("del", now)
            elif key in (pygame.K_RETURN, pygame.K_KP_ENTER):
                self._pin_key("ok", now)
        elif self.mode == "menu":
            names = {pygame.K_a: "aim", pygame.K_r: "reload", pygame.K_q: "quit", pygame.K_c: "close"}
            if key in names:
                self._choose(names[key])

    def _pin_key(self, key: str, now: float) -> None:
        if now < self._locked_until:
            return
        if key == "del":
            self.typed = self.typed[:-1]
        elif key == "ok":
            self._submit(now)
        elif key.isdigit() and len(self.typed) < 8:
            self.typed += key
            self.message = ""

    def _submit(self, now: float) -> None:
        if self.typed == self.pin:
            self.mode, self.typed, self._tries = "menu", "", 0
            self.message = ""
            log.info("facilitator panel opened")
            return
        self._tries += 1
        self.typed = ""
        self.message, self.message_is_error = "kiosk.wrong_pin", True
        log.warning("facilitator panel: wrong PIN (%d in a row)", self._tries)
        if self._tries >= self.MAX_TRIES:
            self._tries = 0
            self._locked_until = now + self.LOCKOUT_SECONDS
            log.warning("facilitator panel: keypad locked for %g s", self.LOCKOUT_SECONDS)

    def _choose(self, name: str) -> None:
        if name != "quit":
            self.confirm_quit = False
        if name == "aim":
            if self.aim_available():
                self.close()
                self.on_aim()
        elif name == "reload":
            self.say("")
            self.on_reload()
        elif name == "quit":
            if self.confirm_quit:
                self.on_quit()
            else:
                self.confirm_quit = True
        elif name == "close":
            self.close()

    # -- drawing ---------------------------------------------------------------------
    def draw(self, canvas: pygame.Surface, fonts: Fonts, now: float, language: str = "en") -> None:
        from installation.display.kiosk import corner_rect, draw_keypad, draw_menu
        from installation.display.text import STRINGS, text

        self._corner = corner_rect(canvas.get_size(), fonts)
        if self.mode == "pin":
            message = self.message
            if now < self._locked_until:
                message = text("kiosk.locked", language, n=int(self._locked_until - now) + 1)
            elif message in STRINGS:
                message = text(message, language)
            self.targets = draw_keypad(
                canvas, fonts, typed=len(self.typed), message=message, language=language
            )
        elif self.mode == "menu":
            self.targets = draw_menu(
                canvas,
                fonts,
                lines=self.info(),
                message=self.message,
                message_is_error=self.message_is_error,
                confirm_quit=self.confirm_quit,
                aim_available=self.aim_available(),
                language=language,
            )
        else:
            self.targets = {}


# -- aiming mode ------------------------------------------------------------------------


class Aiming:
    """Every camera large enough to aim, with the detector's boxes, for a few seconds.

    While it lasts the wall shows the grid with the machine's view on and an
    effect that hides faces ("exposed" cannot be chosen); afterwards the
    layout, the machine view and the choice of "exposed" are put back.
    """

    def __init__(self) -> None:
        self.until: float | None = None
        self._saved: tuple[Any, bool, bool] | None = None
        self._light: dict[tuple[int, int], tuple[float, float | None]] = {}

    def active(self, now: float) -> bool:
        return self.until is not None and now < self.until

    def start(self, app: App, now: float, seconds: float) -> None:
        assert app.renderer is not None
        if self._saved is None:
            self._saved = (app.renderer.layout, app.controls.show_boxes, app.controls.allow_exposed)
        self.until = now + seconds
        self._enforce(app)

    def _enforce(self, app: App) -> None:
        from installation.display.layout import Layout
        from installation.effects import Effect
        from installation.state import InputKind

        assert app.renderer is not None
        app.renderer.layout = Layout.GRID
        app.controls.set_show_boxes(True, InputKind.SYSTEM)
        app.controls.allow_exposed = False
        if not app.controls.effect.hides:
            app.controls.set_effect(Effect.BLUR, InputKind.SYSTEM)

    def update(self, app: App | None, now: float) -> None:
        if app is None or self.until is None:
            return
        if now >= self.until:
            self.stop(app)
        else:
            self._enforce(app)

    def stop(self, app: App | None) -> None:
        from installation.state import InputKind

        saved, self._saved, self.until = self._saved, None, None
        self._light.clear()
        if saved is not None and app is not None and app.renderer is not None:
            app.renderer.layout = saved[0]
            app.controls.set_show_boxes(saved[1], InputKind.SYSTEM)
            app.controls.allow_exposed = saved[2]

    def labels(self, app: App) -> list[tuple[Any, AimLabel]]:
        """A label for each picture on the wall: size, rate, faces, and a word on the light."""
        import numpy as np

        from installation.display.kiosk import AimLabel, light_verdict

        assert app.renderer is not None
        out = []
        for index, (processed, rect) in sorted(app.renderer.shown.items()):
            feed = app.renderer.feeds[index]
            seq = app.renderer.views[index].seq
            light = self._light.get((index, seq))
            if light is None:
                # measured on the camera's own picture, which never leaves the process
                grey = processed.frame.image[::8, ::8].mean(axis=2)
                h, w = grey.shape
                face_means = []
                for face in processed.faces:
                    x0, y0, x1, y1 = face.box.scaled(0.8).pixel_bounds(w * 8, h * 8)
                    patch = grey[y0 // 8 : max(y0 // 8 + 1, y1 // 8), x0 // 8 : max(x0 // 8 + 1, x1 // 8)]
                    face_means.append(float(patch.mean()))
                light = (float(np.mean(grey)), float(np.mean(face_means)) if face_means else None)
                self._light = {k: v for k, v in self._light.items() if k[0] != index}
                self._light[(index, seq)] = light
            verdict = light_verdict(*light)
            fps = float(getattr(feed.status, "fps", 0.0) or 0.0)
            image = processed.image
            out.append(
                (
                    rect,
                    AimLabel(
                        name=feed.name,
                        size=(image.shape[1], image.shape[0]),
                        fps=fps,
                        faces=len(processed.faces),
                        light=light[0],
                        verdict=verdict,
                        good=verdict == "kiosk.light_ok",
                    ),
                )
            )
        return out


# -- the kiosk ---------------------------------------------------------------------------


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

        if self.panel.handle(event, self._canvas_pos(app, event), self.monotonic()):
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


# -- the command --------------------------------------------------------------------------


def choose_config(path: Path | None, demo: bool = False) -> tuple[Config, Path | None]:
    """The config the kiosk runs: ``--config``, else the default file, else the bundled demo."""
    if demo:
        return demo_config(), None
    if path is not None:
        return load_config(path), Path(path).expanduser().resolve()
    default = default_config_path()
    if default.exists():
        return load_config(default), default
    log.warning(
        "no config file at %s (create one with `installation config init`); showing the bundled demo footage",
        default,
    )
    return demo_config(), None


def _child_arguments(args: argparse.Namespace) -> list[str]:
    argv: list[str] = []
    if args.config is not None:
        argv += ["--config", str(Path(args.config).expanduser().resolve())]
    if args.demo:
        argv.append("--demo")
    if args.window:
        argv.append("--window")
    if args.display is not None:
        argv += ["--display", str(args.display)]
    if args.size:
        argv += ["--size", args.size]
    return argv


def _start_child(command: list[str]) -> subprocess.Popen[bytes]:
    # The kiosk's own lines (a configuration error, say) go where this command's would,
    # not into its log of native libraries' messages.
    from installation.console import child_stderr

    return subprocess.Popen(command, stderr=child_stderr())


def supervise(command: Sequence[str], *, delay: float = 5.0, popen: Callable[..., Any] = _start_child) -> int:
    """Run ``command`` and start it again after ``delay`` s whenever it exits wanting a restart.

    The supervisor for desktops without systemd user sessions (the XDG
    autostart entry runs ``installation kiosk --supervise``), on the systemd
    unit's rules: it stops after a normal quit or a configuration or usage
    error, and starts the kiosk again after anything else (a crash, the
    watchdog, another kiosk still holding the lock).
    """
    stop = threading.Event()
    child: list[Any] = []

    def terminate(signum: int, frame: FrameType | None) -> None:
        stop.set()
        if child:
            child[0].terminate()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, terminate)
        signal.signal(signal.SIGHUP, terminate)
    while True:
        process = popen(list(command))
        child[:] = [process]
        code = process.wait()
        if stop.is_set() or code in (EXIT_OK, EXIT_USAGE, EXIT_CONFIG) or code < 0:
            return max(0, code)
        log.warning(
            "kiosk exited with code %d (%s); starting it again in %g s",
            code,
            EXIT_CODES.get(code, "unexpected"),
            delay,
        )
        if stop.wait(delay):
            return EXIT_OK


def kiosk_command(args: argparse.Namespace) -> int:
    if args.install or args.uninstall:
        from installation import autostart

        if args.install and args.uninstall:
            raise UsageError("--install and --uninstall: choose one")
        if args.uninstall:
            messages = autostart.uninstall()
        else:
            config = args.config
            if config is None and not args.demo and default_config_path().exists():
                config = default_config_path()
            if config is not None:
                load_config(config)  # refuse to install a kiosk that cannot start
            messages = autostart.install(
                autostart.XDG if args.xdg else autostart.SYSTEMD,
                config=Path(config).expanduser().resolve() if config else None,
                demo=args.demo,
            )
        for line in messages:
            print(line)
        return EXIT_OK
    if args.xdg:
        raise UsageError("--xdg only goes with --install")
    if args.supervise:
        return supervise([sys.executable, "-m", "installation", "kiosk", *_child_arguments(args)])
    config, path = choose_config(args.config, args.demo)
    options = room_options(args, live=path is not None)
    from installation.stats.counter import attach_stats

    with InstanceLock(lock_path()):
        kiosk = Kiosk(config, options, config_path=path)
        kiosk.on_app.append(attach_stats)  # the anonymous counts, for every room it starts
        return kiosk.run()


def register(subparsers: Any) -> None:
    """Add ``kiosk`` to the ``installation`` command's sub-parsers."""
    summary = "run the room unattended in a gallery: fullscreen, one instance, watchdog, opening hours"
    codes = "\n".join(f"  {code:>3}  {meaning}" for code, meaning in EXIT_CODES.items())
    p = subparsers.add_parser(
        "kiosk",
        help=summary,
        description=summary + ". The facilitator panel opens with a 3 s press in the top-left corner "
        "(or Ctrl+Alt+F) and the PIN from [kiosk] pin.",
        epilog=f"exit codes:\n{codes}\n\nlock and heartbeat files: {runtime_dir()}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help=f"the installation's TOML config (default: {default_config_path()})",
    )
    p.add_argument("--demo", action="store_true", help="run on the bundled recorded footage, not a config")
    p.add_argument(
        "--install",
        action="store_true",
        help="start the kiosk at login: a systemd user unit (or with --xdg an autostart entry)",
    )
    p.add_argument(
        "--xdg",
        action="store_true",
        help="with --install: an XDG autostart entry, for desktops without systemd user sessions",
    )
    p.add_argument("--uninstall", action="store_true", help="remove what --install installed")
    p.add_argument(
        "--supervise",
        action="store_true",
        help="run the kiosk in a child process and restart it when it asks (used by --install --xdg)",
    )
    add_screen_options(p, windowed=False)
    p.set_defaults(func=kiosk_command)
