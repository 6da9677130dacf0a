"""Keeping the screen awake while the kiosk runs, and putting its settings back afterwards."""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


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
