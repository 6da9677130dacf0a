"""Camera heads: what points a camera, and how visitors steer it.

A camera's head is chosen by one string in its config (``head = "digital"``),
as its source is. Every backend takes the same commands and reports where it
points (:class:`~installation.steer.head.Head`):

- ``none``: the camera is fixed (the default);
- ``digital``: a movable, zoomable window inside a wider sensor frame
  (:mod:`installation.steer.digital`);
- ``servo``: two hobby servos on the panel's Arduino turn a USB camera;
- ``visca://HOST[:PORT]``: a network pan-tilt-zoom camera spoken to in VISCA over IP.

:mod:`installation.steer.factory` turns the string into a head;
:class:`~installation.steer.steering.Steering` holds the room's heads and
turns visitors' drags, pinches, keys and the panel's joystick into commands.
A servo or network head turns the camera itself: :mod:`installation.steer.hint`
tells the camera's pipeline how the picture moved when it turned.
"""

from installation.steer.digital import DigitalHead, Motion
from installation.steer.factory import (
    HeadSettings,
    build_steering,
    check_head,
    create_head,
    head_kind,
    head_settings,
)
from installation.steer.head import HOME, Head, HeadLimits, NoHead, Pose
from installation.steer.steering import Joystick, Steering

__all__ = [
    "HOME",
    "DigitalHead",
    "Head",
    "HeadLimits",
    "HeadSettings",
    "Joystick",
    "Motion",
    "NoHead",
    "Pose",
    "Steering",
    "build_steering",
    "check_head",
    "create_head",
    "head_kind",
    "head_settings",
]
