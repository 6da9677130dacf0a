"""Imported before mediapipe is: the room needs none of mediapipe's sound, so nothing is spawned for it.

``import mediapipe`` imports its audio tasks, whose recorder imports
``sounddevice``, whose search for the PortAudio library
(``ctypes.util.find_library``) runs ``ldconfig``, ``gcc`` and ``ld`` in a
temporary folder, three times, on every start. The installation records no
sound. With ``None`` in ``sys.modules`` the import of ``sounddevice`` fails as
if it were not installed, which mediapipe expects and handles (its audio
recorder is then unavailable): no process is started, no file is made.
"""

from __future__ import annotations

import sys

sys.modules.setdefault("sounddevice", None)  # type: ignore[arg-type]
