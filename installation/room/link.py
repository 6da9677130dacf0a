"""The physical indicator panel as one of the room's listeners."""

from __future__ import annotations

import logging
import queue
from typing import TYPE_CHECKING

from installation.errors import InstallationError

if TYPE_CHECKING:
    from installation.control.state import IndicatorState, PanelEvent
    from installation.hardware import PanelLink
    from installation.hardware.link import SteerInput
    from installation.steer import Steering

log = logging.getLogger(__name__)


def open_panel_link(port: str, events: queue.SimpleQueue[PanelEvent]) -> PanelLink | None:
    """The serial link to the indicator panel, or ``None`` when there is none.

    ``None`` when ``port`` is ``"none"``, when the hardware module is not
    installed, or when the link cannot start; the room runs on without it
    and the on-screen panel says "no board".

    >>> open_panel_link("none", queue.SimpleQueue()) is None
    True
    """
    if not port or port == "none":
        return None
    try:
        from installation.hardware import PanelLink
    except ImportError as exc:
        log.warning("hardware.port = %r, but the hardware link is unavailable (%s)", port, exc)
        return None
    try:
        link = PanelLink(port, events=events)
        link.start()
    except (InstallationError, OSError, ValueError) as exc:
        log.error("indicator panel on %r: %s; running without it", port, exc)
        return None
    return link


def board_status(link: PanelLink | None) -> tuple[bool, str]:
    """Whether the board is connected, and what its link says (for the on-screen panel)."""
    if link is None:
        return False, ""
    status = link.status
    return status.connected, status.text


class PanelLinkListener:
    """Mirrors the room's indicator state to the board every frame, and stops the link when the room closes.

    The board must never stop the room: what goes wrong on the link is logged.
    """

    def __init__(self, link: PanelLink) -> None:
        self.link = link

    def indicators(self, state: IndicatorState) -> None:
        try:
            self.link.show(state)
        except Exception as exc:  # noqa: BLE001 - the board must never stop the room
            log.debug("indicator panel: %s", exc)

    def shown(self, state: IndicatorState, now: float) -> None:
        pass

    def closing(self) -> None:
        try:
            self.link.stop()
        except Exception as exc:  # noqa: BLE001
            log.warning("indicator panel: %s while stopping", exc)


def take_board_stick(readings: queue.SimpleQueue[SteerInput], steering: Steering, selected: int) -> bool:
    """The board's joystick and zoom rocker (:attr:`PanelLink.steering`) handed to the room's
    steering, on the render thread: a reading sets the steering's joystick (which moves the camera
    on the large monitor, and the on-screen panel's stick with it), a push on the stick sends that
    camera home. Whether any reading came.

    >>> from installation.hardware.link import SteerInput
    >>> from installation.steer import NoHead, Steering
    >>> readings, steering = queue.SimpleQueue(), Steering([NoHead()])
    >>> readings.put(SteerInput("move", 0.5, -0.25, 0.0))
    >>> take_board_stick(readings, steering, 0), steering.joystick.speeds
    (True, (0.5, -0.25, 0.0))
    >>> take_board_stick(readings, steering, 0)
    False
    """
    came = False
    while True:
        try:
            reading = readings.get_nowait()
        except queue.Empty:
            return came
        came = True
        if reading.kind == "home":
            steering.home(selected)
        else:
            steering.joystick.set(pan=reading.pan, tilt=reading.tilt, zoom=reading.zoom)
