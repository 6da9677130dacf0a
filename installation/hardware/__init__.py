"""The physical indicator and control panel: an Arduino on a serial port.

``PanelLink`` is what the installation uses; ``probe`` checks a port once. The
firmware, wiring and wire format live in ``hardware/`` at the top of the
repository (hardware/PROTOCOL.md, hardware/WIRING.md).

>>> link = PanelLink("none")
>>> link.status.text
'panel: disabled'
"""

from __future__ import annotations

from installation.hardware.backend import choose_backend
from installation.hardware.link import (
    STICK_AT_REST,
    HeadReport,
    IncompatiblePanel,
    LinkStatus,
    PanelLink,
    SteerInput,
    backoff_delays,
    handshake,
    probe,
)
from installation.hardware.mock import MockBoard
from installation.hardware.protocol import PROTOCOL_VERSION
from installation.hardware.serialport import PortInfo, PortNotFound, arduino_ports, list_serial_ports

__all__ = [
    "PROTOCOL_VERSION",
    "STICK_AT_REST",
    "HeadReport",
    "IncompatiblePanel",
    "LinkStatus",
    "MockBoard",
    "PanelLink",
    "PortInfo",
    "PortNotFound",
    "SteerInput",
    "arduino_ports",
    "backoff_delays",
    "choose_backend",
    "handshake",
    "list_serial_ports",
    "probe",
]
