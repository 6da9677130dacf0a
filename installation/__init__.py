"""Monitoring Room: an installation about watching and being watched.

Camera feeds pass through on-device face detection, tracking and a privacy
effect that visitors control. Nothing is recorded or sent anywhere.
"""

import os

__version__ = "0.1.0"

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # keep the commands' output to our own lines
