"""Finding and opening the panel's serial port: the only module that imports pyserial.

A port is named by one string (see :func:`resolve_port`); ``auto`` looks for a
USB device with a vendor id used by Arduino boards and the usual USB-serial
bridges on clones, and never opens anything else.
"""

from __future__ import annotations

import errno
import importlib.util
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

import serial
from serial.tools import list_ports

from installation.errors import ConfigError, HardwareError

#: USB vendor ids ``auto`` accepts, best first: Arduino's own, then common bridges.
USB_VENDORS: dict[int, str] = {
    0x2341: "Arduino",
    0x2A03: "Arduino (arduino.org)",
    0x1B4F: "SparkFun",
    0x239A: "Adafruit",
    0x1A86: "CH340 USB serial",
    0x0403: "FTDI USB serial",
    0x10C4: "CP210x USB serial",
    0x067B: "Prolific USB serial",
}

#: How long one read waits for data; bounds how late a state change is sent.
POLL_SECONDS = 0.01


class PortNotFound(HardwareError):
    """The configured port is not there (yet): the link keeps searching."""


@dataclass(frozen=True)
class PortInfo:
    """A serial port as listed by the operating system."""

    device: str
    vid: int | None
    pid: int | None
    serial_number: str | None
    description: str

    @property
    def maker(self) -> str | None:
        """Who made the USB interface, if ``auto`` would accept it."""
        return USB_VENDORS.get(self.vid) if self.vid is not None else None

    def __str__(self) -> str:
        ids = f" [{self.vid:04X}:{self.pid or 0:04X}]" if self.vid is not None else ""
        serial_number = f" serial {self.serial_number}" if self.serial_number else ""
        return f"{self.device}: {self.description}{ids}{serial_number}"


def list_serial_ports() -> list[PortInfo]:
    """Every serial port the operating system reports, sorted by device name."""
    return sorted(
        (
            PortInfo(p.device, p.vid, p.pid, p.serial_number, p.description or "serial port")
            for p in list_ports.comports()
        ),
        key=lambda p: p.device,
    )


def arduino_ports(ports: Sequence[PortInfo] | None = None) -> list[PortInfo]:
    """The ports ``auto`` would try, in the order it tries them.

    >>> arduino_ports([PortInfo("/dev/ttyUSB0", 0x1A86, 0x7523, None, "USB2.0-Serial"),
    ...                PortInfo("/dev/ttyS0", None, None, None, "ttyS0"),
    ...                PortInfo("/dev/ttyACM0", 0x2341, 0x0043, "7573", "Arduino Uno")])
    [PortInfo(device='/dev/ttyACM0', vid=9025, pid=67, serial_number='7573', description='Arduino Uno'), \
PortInfo(device='/dev/ttyUSB0', vid=6790, pid=29987, serial_number=None, description='USB2.0-Serial')]
    """
    if ports is None:
        ports = list_serial_ports()
    rank = {vid: i for i, vid in enumerate(USB_VENDORS)}
    found = [p for p in ports if p.vid in rank]
    return sorted(found, key=lambda p: (rank[p.vid or 0], p.device))


#: What a port string may be, for error messages.
PORT_FORMS = (
    "auto, none, a device path such as /dev/ttyACM0 or COM3, serial:NUMBER or a pyserial URL such as loop://"
)


def check_port_spec(spec: str) -> None:
    """Raises ConfigError for a port string that can never work.

    A serial port string is ``auto``, ``serial:NUMBER``, a pyserial URL
    (``loop://``, ``socket://…``), an absolute device path, or a Windows
    ``COMn`` name; anything else (``ttyACM0`` without its folder, ``arduino``)
    would be searched for forever.

    >>> check_port_spec("serial:")
    Traceback (most recent call last):
    ...
    installation.errors.ConfigError: panel port 'serial:': give the USB serial number after 'serial:'
    >>> check_port_spec("ttyACM0")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    installation.errors.ConfigError: panel port 'ttyACM0': not a port string; use auto, none, ...
    """
    if spec == "auto":
        return
    if spec.startswith("serial:"):
        if not spec[len("serial:") :].strip():
            raise ConfigError(f"panel port {spec!r}: give the USB serial number after 'serial:'")
        return
    if "://" in spec:
        scheme = spec.split("://", 1)[0].lower()
        if (
            not scheme.isidentifier()
            or importlib.util.find_spec(f"serial.urlhandler.protocol_{scheme}") is None
        ):
            raise ConfigError(f"panel port {spec!r}: unknown URL scheme {scheme!r}; use {PORT_FORMS}")
        return
    windows = re.fullmatch(r"(\\\\\.\\)?COM[0-9]{1,3}", spec, re.IGNORECASE)
    if not (os.path.isabs(spec) or windows):
        raise ConfigError(f"panel port {spec!r}: not a port string; use {PORT_FORMS}")


