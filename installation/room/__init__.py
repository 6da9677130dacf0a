"""The monitoring room: the loop that runs a screen, the cameras, the controls and the panel link.

- :mod:`~installation.room.loop`: :class:`Room`, input → model → scene → present once a frame.
- :mod:`~installation.room.listeners`: who follows the room (:class:`RoomListener`), what
  draws over it (:class:`Overlay`), what is shown while it is shut (:class:`Scene`).
- :mod:`~installation.room.link`: the physical panel as a listener.
- :mod:`~installation.room.options`: :class:`RoomOptions`, how a run reaches a screen.
- :mod:`~installation.room.threads`: the cameras' threads below the screen's priority.

What is drawn lives in :mod:`installation.display`, what visitors control in
:mod:`installation.control`; the kiosk and the workshop (:mod:`installation.modes`)
run the room with more around it.
"""

from installation.room.listeners import Overlay, RoomListener, Scene
from installation.room.loop import FeedFactory, Room
from installation.room.options import RoomOptions

__all__ = ["FeedFactory", "Overlay", "Room", "RoomListener", "RoomOptions", "Scene"]
