"""Camera heads: what points a camera, and how visitors steer it.

A camera's head is chosen by one string in its config (``head = "digital"``),
as its source is. Every backend takes the same commands and reports where it
points (:class:`~installation.steer.head.Head`):

- ``none``: the camera is fixed (the default);
- ``digital``: a movable, zoomable window inside a wider sensor frame;
- ``servo``: two hobby servos on the panel's Arduino turn a USB camera;
- ``visca://HOST[:PORT]``: a network pan-tilt-zoom camera spoken to in VISCA over IP.
"""

from installation.steer.head import HOME, Head, HeadLimits, NoHead, Pose

__all__ = ["HOME", "Head", "HeadLimits", "NoHead", "Pose"]
