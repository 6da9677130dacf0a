"""The monitoring room's screen (pygame / SDL2).

``Renderer`` draws the wall of monitors, the on-screen copy of the indicator
panel, the row of visitor controls, captions and the idle invitation, and
turns touches and keys into changes of the one ``ControlState``. The main
loop around it lives in ``installation.app``; ``bench`` measures it.
"""

import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # keep the command's output to our own lines

from installation.display.layout import Layout  # noqa: E402
from installation.display.renderer import Renderer  # noqa: E402

__all__ = ["Layout", "Renderer"]
