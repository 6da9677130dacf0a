"""Log files for the commands that run the room: rotating, plain text, one line per event.

``setup_logging()`` is the one place that sets them up; the command line calls
it for the commands in :data:`LOGGED_COMMANDS`. Files go to the platform's
user log folder (``~/.local/state/monitoring-room/log/`` on Linux, honouring
``$XDG_STATE_HOME``), rotate at :data:`MAX_BYTES` and keep :data:`BACKUPS` old
files, so weeks of running never fill the disk.

What is logged: the run starting and stopping, a camera lost or back, the
board lost or back, opening and closing hours, the config reloaded (or
refused), the facilitator panel opened, the watchdog's restarts, and any
crash with its traceback. Never a picture, a face or anything taken from one.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
from pathlib import Path
from types import TracebackType

from installation.config import APP_NAME

#: Commands whose runs are written to the log file.
LOGGED_COMMANDS = ("run", "demo", "kiosk", "workshop")
LOG_NAME = f"{APP_NAME}.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

log = logging.getLogger("installation")


def log_dir() -> Path:
    """The folder the log files go to.

    >>> log_dir().name
    'log'
    """
    import platformdirs

    return platformdirs.user_log_path(APP_NAME)


def log_file() -> Path:
    """The current log file (older ones are ``.1`` to ``.5`` beside it)."""
    return log_dir() / LOG_NAME


class _FileHandler(logging.handlers.RotatingFileHandler):
    """Marks the handler this module added, so a second setup does not add another."""


def setup_logging(
    directory: Path | None = None,
    *,
    level: int = logging.INFO,
    max_bytes: int = MAX_BYTES,
    backups: int = BACKUPS,
) -> Path | None:
    """Write log records to a rotating file and log crashes; returns the file, or None when impossible.

    A folder that cannot be created or written costs the file, not the run:
    a warning goes to the console and the room starts anyway. Calling it again
    changes nothing.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = setup_logging(Path(d))
    ...     logging.getLogger("installation.modes.kiosk").info("config reloaded")
    ...     stop_logging()
    ...     "config reloaded" in path.read_text()
    True
    """
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, _FileHandler):
            return Path(handler.baseFilename)
    folder = directory if directory is not None else log_dir()
    path = folder / LOG_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = _FileHandler(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
    except OSError as exc:
        logging.getLogger(__name__).warning(
            "cannot write the log file %s (%s); logging to the console only", path, exc
        )
        return None
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    _install_crash_hooks()
    return path


def stop_logging() -> None:
    """Close and remove the file handler (tests, and the end of a run)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _FileHandler):
            root.removeHandler(handler)
            handler.close()


def log_crash(exc: BaseException, where: str = "the room") -> None:
    """The traceback of an exception nobody handled, to the log file (the console shows it anyway)."""
    _to_file(f"crash in {where}: {exc!r}", (type(exc), exc, exc.__traceback__))


def log_to_file(message: str, level: int = logging.ERROR) -> None:
    """A line for the log file only, for what the console has already been told."""
    record = log.makeRecord(log.name, level, __file__, 0, message, (), None)
    for handler in logging.getLogger().handlers:
        if isinstance(handler, _FileHandler):
            handler.handle(record)


_hooks_installed = False


def _to_file(message: str, exc_info: tuple[type[BaseException], BaseException, TracebackType | None]) -> None:
    record = log.makeRecord(log.name, logging.CRITICAL, __file__, 0, message, (), exc_info)
    for handler in logging.getLogger().handlers:
        if isinstance(handler, _FileHandler):
            handler.handle(record)


def _install_crash_hooks() -> None:
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    previous_excepthook = sys.excepthook
    previous_thread_hook = threading.excepthook

    # The usual hooks still print the traceback on the console; these add it to the file.
    def excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if not issubclass(kind, KeyboardInterrupt):
            _to_file(f"crash: {exc!r}", (kind, exc, tb))
        previous_excepthook(kind, exc, tb)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None and not isinstance(args.exc_value, SystemExit):
            name = args.thread.name if args.thread is not None else "a thread"
            exc_info = (args.exc_type, args.exc_value, args.exc_traceback)
            _to_file(f"crash in {name}: {args.exc_value!r}", exc_info)
        previous_thread_hook(args)

    sys.excepthook = excepthook
    threading.excepthook = thread_hook
