"""Face tracking: stable ids across frames, and faces kept hidden through detector misses."""

from __future__ import annotations

from installation.track.motion import CameraMotion, MotionEstimator
from installation.track.tracker import HOLD_RANGE, TrackedFace, Tracker

__all__ = ["HOLD_RANGE", "CameraMotion", "MotionEstimator", "TrackedFace", "Tracker"]
