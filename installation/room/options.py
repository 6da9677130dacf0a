"""How a run of the room reaches a screen: the command line's screen options, as values."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from installation.steer import Pose


@dataclass
class RoomOptions:
    """How this run reaches a screen (the command-line switches)."""

    window: bool = False
    #: Fullscreen whatever the config says (``--fullscreen``); otherwise ``window`` or the config decide.
    fullscreen: bool = False
    display: int | None = None
    size: tuple[int, int] | None = None
    headless: bool = False
    frames: int | None = None
    screenshot: Path | None = None
    #: Live cameras: a screenshot is refused while any face is shown unhidden.
    live: bool = True
    #: Where the camera on the large monitor points at the start (``--pan``, ``--tilt``, ``--zoom``);
    #: None: home.
    pose: Pose | None = None
