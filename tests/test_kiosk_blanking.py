"""Keeping the screen awake while the kiosk runs (installation/modes/kiosk/blanking.py)."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

from installation.modes.kiosk.blanking import ScreenBlanking


def test_screen_blanking_is_switched_off_and_put_back(tmp_path: Path) -> None:
    calls = tmp_path / "calls"
    xset = tmp_path / "bin" / "xset"
    xset.parent.mkdir()
    xset.write_text(
        textwrap.dedent(f"""\
        #!/bin/sh
        echo "$@" >> {calls}
        if [ "$1" = q ]; then
          printf '  prefer blanking:  yes    allow exposures:  yes\\n'
          printf '  timeout:  300    cycle:  600\\n  DPMS is Enabled\\n'
        fi
    """)
    )
    xset.chmod(0o755)
    blanking = ScreenBlanking(environ={"DISPLAY": ":7", "PATH": str(xset.parent)})
    blanking.disable()
    assert calls.read_text().splitlines() == ["q", "s off", "s noblank", "-dpms"]
    blanking.restore()
    assert calls.read_text().splitlines()[4:] == ["s 300 600", "s blank", "+dpms"]
    blanking.restore()  # only once
    assert len(calls.read_text().splitlines()) == 7


def test_without_an_x_display_xset_is_left_alone(tmp_path: Path) -> None:
    ran: list[object] = []

    def run(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
        ran.append(args)
        return subprocess.CompletedProcess(args, 0, "", "")

    blanking = ScreenBlanking(run=run, environ={"PATH": "/usr/bin:/bin"})
    blanking.disable()
    blanking.restore()
    assert ran == []
