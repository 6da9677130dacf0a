"""The one place that chooses how the panel is reached: serial, mock, or not at all.

>>> choose_backend("none") is None
True
>>> choose_backend("mock").describe()
'mock panel'
>>> choose_backend("/dev/ttyACM0").describe()
'/dev/ttyACM0'
"""

from __future__ import annotations

from typing import Protocol

from installation.hardware.mock import MockBoard
from installation.hardware.serialport import check_port_spec, open_serial, resolve_port

#: Port strings that turn the panel off.
DISABLED = ("none", "off", "")


class Transport(Protocol):
    """An open line to a board: what the link thread reads from and writes to."""

    name: str

    def read(self) -> bytes:
        """Bytes received so far, waiting only briefly when there are none."""
        ...

    def write(self, data: bytes) -> None: ...

    def discard_input(self) -> None: ...

    def close(self) -> None: ...


class Backend(Protocol):
    """Opens a fresh :class:`Transport` on every (re)connection attempt."""

    def open(self) -> Transport:
        """Raises PortNotFound while there is nothing to open, HardwareError on failure."""
        ...

    def describe(self) -> str: ...


class SerialBackend:
    """A real board on a serial port named by a port string (see ``resolve_port``)."""

    def __init__(self, spec: str, baudrate: int = 115200) -> None:
        check_port_spec(spec)
        self.spec = spec
        self.baudrate = baudrate
        self.attempt = 0

    def open(self) -> Transport:
        target = resolve_port(self.spec, self.attempt)
        self.attempt += 1  # with several candidates, `auto` tries the next one next time
        return open_serial(target, self.baudrate)

    def connected(self) -> None:
        self.attempt = 0

    def describe(self) -> str:
        return "any Arduino" if self.spec == "auto" else self.spec


class MockBackend:
    """The in-memory :class:`MockBoard`, for tests and demos."""

    def __init__(self, board: MockBoard | None = None) -> None:
        self.board = board if board is not None else MockBoard()

    def open(self) -> Transport:
        return self.board.open()

    def describe(self) -> str:
        return "mock panel"


def _normalised(port: str) -> str:
    """The port string as the backends read it: trimmed, keywords in lower case."""
    spec = port.strip()
    return spec.lower() if spec.lower() in (*DISABLED, "mock", "auto") else spec


def check_port(port: str) -> None:
    """Raises ConfigError for a port string no backend understands; opens nothing.

    What :func:`choose_backend` would refuse, so a config is refused by
    ``config check`` as well as at start.

    >>> check_port("Auto"), check_port("none"), check_port("loop://")
    (None, None, None)
    >>> check_port("arduino")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    installation.errors.ConfigError: panel port 'arduino': not a port string; use auto, none, ...
    """
    spec = _normalised(port)
    if spec not in (*DISABLED, "mock"):
        check_port_spec(spec)


def choose_backend(port: str, *, baudrate: int = 115200) -> SerialBackend | MockBackend | None:
    """The backend for a port string from the config; None when the panel is disabled.

    ``none`` (or ``off``): no panel. ``mock``: :class:`MockBoard`. Anything else:
    a serial port, ``auto``, ``serial:NUMBER``, a device path or a pyserial URL.
    Raises ConfigError for a string that can never name a port (see :func:`check_port`).
    """
    spec = _normalised(port)
    if spec in DISABLED:
        return None
    if spec == "mock":
        return MockBackend()
    return SerialBackend(spec, baudrate)
