"""Monitoring Room: an installation about watching and being watched.

Camera feeds pass through on-device face detection, tracking and a privacy
effect that visitors control. Nothing is recorded or sent anywhere.
"""

__version__ = "0.1.0"
