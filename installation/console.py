"""The terminal is for the installation's own lines: native libraries' messages go to the debug log.

MediaPipe (through absl), TensorFlow Lite, OpenCV and the FFmpeg inside it
write straight to the process's standard error, file descriptor 2, past
Python: about fifteen lines when a BlazeFace model loads, and an OpenCV and
an FFmpeg line every time a camera that cannot be reached is tried again.
No one switch quiets them all (MediaPipe's absl logging reads no environment
variable, and OpenCV's level leaves FFmpeg's own lines alone). So the
command line keeps Python's ``sys.stderr`` on a copy of the terminal's
descriptor and points descriptor 2 at a pipe; a thread reads the pipe and
logs each line at debug level as ``installation.native``, which
``installation --verbose`` shows on the terminal.

Only the command line does this (:func:`capture_native_output` with the
process's own stderr); a test or a program that calls ``main()`` keeps its
streams as they are.
"""

from __future__ import annotations

import faulthandler
import logging
import os
import sys
import threading
from typing import BinaryIO

log = logging.getLogger("installation.native")

_console_fd: int | None = None


def capture_native_output() -> bool:
    """Route what native code writes to file descriptor 2 into the debug log; True when done.

    Nothing changes (False) when ``sys.stderr`` is not the process's own
    standard error on descriptor 2, or when it has been done already.
    """
    global _console_fd
    stream = sys.stderr
    if _console_fd is not None or stream is not sys.__stderr__ or stream is None:
        return False
    try:
        if stream.fileno() != 2:
            return False
        stream.flush()
        console = os.dup(2)  # not inherited: children get the pipe, or what child_stderr() says
        read, write = os.pipe()
    except OSError:
        return False
    os.dup2(write, 2)
    os.close(write)
    _console_fd = console
    sys.stderr = os.fdopen(
        console, "w", buffering=1, encoding=stream.encoding, errors=stream.errors, closefd=False
    )
    if faulthandler.is_enabled():  # a crash's stack still reaches the terminal
        faulthandler.enable(sys.stderr)
    threading.Thread(target=_pump, args=(os.fdopen(read, "rb"),), name="native-output", daemon=True).start()
    return True


def child_stderr() -> int | None:
    """Standard error for a child process that talks to the person at the terminal (None: inherit)."""
    return _console_fd


def _pump(pipe: BinaryIO) -> None:
    # This thread must outlive every line: if it stopped, the pipe would fill and the next
    # native write would block the thread that made it (a camera, the detector).
    while True:
        try:
            line = pipe.readline()
        except OSError:
            return
        if not line:
            return
        try:
            text = line.decode("utf-8", "replace").rstrip()
            if text:
                log.debug("%s", text)
        except Exception:  # noqa: BLE001 - see above: keep reading whatever happens
            pass
