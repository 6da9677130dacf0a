"""The screen before the cameras: the cameras' threads get a lower CPU priority."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from threading import Thread

log = logging.getLogger(__name__)

#: How much less CPU priority (Unix "nice") the camera threads get than the screen.
CAMERA_NICENESS = 10


def lower_priority(threads: Sequence[Thread], niceness: int = CAMERA_NICENESS) -> int:
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