def resolve_port(spec: str, attempt: int = 0, ports: Sequence[PortInfo] | None = None) -> str:
    """The device path or URL to open for a port string; PortNotFound if it is absent now.

    ``auto``: the first port with a known USB vendor id (``attempt`` steps through
    them when there are several); ``serial:NUMBER``: the USB device with that
    serial number; a URL (``loop://``, ``socket://``) as it is; anything else is
    a device path.

    >>> resolve_port("serial:7573", ports=[PortInfo("/dev/ttyACM1", 0x2341, 0x43, "7573", "Uno")])
    '/dev/ttyACM1'
    >>> resolve_port("auto", ports=[PortInfo("/dev/ttyS0", None, None, None, "ttyS0")])
    Traceback (most recent call last):
    ...
    installation.hardware.serialport.PortNotFound: no Arduino found: 1 serial port present, none with \
a known USB vendor id (Arduino, CH340, FTDI, CP210x, ...)
    """
    if spec == "auto":
        all_ports = list(ports) if ports is not None else list_serial_ports()
        found = arduino_ports(all_ports)
        if not found:
            n = len(all_ports)
            raise PortNotFound(
                f"no Arduino found: {n} serial port{'s' if n != 1 else ''} present, none with a known "
                "USB vendor id (Arduino, CH340, FTDI, CP210x, ...)"
            )
        return found[attempt % len(found)].device
    if spec.startswith("serial:"):
        number = spec[len("serial:") :].strip()
        all_ports = list(ports) if ports is not None else list_serial_ports()
        for port in all_ports:
            if port.serial_number == number:
                return port.device
        raise PortNotFound(f"no USB serial device with serial number {number} is plugged in")
    if "://" in spec:
        return spec
    if not spec.upper().startswith("COM") and not os.path.exists(spec):
        raise PortNotFound(f"{spec} is not present (unplugged?)")
    return spec


class SerialTransport:
    """An open pyserial port, read in short waits so the link thread stays responsive."""

    def __init__(self, port: serial.SerialBase, name: str) -> None:
        self._port = port
        self.name = name

    def read(self) -> bytes:
        """Whatever has arrived, waiting at most :data:`POLL_SECONDS` for the first byte."""
        try:
            waiting = self._port.in_waiting
            return bytes(self._port.read(waiting or 1))
        except serial.SerialException as exc:
            raise HardwareError(f"{self.name}: read failed: {exc}") from exc

    def write(self, data: bytes) -> None:
        try:
            self._port.write(data)
        except serial.SerialException as exc:
            raise HardwareError(f"{self.name}: write failed: {exc}") from exc

    def discard_input(self) -> None:
        try:
            self._port.reset_input_buffer()
        except serial.SerialException as exc:
            raise HardwareError(f"{self.name}: {exc}") from exc

    def close(self) -> None:
        try:
            self._port.close()
        except (serial.SerialException, OSError):
            pass


def open_serial(target: str, baudrate: int) -> SerialTransport:
    """Opens a device path or pyserial URL for the panel (8N1, exclusive where supported).

    Opening an Uno's port resets the board; the caller waits for its ready message.
    """
    try:
        port = serial.serial_for_url(
            target, baudrate=baudrate, timeout=POLL_SECONDS, write_timeout=1.0, do_not_open=True
        )
        port.exclusive = True
        port.open()
    except (serial.SerialException, OSError, ValueError) as exc:
        if getattr(exc, "errno", None) == errno.ENOENT:
            raise PortNotFound(f"{target} is not present (unplugged?)") from exc
        raise HardwareError(f"{target}: cannot open: {exc}") from exc
    return SerialTransport(port, target)
