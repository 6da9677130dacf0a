"""The monitoring room's screen (pygame / SDL2).

``Renderer`` draws the wall of monitors, the on-screen copy of the indicator
panel, the row of visitor controls, captions and the idle invitation from the
room's model (:mod:`installation.control`), and leaves what visitors can touch
in its pointer. The loop around it lives in :mod:`installation.room`; ``bench``
measures it.
"""

from installation.display.layout import Layout
from installation.display.renderer import Renderer

__all__ = ["Layout", "Renderer"]
