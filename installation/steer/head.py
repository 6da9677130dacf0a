"""The one interface every camera head backend keeps.

Positions are normalised so that all backends read alike and the controls
need not know which one they drive: pan and tilt run from -1 to 1 across the
head's configured limits (0 is home, pan -1 is left, tilt -1 is down), zoom
is a magnification of at least 1. Speeds are fractions of the head's top
speed, from -1 to 1 per axis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


@dataclass(frozen=True)
class Pose:
    """Where a head points: pan and tilt from -1 to 1 (0 is home), zoom 1 or more."""

    pan: float = 0.0
    tilt: float = 0.0
    zoom: float = 1.0

    def __str__(self) -> str:
        return f"pan {self.pan:+.2f} tilt {self.tilt:+.2f} zoom {self.zoom:.1f}x"


#: The home position: straight ahead, not zoomed.
HOME = Pose()


@dataclass(frozen=True)
class HeadLimits:
    """How far a head may go, within the normalised range: the technician's per-camera limits.

    >>> HeadLimits(pan=(-0.5, 0.5), zoom=(1.0, 2.0)).clamp(Pose(pan=0.9, tilt=-2, zoom=3))
    Pose(pan=0.5, tilt=-1.0, zoom=2.0)
    """

    pan: tuple[float, float] = (-1.0, 1.0)
    tilt: tuple[float, float] = (-1.0, 1.0)
    zoom: tuple[float, float] = (1.0, 4.0)

    def clamp(self, pose: Pose) -> Pose:
        """``pose`` brought within the limits."""
        return Pose(
            pan=_clamp(pose.pan, *self.pan),
            tilt=_clamp(pose.tilt, *self.tilt),
            zoom=_clamp(pose.zoom, *self.zoom),
        )


@runtime_checkable
class Head(Protocol):
    """What points one camera. Commands return at once; the motion happens in :meth:`tick`
    (or on the device) and :attr:`pose` reports where the head points now."""

    #: The backend's name as written in the config: ``none``, ``digital``, ``servo``, ``visca``.
    kind: str

    @property
    def steerable(self) -> bool:
        """Whether commands can move it now (False for a fixed camera, an old panel board, a
        network camera that does not answer, or while steering is locked)."""
        ...

    @property
    def pose(self) -> Pose:
        """Where the head points now, as far as it is known."""
        ...

    @property
    def status(self) -> str:
        """One short line for the technician when something is wrong (empty when all is well)."""
        ...

    def move(self, pan: float, tilt: float, zoom: float = 0.0) -> None:
        """Keep moving at these speeds (each -1 to 1) until told otherwise; all 0 stops."""
        ...

    def go_to(self, pose: Pose, speed: float = 1.0) -> None:
        """Move to ``pose`` (clamped to the limits) at ``speed`` (0 to 1) of the top speed."""
        ...

    def home(self) -> None:
        """Go back to the home position."""
        ...

    def stop(self) -> None:
        """Stop where it is."""
        ...

    def tick(self, now: float) -> Pose:
        """Advance the motion to the monotonic time ``now`` (seconds); the pose there."""
        ...

    def close(self) -> None:
        """Let go of the device; the head parks where its backend parks."""
        ...


class NoHead:
    """A fixed camera: ``head = "none"``. It never moves and says so."""

    kind = "none"
    steerable = False
    pose = HOME
    status = ""

    def move(self, pan: float, tilt: float, zoom: float = 0.0) -> None:
        pass

    def go_to(self, pose: Pose, speed: float = 1.0) -> None:
        pass

    def home(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def tick(self, now: float) -> Pose:
        return HOME

    def close(self) -> None:
        pass
