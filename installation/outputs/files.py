"""Output files that appear whole or not at all: temporary files beside the target, published by
renaming, and what a killed run left behind.

A temporary file's name says which process on which machine writes it
(``.visit.pid4242@gallery-pi.k2j4ab_c.partial.mp4``). A run that is killed
outright (SIGKILL, power cut) cannot remove its own; the next run into the
same folder removes those whose process is gone (:func:`remove_stale`), and
nothing else.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import tempfile
import threading
from pathlib import Path

from installation.errors import UsageError

_umask_lock = threading.Lock()


def _umask() -> int:
    """The process's file-creation mask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    # Elsewhere the only way to read it is to set it: briefly to the strictest mask, so that a
    # file another thread creates meanwhile is, if anything, more private.
    with _umask_lock:
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


def publish(temporary: str | os.PathLike[str], path: str | os.PathLike[str]) -> None:
    """Move a finished temporary file to ``path`` with the permissions any new file of the user gets.

    Temporary files come from ``mkstemp``, readable by their owner only while
    they are written; the finished file follows the user's umask (usually
    0644), like any file a program saves, not 0600.
    """
    os.chmod(temporary, 0o666 & ~_umask())
    os.replace(temporary, path)


log = logging.getLogger(__name__)

#: Endings of the temporary files written beside an output.
TEMPORARY_SUFFIXES = (
    ".partial.mp4",
    ".partial.json",
    ".partial.csv",
    ".partial.xml",
    ".audio.mp4",
    ".partial.png",
)
_TEMPORARY = re.compile(
    r"^\..*\.pid(?P<pid>[0-9]+)@(?P<host>[A-Za-z0-9-]+)\.[a-z0-9_]+"
    r"(?:" + "|".join(re.escape(s) for s in TEMPORARY_SUFFIXES) + r")$"
)


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:40] or "unknown"


def temporary_beside(target: Path, suffix: str) -> Path:
    """A new empty file in ``target``'s folder, named for ``target`` and for this process.

    >>> tmp = temporary_beside(Path(tempfile.mkdtemp()) / "visit.mp4", ".partial.mp4")
    >>> bool(_TEMPORARY.match(tmp.name)) and tmp.name.startswith(".visit.pid")
    True
    """
    assert suffix in TEMPORARY_SUFFIXES, suffix
    # A long name leaves room for the rest within the 255 bytes a file name may have.
    fd, name = tempfile.mkstemp(
        prefix=f".{target.stem[:100]}.pid{os.getpid()}@{_host()}.", suffix=suffix, dir=target.parent
    )
    os.close(fd)
    return Path(name)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def remove_stale(folder: Path) -> list[Path]:
    """Remove the temporary files in ``folder`` left by runs on this machine that were killed.

    Only files named as :func:`temporary_beside` names them, by this machine (a
    folder shared over the network may hold another machine's, whose process
    ids mean nothing here), and by a process that no longer runs. Returns what
    was removed.
    """
    if os.name != "posix":
        return []
    removed = []
    host = _host()
    try:
        names = [entry.name for entry in os.scandir(folder) if entry.name.startswith(".")]
    except OSError:
        return []
    for name in names:
        found = _TEMPORARY.match(name)
        if found is None or found["host"] != host:
            continue
        pid = int(found["pid"])
        if pid == os.getpid() or _running(pid):
            continue
        path = folder / name
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            log.warning("%s: cannot remove what a killed run left: %s", path, exc.strerror or exc)
            continue
        removed.append(path)
    return removed


def cannot_write(path: Path, exc: BaseException) -> BaseException:
    """``exc``, raised while ``path`` was written through a temporary file, told about ``path``.

    Operating-system errors name the file they failed on, which is the temporary
    one beside ``path`` (``.visit.x1y2.partial.mp4``): the person asked for ``path``.
    Anything else is returned as it is.

    >>> full = OSError(28, "No space left on device", "out/.visit.ab.partial.mp4")
    >>> cannot_write(Path("out/visit.mp4"), full)
    UsageError('out/visit.mp4: cannot write: no space left on device')
    """
    if not isinstance(exc, OSError) or isinstance(exc, UsageError):
        return exc
    reason = exc.strerror or str(exc)
    return UsageError(f"{path}: cannot write: {reason[:1].lower()}{reason[1:]}")
