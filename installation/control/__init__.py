"""What visitors control and what the room shows them about it, apart from how it is drawn.

- :mod:`~installation.control.state`: :class:`ControlState`, the one object every input
  changes (touches, keys, the physical panel's queued events), and
  :class:`IndicatorState`, the lights the on-screen and the physical panel show.
- :mod:`~installation.control.model`: :class:`RoomModel`, what the room knows each
  frame: every camera's newest result and state, and the lights derived from them.
- :mod:`~installation.control.presence`: whether visitors are there, and whether one
  has just slipped out of the machine's sight.
- :mod:`~installation.control.pointer`: touch targets, and one mapping of pygame's
  mouse, finger and key events to touches and keys on the canvas.
- :mod:`~installation.control.input`: touches and keys applied to the controls; the
  keyboard mirrors every on-screen control.

Nothing here draws: :mod:`installation.display` draws from these, and
:mod:`installation.room` runs the loop that feeds them.
"""
