"""Face tracking: stable ids across frames, and faces kept hidden through detector misses."""

from __future__ import annotations

from installation.track.motion import CameraMotion, MotionEstimator
from installation.track.tracker import TrackedFace, Tracker

__all__ = ["CameraMotion", "MotionEstimator", "TrackedFace", "Tracker"]
