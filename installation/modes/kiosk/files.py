"""Where the kiosk keeps its files, and the lock that keeps it to one instance."""

from __future__ import annotations

import os
from pathlib import Path

from installation.config import APP_NAME
from installation.errors import InstallationError
from installation.modes.kiosk.exits import EXIT_RUNNING


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
