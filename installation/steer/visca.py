"""Network pan-tilt-zoom cameras, spoken to in VISCA over IP: ``head = "visca://192.168.0.100"``.

Why VISCA over IP and not ONVIF: VISCA over IP is one UDP datagram per
command to one address and port, with an 8-byte header (payload type,
length, sequence number) in front of the same VISCA bytes Sony's serial
cameras take; it has no discovery, no login and no documents. ONVIF is SOAP
over HTTP: its clients (``onvif-zeep-async`` through zeep) read WSDL and XML
schema documents, which zeep may fetch from the network, need a user name and
password for every camera, and would bring an HTTP and XML stack into a
process that promises to send nothing anywhere. Most PTZ cameras sold for
studios and lecture halls speak VISCA over IP (Sony, and many others in
their "VISCA" or "D70" mode); many that speak ONVIF speak VISCA too.

Why a client of its own, not the ``visca-over-ip`` package: that package
binds its socket to every interface on the camera's port (a listening
socket, and only one camera per machine and port), sends without
``connect()`` so it takes replies from any sender, and blocks the caller for
every command and inquiry. Here one UDP socket per camera is ``connect()``ed
to exactly the configured address and port, and never bound: the kernel
gives it an ephemeral local port and drops datagrams from anyone else. The
few commands the head needs (below) fit in this module.

The protocol, as Sony's technical manuals (SRG-300H, SRG-120DH) describe it:

- every message carries a sequence number the controller counts up; the
  camera echoes it in its replies. A command is answered with an
  acknowledge (``90 4y FF``, y the camera's command socket), then a
  completion (``90 5y FF``) when done, or an error (``90 6y EE FF``); an
  inquiry is answered with ``90 50 ... FF``;
- UDP loses datagrams, so a message without an answer in time is sent again
  with the same sequence number. A camera that had already performed it
  answers "abnormality in the sequence number": for a command that means it
  was performed (only the answer was lost); an inquiry is asked again with a
  new number;
- a control message RESET sets the camera's count back; it starts every
  connection and follows a silence.

Commands used: pan-tilt drive (stop), pan-tilt absolute position, pan-tilt
home, zoom drive (tele, wide, stop), zoom direct; inquiries: pan-tilt
position, zoom position.

Nothing here blocks the caller: :class:`ViscaHead` keeps the newest command
for each of pan-tilt and zoom, and one worker thread sends them, waits for
the answers, asks where the camera points and, while the camera does not
answer, tries again calmly.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import re
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from installation.errors import ConfigError, InstallationError
from installation.sources.spec import redact
from installation.steer.head import HOME, HeadLimits, Pose

log = logging.getLogger(__name__)

#: The UDP port VISCA over IP cameras listen on unless set otherwise.
DEFAULT_PORT = 52381
SCHEME = "visca://"

# -- the datagrams ---------------------------------------------------------------------------------

#: Payload types: the first two bytes of every datagram.
COMMAND = 0x0100
INQUIRY = 0x0110
REPLY = 0x0111
DEVICE_SETTING = 0x0120
CONTROL = 0x0200
CONTROL_REPLY = 0x0201
KINDS = (COMMAND, INQUIRY, REPLY, DEVICE_SETTING, CONTROL, CONTROL_REPLY)

HEADER = struct.Struct(">HHI")
#: The longest payload the protocol allows.
MAX_PAYLOAD = 16
SEQUENCE_LIMIT = 2**32

#: Control payloads: RESET (the sequence number), its acknowledge, and the control errors.
RESET = b"\x01"
RESET_ACK = b"\x01"
SEQUENCE_ERROR = b"\x0f\x01"
MESSAGE_ERROR = b"\x0f\x02"

#: VISCA error codes (``90 6y EE FF``) in a technician's words.
ERRORS = {
    0x01: "message length error",
    0x02: "syntax error",
    0x03: "command buffer full",
    0x04: "command cancelled",
    0x05: "no socket to cancel",
    0x41: "command not executable",
}

#: Inquiries: where pan-tilt and zoom are.
PAN_TILT_POSITION = bytes.fromhex("81 09 06 12 FF")
ZOOM_POSITION = bytes.fromhex("81 09 04 47 FF")


def pack(kind: int, sequence: int, payload: bytes) -> bytes:
    """One VISCA over IP datagram.

    >>> pack(COMMAND, 7, bytes.fromhex("81 01 06 04 FF")).hex(" ")
    '01 00 00 05 00 00 00 07 81 01 06 04 ff'
    """
    if not 1 <= len(payload) <= MAX_PAYLOAD:
        raise ValueError(f"a VISCA payload is 1 to {MAX_PAYLOAD} bytes, not {len(payload)}")
    return HEADER.pack(kind, len(payload), sequence % SEQUENCE_LIMIT) + payload


def unpack(datagram: bytes) -> tuple[int, int, bytes] | None:
    """``(kind, sequence, payload)`` of a datagram, or None when it is not a well-formed one.

    >>> unpack(bytes.fromhex("01 11 00 03 00 00 00 07 90 41 ff"))
    (273, 7, b'\\x90A\\xff')
    >>> unpack(bytes.fromhex("01 11 00 09 00 00 00 07 90 41 ff")) is None  # length says 9
    True
    """
    if len(datagram) < HEADER.size + 1:
        return None
    kind, length, sequence = HEADER.unpack_from(datagram)
    payload = datagram[HEADER.size :]
    if kind not in KINDS or length != len(payload) or length > MAX_PAYLOAD:
        return None
    return kind, sequence, payload


def nibbles(value: int, count: int = 4) -> bytes:
    """``value`` as VISCA writes positions: one 4-bit digit a byte, two's complement.

    >>> nibbles(-2267).hex(" ")
    '0f 07 02 05'
    """
    value %= 16**count
    return bytes((value >> (4 * i)) & 0x0F for i in reversed(range(count)))


def from_nibbles(data: bytes, *, signed: bool) -> int | None:
    """The number :func:`nibbles` wrote, or None if a byte is not a 4-bit digit.

    >>> from_nibbles(bytes.fromhex("0f 07 02 05"), signed=True), from_nibbles(b"\\x01\\x20", signed=False)
    (-2267, None)
    """
    if any(b > 0x0F for b in data):
        return None
    value = 0
    for b in data:
        value = value << 4 | b
    span = 16 ** len(data)
    return value - span if signed and value >= span // 2 else value


def pan_tilt_drive(pan_speed: int, tilt_speed: int, pan: int, tilt: int) -> bytes:
    """Pan-tilt drive: ``pan`` -1 left, 1 right, 0 still; ``tilt`` 1 up, -1 down, 0 still.

    >>> pan_tilt_drive(1, 1, 0, 0).hex(" ")  # stop
    '81 01 06 01 01 01 03 03 ff'
    """
    pan_byte = {-1: 0x01, 1: 0x02, 0: 0x03}[pan]
    tilt_byte = {1: 0x01, -1: 0x02, 0: 0x03}[tilt]
    return bytes([0x81, 0x01, 0x06, 0x01, pan_speed, tilt_speed, pan_byte, tilt_byte, 0xFF])


def pan_tilt_absolute(pan_speed: int, tilt_speed: int, pan: int, tilt: int) -> bytes:
    """Pan-tilt absolute position: go to ``pan``, ``tilt`` (camera units) at these speeds."""
    return bytes([0x81, 0x01, 0x06, 0x02, pan_speed, tilt_speed]) + nibbles(pan) + nibbles(tilt) + b"\xff"


PAN_TILT_HOME = bytes.fromhex("81 01 06 04 FF")


def zoom_drive(speed: int) -> bytes:
    """Zoom drive: ``speed`` 1 to 8 towards tele, -1 to -8 towards wide, 0 stops.

    >>> zoom_drive(8).hex(" "), zoom_drive(-1).hex(" "), zoom_drive(0).hex(" ")
    ('81 01 04 07 27 ff', '81 01 04 07 30 ff', '81 01 04 07 00 ff')
    """
    if speed == 0:
        code = 0x00
    else:
        code = (0x20 if speed > 0 else 0x30) | (min(abs(speed), 8) - 1)
    return bytes([0x81, 0x01, 0x04, 0x07, code, 0xFF])


def zoom_direct(position: int) -> bytes:
    """Zoom direct: go to zoom ``position`` (camera units, 0 is widest)."""
    return bytes([0x81, 0x01, 0x04, 0x47]) + nibbles(position) + b"\xff"


# -- the head string -------------------------------------------------------------------------------


class HeadSpecError(ConfigError):
    """A head string that names no network camera (one line, the password hidden).

    >>> parse_head("visca://camera.local")
    Traceback (most recent call last):
    ...
    installation.steer.visca.HeadSpecError: visca://camera.local: 'camera.local' is not an IP address; \
give the camera's own address, like visca://192.168.0.100 (names are never looked up)
    """


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_PORT = re.compile(r"[0-9]{1,5}")


@dataclass(frozen=True)
class ViscaAddress:
    """The one address and UDP port of a network camera.

    >>> str(parse_head("visca://10.0.0.5")), str(parse_head("visca://[fd00::5]:1259"))
    ('visca://10.0.0.5', 'visca://[fd00::5]:1259')
    """

    ip: IPAddress
    port: int = DEFAULT_PORT

    def __str__(self) -> str:
        host = f"[{self.ip}]" if self.ip.version == 6 else str(self.ip)
        return SCHEME + host + ("" if self.port == DEFAULT_PORT else f":{self.port}")

    @property
    def family(self) -> socket.AddressFamily:
        return socket.AF_INET6 if self.ip.version == 6 else socket.AF_INET

    def sockaddr(self) -> tuple[str, int] | tuple[str, int, int, int]:
        """What ``socket.connect`` takes: the address as digits, so nothing is looked up."""
        if isinstance(self.ip, ipaddress.IPv6Address):
            scope = self.ip.scope_id
            index = 0
            if scope:
                index = int(scope) if scope.isdigit() else socket.if_nametoindex(scope)
            plain = str(self.ip).partition("%")[0]
            return (plain, self.port, 0, index)
        return (str(self.ip), self.port)


def parse_head(spec: str) -> ViscaAddress:
    """The camera a ``visca://ADDRESS[:PORT]`` head string names; :class:`HeadSpecError` if none.

    Only an IP address is taken, never a name: looking a name up would ask a
    name server, an address the config does not hold.

    >>> parse_head("visca://192.168.0.100:5678")
    ViscaAddress(ip=IPv4Address('192.168.0.100'), port=5678)
    >>> parse_head("visca://admin:secret@192.168.0.100")
    Traceback (most recent call last):
    ...
    installation.steer.visca.HeadSpecError: visca://admin:***@192.168.0.100: VISCA over IP has no user \
or password; write visca://ADDRESS[:PORT]
    """
    text = spec.strip()
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise HeadSpecError(f"{text!r}: a control character in the head string")
    shown = redact(text)
    expected = "expected visca://ADDRESS[:PORT], like visca://192.168.0.100"
    if not text.lower().startswith(SCHEME):
        raise HeadSpecError(f"{shown or repr(text)}: not a network camera head ({expected})")
    rest = text[len(SCHEME) :]
    if "@" in rest:
        raise HeadSpecError(f"{shown}: VISCA over IP has no user or password; write visca://ADDRESS[:PORT]")
    extra = re.search(r"[/?#]", rest)
    if extra:
        raise HeadSpecError(f"{shown}: unexpected {rest[extra.start() :]!r} after the address ({expected})")
    if not rest:
        raise HeadSpecError(f"{shown}: no address ({expected})")
    port_text: str | None = None
    if rest.startswith("["):
        host, bracket, after = rest[1:].partition("]")
        if not bracket:
            raise HeadSpecError(f"{shown}: '[' without ']' around the IPv6 address")
        if after:
            if not after.startswith(":"):
                raise HeadSpecError(f"{shown}: unexpected {after!r} after the address ({expected})")
            port_text = after[1:]
    elif rest.count(":") > 1:
        raise HeadSpecError(
            f"{shown}: an IPv6 address goes in brackets, like visca://[fd00::5]:{DEFAULT_PORT}"
        )
    else:
        host, colon, after = rest.partition(":")
        port_text = after if colon else None
    port = DEFAULT_PORT
    if port_text is not None:
        if not _PORT.fullmatch(port_text) or not 1 <= int(port_text) <= 65535:
            raise HeadSpecError(f"{shown}: the port must be a number from 1 to 65535, not {port_text!r}")
        port = int(port_text)
    if not host:
        raise HeadSpecError(f"{shown}: no address ({expected})")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        raise HeadSpecError(
            f"{shown}: {host!r} is not an IP address; give the camera's own address, "
            "like visca://192.168.0.100 (names are never looked up)"
        ) from None
    if ip.is_multicast or ip.is_unspecified or ip == ipaddress.IPv4Address("255.255.255.255"):
        raise HeadSpecError(
            f"{shown}: {ip} is not one camera's address (multicast, broadcast or unspecified)"
        )
    return ViscaAddress(ip, port)


# -- the camera's units ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ViscaUnits:
    """The camera's own numbers, from its technical manual: what the normalised pose means there.

    ``pan`` and ``tilt`` are the positions at -1 and 1 (0 is the camera's
    home, position 0), and ``pan_degrees`` and ``tilt_degrees`` the angles
    there (right and up are positive); ``zoom`` is the zoom position at
    ``zoom_max`` magnification (position 0 is the widest, 1x). The defaults
    are Sony's EVI-D70 tables, which many cameras follow (pan -170 to +170
    degrees, tilt -30 to +90, 18x optical zoom at 4000h); speeds are the top
    pan, tilt and zoom speed numbers the camera takes.

    >>> units = ViscaUnits()
    >>> units.to_camera(Pose(pan=-1, tilt=0.5, zoom=1))
    (-2267, 600, 0)
    >>> units.to_pose(-2267, 600, 0)
    Pose(pan=-1.0, tilt=0.5, zoom=1.0)
    >>> units.degrees(Pose(pan=-1, tilt=0.5))
    (-170.0, 45.0)
    """

    pan: tuple[int, int] = (-2267, 2267)
    tilt: tuple[int, int] = (-400, 1200)
    zoom: int = 0x4000
    zoom_max: float = 18.0
    pan_speed: int = 0x18
    tilt_speed: int = 0x17
    zoom_speed: int = 8
    pan_degrees: tuple[float, float] = (-170.0, 170.0)
    tilt_degrees: tuple[float, float] = (-30.0, 90.0)

    def __post_init__(self) -> None:
        for axis, (low, high) in (("pan", self.pan), ("tilt", self.tilt)):
            if not -0x8000 <= low < 0 < high <= 0x7FFF:
                raise ConfigError(
                    f"VISCA {axis} range {low}..{high}: expected -32768 <= low < 0 < high <= 32767"
                )
        for axis, (left, right) in (("pan", self.pan_degrees), ("tilt", self.tilt_degrees)):
            if not (math.isfinite(left) and math.isfinite(right) and -180 <= left < 0 < right <= 180):
                raise ConfigError(
                    f"VISCA {axis} angles {left:g}..{right:g}: expected -180 <= low < 0 < high <= 180 degrees"
                )
        if not 0 < self.zoom <= 0xFFFF:
            raise ConfigError(f"VISCA zoom position {self.zoom}: expected 1 to 65535")
        if not (math.isfinite(self.zoom_max) and self.zoom_max > 1):
            raise ConfigError(f"VISCA zoom_max {self.zoom_max}: expected a magnification above 1")
        for name, value, top in (("pan", self.pan_speed, 0x18), ("tilt", self.tilt_speed, 0x18)):
            if not 1 <= value <= top:
                raise ConfigError(f"VISCA {name} speed {value}: expected 1 to {top}")
        if not 1 <= self.zoom_speed <= 8:
            raise ConfigError(f"VISCA zoom speed {self.zoom_speed}: expected 1 to 8")

    def to_camera(self, pose: Pose) -> tuple[int, int, int]:
        """Pan, tilt and zoom positions in the camera's units (magnification read on a log scale)."""
        zoom = min(max(pose.zoom, 1.0), self.zoom_max)
        return (
            _to_units(pose.pan, self.pan),
            _to_units(pose.tilt, self.tilt),
            round(self.zoom * math.log(zoom) / math.log(self.zoom_max)),
        )

    def to_pose(self, pan: int, tilt: int, zoom: int) -> Pose:
        """The normalised pose of camera positions (outside the range: beyond -1 or 1)."""
        return Pose(
            pan=_from_units(pan, self.pan),
            tilt=_from_units(tilt, self.tilt),
            zoom=math.exp(max(zoom, 0) / self.zoom * math.log(self.zoom_max)),
        )

    def degrees(self, pose: Pose) -> tuple[float, float]:
        """Where ``pose`` points: degrees right of the camera's home and up from it."""
        return _to_degrees(pose.pan, self.pan_degrees), _to_degrees(pose.tilt, self.tilt_degrees)


def _to_units(value: float, ends: tuple[int, int]) -> int:
    low, high = ends
    value = min(max(value, -1.0), 1.0)
    return round(value * high if value >= 0 else -value * low)


def _from_units(units: int, ends: tuple[int, int]) -> float:
    low, high = ends
    return units / high if units >= 0 else -units / low


def _to_degrees(value: float, ends: tuple[float, float]) -> float:
    # Positions are spread evenly over each half of the range, as the camera's angles are.
    low, high = ends
    return value * high if value >= 0 else -value * low


# -- one camera, spoken to -------------------------------------------------------------------------


class ViscaError(InstallationError, OSError):
    """The camera did not take a message: it did not answer, or answered with an error."""


class NoAnswer(ViscaError, TimeoutError):
    """Nothing (well-formed, with the message's sequence number) came back in time."""


class Refused(ViscaError):
    """The camera answered with a VISCA or control error."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class ClientCounts:
    """What came back that was not an answer, for the log and the tests."""

    #: Datagrams that were not well-formed VISCA over IP replies (wrong header, length, bytes).
    malformed: int = 0
    #: Well-formed replies to an earlier message (a completion that came late).
    stray: int = 0
    #: Messages sent again because no answer came in time.
    resent: int = 0


class ViscaClient:
    """One camera over one UDP socket, ``connect()``ed to its address and never bound.

    Calls block for at most ``tries`` x ``reply_timeout`` seconds (a message
    without an answer is sent again, with the same sequence number, up to
    ``tries`` times); :class:`ViscaHead` makes them on its own thread. The
    socket is made by :meth:`open` (an unreachable network raises
    :class:`NoAnswer` there too, so a cable plugged in later is found).
    """

    def __init__(
        self,
        address: ViscaAddress,
        *,
        reply_timeout: float = 0.2,
        tries: int = 3,
        interrupted: Callable[[], bool] = lambda: False,
    ) -> None:
        self.address = address
        self.reply_timeout = reply_timeout
        self.tries = max(1, tries)
        self.interrupted = interrupted
        self.counts = ClientCounts()
        #: When the camera last answered a message (``time.monotonic()``), None before it ever did.
        self.last_answer: float | None = None
        self._sock: socket.socket | None = None
        self._sequence = 0

    def open(self) -> None:
        """Make the socket if there is none (nothing is sent: a UDP connect only sets the peer)."""
        if self._sock is not None:
            return
        sock = socket.socket(self.address.family, socket.SOCK_DGRAM)
        try:
            sock.connect(self.address.sockaddr())
        except OSError as exc:
            sock.close()
            raise NoAnswer(_os_reason(exc)) from None
        self._sock = sock

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def reset(self) -> None:
        """Set the camera's sequence count back (RESET); from here the count starts at 1."""
        self._sequence = 0
        self._exchange(CONTROL, RESET)

    def command(self, payload: bytes) -> None:
        """Send a command; return once the camera took it (acknowledged, or already completed)."""
        self._exchange(COMMAND, payload)

    def inquire(self, payload: bytes, digits: int) -> bytes:
        """Ask something answered with ``digits`` 4-bit digits; those bytes (between ``90 50`` and ``FF``).

        A reply of another length, or with a byte that is not a digit, is taken as malformed.
        """
        answer = self._exchange(INQUIRY, payload, digits)
        assert answer is not None
        return answer

    def _next(self) -> int:
        self._sequence = (self._sequence + 1) % SEQUENCE_LIMIT
        return self._sequence

    def _exchange(self, kind: int, payload: bytes, digits: int = 0) -> bytes | None:
        self.open()
        sequence = 0 if kind == CONTROL else self._next()
        renumbered = False
        attempt = 0
        while attempt < self.tries and not self.interrupted():
            if attempt:
                self.counts.resent += 1
            self._send(pack(kind, sequence, payload))
            answer = self._await(kind, sequence, digits, time.monotonic() + self.reply_timeout)
            attempt += 1
            if answer is None:
                continue  # nothing in time: the same message again, with the same number
            outcome, data = answer
            if outcome == _DONE:
                return data
            if outcome == _SEQUENCE and kind == CONTROL:
                raise Refused("the camera refuses RESET")
            if outcome == _SEQUENCE and attempt > 1:
                # The camera had taken this number already: only its answer was lost.
                if kind == COMMAND:
                    return None
                sequence = self._next()  # an inquiry: ask again, anew
            elif outcome == _SEQUENCE:
                # Refused the first time it was sent: the camera counts otherwise (it restarted?).
                if renumbered:
                    raise Refused("the camera refuses the sequence numbers")
                renumbered = True
                self.reset()
                sequence = self._next()
                attempt = 0
            else:
                raise Refused(outcome)
        raise NoAnswer(f"no answer in {self.tries} x {self.reply_timeout:g} s")

    def _send(self, datagram: bytes) -> None:
        assert self._sock is not None
        try:
            self._sock.send(datagram)
        except OSError as exc:  # a refused port (ICMP), no route: the answer will not come
            log.debug("%s: sending failed: %s", self.address, exc)

    def _await(
        self, kind: int, sequence: int, digits: int, deadline: float
    ) -> tuple[str, bytes | None] | None:
        """What became of the message numbered ``sequence``: ``(_DONE, data)``, ``(_SEQUENCE, None)``
        or ``(the camera's error, None)``; None if nothing came by ``deadline``."""
        assert self._sock is not None
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self._sock.settimeout(left)
            try:
                datagram = self._sock.recv(1024)
            except TimeoutError:
                return None
            except OSError as exc:  # ICMP port unreachable: no answer will come this time
                log.debug("%s: %s", self.address, exc)
                time.sleep(max(0.0, deadline - time.monotonic()))
                return None
            outcome = self._read(datagram, kind, sequence, digits)
            if outcome is not None:
                self.last_answer = time.monotonic()
                return outcome

    def _read(
        self, datagram: bytes, kind: int, sequence: int, digits: int
    ) -> tuple[str, bytes | None] | None:
        """What ``datagram`` says about the message numbered ``sequence``; None if nothing."""
        parsed = unpack(datagram)
        if parsed is None or parsed[0] not in (REPLY, CONTROL_REPLY):
            self.counts.malformed += 1
            return None
        reply_kind, reply_sequence, payload = parsed
        if reply_kind == CONTROL_REPLY:
            if payload == RESET_ACK:
                if kind == CONTROL:
                    return _DONE, None
                self.counts.stray += 1
                return None
            if payload not in (SEQUENCE_ERROR, MESSAGE_ERROR):
                self.counts.malformed += 1
                return None
            if reply_sequence != sequence:
                self.counts.stray += 1
                return None
            if payload == SEQUENCE_ERROR:
                return _SEQUENCE, None
            return "the camera does not take this kind of message", None
        if len(payload) < 3 or payload[0] != 0x90 or payload[-1] != 0xFF:
            self.counts.malformed += 1
            return None
        if reply_sequence != sequence or kind == CONTROL:
            self.counts.stray += 1
            return None
        status = payload[1] & 0xF0
        if status == 0x60 and len(payload) == 4:
            return ERRORS.get(payload[2], f"error {payload[2]:02x}h"), None
        if kind == COMMAND and status in (0x40, 0x50) and len(payload) == 3:
            return _DONE, None
        data = payload[2:-1]
        if kind == INQUIRY and payload[1] == 0x50 and len(data) == digits and max(data) <= 0x0F:
            return _DONE, data
        self.counts.malformed += 1
        return None


_DONE = "done"
_SEQUENCE = "sequence"


def _os_reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()


# -- the head --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Drive:
    pan: float
    tilt: float


@dataclass(frozen=True)
class _GoTo:
    pan: float
    tilt: float
    speed: float


@dataclass(frozen=True)
class _Home:
    pass


@dataclass(frozen=True)
class _ZoomDrive:
    speed: float


@dataclass(frozen=True)
class _ZoomTo:
    zoom: float


_PanTilt = _Drive | _GoTo | _Home
_Zoom = _ZoomDrive | _ZoomTo
_STOP = _Drive(0.0, 0.0)
_ZOOM_STOP = _ZoomDrive(0.0)


def _sign(value: float) -> int:
    return (value > 0) - (value < 0)


@dataclass
class _Pending:
    """The newest command not yet sent, one for pan-tilt and one for zoom (a newer one replaces it)."""

    pan_tilt: _PanTilt | None = None
    zoom: _Zoom | None = None


class ViscaHead:
    """A network PTZ camera as a :class:`~installation.steer.head.Head` (``visca://…`` heads).

    Commands return at once: each replaces the newest pan-tilt or zoom
    command not yet sent, and a worker thread sends it. ``move`` drives
    towards the edge of the limits at the given speeds (an absolute-position
    command, so the camera itself stops at the limit, however late the next
    command comes; an axis at speed 0 is held where the camera last said it
    was); ``go_to`` and ``home`` go to a clamped pose. While a
    command is in progress the camera is asked where it points every
    ``poll_seconds`` (every second when still), which is what :attr:`pose`
    reports.

    When the camera does not answer, :attr:`steerable` turns False, commands
    are ignored, :attr:`status` says for how long, and the worker tries again
    every ``retry_seconds``; when it answers again its sequence count is reset
    and its position read. Commands given before the first answer are kept
    (a starting view), none given during a silence is sent after it.
    """

    kind = "visca"

    def __init__(
        self,
        address: ViscaAddress,
        *,
        limits: HeadLimits | None = None,
        units: ViscaUnits | None = None,
        reply_timeout: float = 0.2,
        tries: int = 3,
        retry_seconds: float = 1.0,
        poll_seconds: float = 0.1,
        idle_poll_seconds: float = 1.0,
    ) -> None:
        self.address = address
        self.name = str(address)
        self.units = units or ViscaUnits()
        limits = limits or HeadLimits()
        top = self.units.zoom_max
        self.limits = HeadLimits(
            limits.pan, limits.tilt, (min(limits.zoom[0], top), min(limits.zoom[1], top))
        )
        self.retry_seconds = retry_seconds
        self.poll_seconds = poll_seconds
        self.idle_poll_seconds = idle_poll_seconds
        self._wake = threading.Condition()
        self._pending = _Pending()
        self._closing = False
        self._answering = False
        self._answered_once = False
        self._silence_reported = False
        self._opened = time.monotonic()
        self._silent_since = self._opened
        self._silence_reason = ""
        self._refusal = ""
        self._pose = self.limits.clamp(HOME)
        #: The last two readings of the position: when the camera read it, and the pose (replaced whole).
        self._readings: tuple[tuple[float, Pose], ...] = ()
        self._camera: tuple[int, int, int] | None = None
        self._moving_until = 0.0  # read the position often until then
        # a command sent, or the camera seen moving, until then: pan-tilt and zoom
        self._under_way_until = [0.0, 0.0]
        self._zoom_driving = 0
        self._sent_pan_tilt: _PanTilt | None = None
        self._sent_zoom: _Zoom | None = None
        self._client = ViscaClient(
            address, reply_timeout=reply_timeout, tries=tries, interrupted=lambda: self._closing
        )
        self._silent_after = reply_timeout * max(1, tries)
        self._thread = threading.Thread(target=self._run, name=f"head {self.name}", daemon=True)
        self._thread.start()

    # -- the Head interface, for the room's thread ----------------------------------------------

    @property
    def steerable(self) -> bool:
        return self._answering and not self._closing

    @property
    def pose(self) -> Pose:
        return self._pose

    @property
    def status(self) -> str:
        if self._closing:
            return ""
        if not self._answering:
            silent = time.monotonic() - self._silent_since
            if not self._answered_once and silent < self._silent_after:
                return f"{self.name}: connecting"
            why = f", {self._silence_reason}" if self._silence_reason else ""
            return f"{self.name}: no answer for {max(1, round(silent))} s{why} (steering off)"
        return f"{self.name}: {self._refusal}" if self._refusal else ""

    def move(self, pan: float, tilt: float, zoom: float = 0.0) -> None:
        pan, tilt, zoom = (min(max(v, -1.0), 1.0) if math.isfinite(v) else 0.0 for v in (pan, tilt, zoom))
        self._put(_Drive(pan, tilt), _ZoomDrive(zoom))

    def go_to(self, pose: Pose, speed: float = 1.0) -> None:
        if not all(math.isfinite(v) for v in (pose.pan, pose.tilt, pose.zoom, speed)):
            return
        target = self.limits.clamp(pose)
        self._put(_GoTo(target.pan, target.tilt, min(max(speed, 0.0), 1.0)), _ZoomTo(target.zoom))

    def home(self) -> None:
        self._put(_Home(), _ZoomTo(self.limits.clamp(HOME).zoom))

    def stop(self) -> None:
        self._put(_STOP, _ZOOM_STOP)

    def tick(self, now: float) -> Pose:
        return self._pose

    def pose_at(self, now: float) -> Pose:
        """Where the camera points at ``now``, from its last two position readings (see
        :func:`pose_between`); safe from any thread."""
        return (
            pose_between(self._readings, now, self.poll_seconds, self.limits)
            if self._readings
            else self._pose
        )

    def degrees(self, pose: Pose) -> tuple[float, float]:
        """Where ``pose`` points, in degrees right of the camera's home and up from it."""
        return self.units.degrees(pose)

    def close(self) -> None:
        """Stop the camera if it is moving (best effort) and let go of the socket, within a second."""
        with self._wake:
            if self._closing:
                return
            self._closing = True
            self._wake.notify_all()
        self._thread.join(timeout=1.0)

    def _put(self, pan_tilt: _PanTilt, zoom: _Zoom) -> None:
        with self._wake:
            if self._closing or (self._answered_once and not self._answering):
                return  # never sent later: a command from before a silence would be stale after it
            self._pending.pan_tilt = pan_tilt
            self._pending.zoom = zoom
            self._wake.notify_all()

    # -- the worker thread ----------------------------------------------------------------------

    def _run(self) -> None:
        next_poll = 0.0
        try:
            while not self._closing:
                if not self._answering:
                    if not self._connect():
                        self._sleep(self.retry_seconds)
                    next_poll = time.monotonic() + self._poll_interval()
                    continue
                with self._wake:
                    pan_tilt, zoom = self._pending.pan_tilt, self._pending.zoom
                    self._pending = _Pending()
                    idle = pan_tilt is None and zoom is None
                    if idle and next_poll > time.monotonic():
                        self._wake.wait(next_poll - time.monotonic())
                        continue
                try:
                    if not idle:
                        self._send(pan_tilt, zoom)
                        next_poll = min(next_poll, time.monotonic() + self.poll_seconds)
                    if time.monotonic() >= next_poll:  # also while commands keep coming
                        self._poll()
                        next_poll = time.monotonic() + self._poll_interval()
                except NoAnswer as exc:
                    self._lost(str(exc))
            self._park()
        except Exception:  # the worker must never take the room down: the head stops steering
            log.exception("%s: the head's worker stopped", self.name)
            self._answering = False
            self._silence_reason = "internal error, see the log"
        finally:
            self._client.close()

    def _sleep(self, seconds: float) -> None:
        with self._wake:
            if not self._closing:
                self._wake.wait(seconds)

    def _poll_interval(self) -> float:
        moving = time.monotonic() < self._moving_until or self._zoom_driving
        return self.poll_seconds if moving else self.idle_poll_seconds

    def _connect(self) -> bool:
        """Reset the camera's sequence count and read where it points; False if it does not answer."""
        try:
            try:
                self._client.reset()
            except ViscaError as exc:  # a camera that ignores RESET may still answer the rest
                log.debug("%s: RESET: %s", self.name, exc)
            if self._sent_pan_tilt not in (None, _STOP) or self._zoom_driving:
                self._client.command(pan_tilt_drive(1, 1, 0, 0))  # whatever ran before the silence
                self._client.command(zoom_drive(0))
            self._sent_pan_tilt, self._sent_zoom, self._zoom_driving = None, None, 0
            self._read_position()
        except NoAnswer as exc:
            self._lost(str(exc))
            return False
        except Refused as exc:
            self._refused(_READING, exc)
        silent = time.monotonic() - self._silent_since
        with self._wake:
            self._answering = True
            self._wake.notify_all()
        if self._answered_once:
            log.info("%s: answers again after %.0f s, steering on (%s)", self.name, silent, self._pose)
        else:
            log.info("%s: camera answers (%s)", self.name, self._pose)
        self._answered_once = True
        self._silence_reported = False
        self._silence_reason = ""
        return True

    def _lost(self, reason: str) -> None:
        if self._closing:
            return
        reason = "" if reason.startswith("no answer in") else reason
        with self._wake:
            was = self._answering
            self._answering = False
            if self._answered_once:  # before the first answer they are the starting view: kept
                self._pending = _Pending()
        if was:
            self._silent_since = self._client.last_answer or time.monotonic()
        if not self._silence_reported:
            self._silence_reported = True
            log.warning("%s: no answer; steering is off until the camera answers", self.name)
        if reason and reason != self._silence_reason:
            log.warning("%s: %s", self.name, reason)
        self._silence_reason = reason

    def _refused(self, what: str, exc: Refused) -> None:
        text = f"{what} refused: {exc.reason}"
        if text != self._refusal:
            log.warning("%s: %s", self.name, text)
        self._refusal = text

    def _send(self, pan_tilt: _PanTilt | None, zoom: _Zoom | None) -> None:
        if pan_tilt is not None and not self._repeats(pan_tilt, self._sent_pan_tilt):
            try:
                self._client.command(self._pan_tilt_command(pan_tilt))
                self._sent_pan_tilt = pan_tilt
                self._under_way_until[0] = time.monotonic() + 3 * self.poll_seconds
                self._refusal = ""
            except Refused as exc:
                self._sent_pan_tilt = None
                self._refused(_what(pan_tilt), exc)
            self._moving_until = time.monotonic() + 1.0
        if zoom is not None and not self._repeats(zoom, self._sent_zoom):
            command = self._zoom_command(zoom)
            try:
                if command is not None:
                    self._client.command(command)
                    self._under_way_until[1] = time.monotonic() + 3 * self.poll_seconds
                self._sent_zoom = zoom
                self._refusal = ""
            except Refused as exc:
                self._sent_zoom, self._zoom_driving = None, 0
                self._refused("zoom", exc)
            self._moving_until = time.monotonic() + 1.0

    def _repeats(self, intent: _PanTilt | _Zoom, sent: _PanTilt | _Zoom | None) -> bool:
        """Whether ``intent`` is the command last sent, still under way or done: a drive held every
        frame, a view asked for again. A view the camera was taken away from since (by hand, by its
        own remote control) is sent again."""
        if intent != sent:
            return False
        group = isinstance(intent, (_ZoomDrive, _ZoomTo))
        if isinstance(intent, (_Drive, _ZoomDrive)) or time.monotonic() < self._under_way_until[group]:
            return True
        if self._camera is None:
            return False
        if isinstance(intent, _ZoomTo):
            zoom = self.units.to_camera(Pose(zoom=intent.zoom))[2]
            return abs(self._camera[2] - zoom) <= max(2, self.units.zoom // 200)
        pose = self.limits.clamp(HOME) if isinstance(intent, _Home) else Pose(intent.pan, intent.tilt)
        pan, tilt, _ = self.units.to_camera(pose)
        pan_span, tilt_span = (high - low for low, high in (self.units.pan, self.units.tilt))
        near_pan = abs(self._camera[0] - pan) <= max(2, pan_span // 200)
        return near_pan and abs(self._camera[1] - tilt) <= max(2, tilt_span // 200)

    def _pan_tilt_command(self, intent: _PanTilt) -> bytes:
        units = self.units
        if isinstance(intent, _Home):
            home = self.limits.clamp(HOME)
            if (home.pan, home.tilt) == (0.0, 0.0):
                return PAN_TILT_HOME
            intent = _GoTo(home.pan, home.tilt, 1.0)
        if isinstance(intent, _GoTo):
            pan, tilt, _ = units.to_camera(Pose(intent.pan, intent.tilt))
            pan_speed = max(1, round(intent.speed * units.pan_speed))
            tilt_speed = max(1, round(intent.speed * units.tilt_speed))
            return pan_tilt_absolute(pan_speed, tilt_speed, pan, tilt)
        if intent == _STOP:
            return pan_tilt_drive(1, 1, 0, 0)
        # A drive goes to the edge of the limits at its speeds: the camera stops there by itself.
        current = self._camera or (0, 0, 0)
        edge = units.to_camera(
            Pose(
                self.limits.pan[intent.pan > 0] if intent.pan else 0.0,
                self.limits.tilt[intent.tilt > 0] if intent.tilt else 0.0,
            )
        )
        pan = edge[0] if intent.pan else current[0]
        tilt = edge[1] if intent.tilt else current[1]
        pan_speed = max(1, round(abs(intent.pan) * units.pan_speed))
        tilt_speed = max(1, round(abs(intent.tilt) * units.tilt_speed))
        return pan_tilt_absolute(pan_speed, tilt_speed, pan, tilt)

    def _zoom_command(self, intent: _Zoom) -> bytes | None:
        if isinstance(intent, _ZoomTo):
            self._zoom_driving = 0
            return zoom_direct(self.units.to_camera(Pose(zoom=intent.zoom))[2])
        direction = _sign(intent.speed)
        if direction and self._at_zoom_limit(direction):
            self._zoom_driving = 0
            return None
        self._zoom_driving = direction
        return zoom_drive(direction * max(1, round(abs(intent.speed) * self.units.zoom_speed)))

    def _at_zoom_limit(self, direction: int) -> bool:
        low, high = self.limits.zoom
        zoom = self._pose.zoom
        return zoom >= high - 1e-3 if direction > 0 else zoom <= low + 1e-3

    def _poll(self) -> None:
        try:
            before = self._camera
            self._read_position()
            if self._camera != before:
                now = time.monotonic()
                self._moving_until = max(self._moving_until, now + 0.3)
                if before is not None and self._camera is not None:
                    for group, moved in enumerate(
                        (before[:2] != self._camera[:2], before[2] != self._camera[2])
                    ):
                        if moved:
                            self._under_way_until[group] = now + 3 * self.poll_seconds
        except Refused as exc:
            self._refused(_READING, exc)
            return
        if self._refusal.startswith(_READING):
            self._refusal = ""
        if self._zoom_driving and self._at_zoom_limit(self._zoom_driving):
            # A zoom drive has no end point: it is stopped at the limit, as close as the poll allows.
            limit = self.limits.zoom[self._zoom_driving > 0]
            self._zoom_driving = 0
            self._sent_zoom = _ZoomTo(limit)
            try:
                self._client.command(zoom_direct(self.units.to_camera(Pose(zoom=limit))[2]))
            except Refused as exc:
                self._refused("zoom", exc)

    def _read_position(self) -> None:
        asked = time.monotonic()
        pan_tilt = self._client.inquire(PAN_TILT_POSITION, 8)
        # The camera read its position somewhere between the question and the answer.
        at = (asked + time.monotonic()) / 2
        zoom = self._client.inquire(ZOOM_POSITION, 4)
        pan = from_nibbles(pan_tilt[:4], signed=True)
        tilt = from_nibbles(pan_tilt[4:], signed=True)
        position = from_nibbles(zoom, signed=False)
        assert pan is not None and tilt is not None and position is not None  # digits, checked on receipt
        self._camera = (pan, tilt, position)
        self._pose = self.units.to_pose(pan, tilt, position)
        self._readings = (*self._readings[-1:], (at, self._pose))

    def _park(self) -> None:
        """On close: stop whatever the camera was told to keep doing (one try each)."""
        if not self._answering:
            return
        moving = self._sent_pan_tilt not in (None, _STOP) or self._zoom_driving
        self._answering = False
        if moving:
            self._client.interrupted = lambda: False
            self._client.tries = 1
            for command in (pan_tilt_drive(1, 1, 0, 0), zoom_drive(0)):
                try:
                    self._client.command(command)
                except ViscaError:
                    break


_READING = "reading the position"


def pose_between(
    readings: tuple[tuple[float, Pose], ...], now: float, interval: float, limits: HeadLimits | None = None
) -> Pose:
    """The pose at ``now`` from the last position readings (``(time, pose)``, the newest last),
    read back every ``interval`` seconds while the camera moves.

    Two readings that far apart or nearer give the camera's speed: between them the pose lies on
    the line joining them, and after the newer it is carried on at that speed for one more
    interval at most (the next reading comes by then), never past the head's ``limits``, where
    the camera stops whatever its speed was. Readings further apart (the camera was read once a
    second while still) say only where it was: the newer holds from its time on.

    >>> readings = ((1.0, Pose(pan=0.0)), (1.1, Pose(pan=0.1)))
    >>> [round(pose_between(readings, t, 0.1).pan, 3) for t in (0.9, 1.05, 1.15, 1.5)]
    [0.0, 0.05, 0.15, 0.2]
    >>> pose_between(((0.0, Pose(pan=0.0)), (1.0, Pose(pan=0.5))), 0.9, 0.1).pan
    0.0
    >>> near_the_end = ((1.0, Pose(pan=0.8)), (1.1, Pose(pan=0.95)))
    >>> pose_between(near_the_end, 1.2, 0.1, HeadLimits()).pan
    1.0
    """
    *older, (t1, p1) = readings
    if not older:
        return p1
    t0, p0 = older[-1]
    if not 0 < t1 - t0 <= 1.5 * interval:
        return p1 if now >= t1 else p0
    share = (min(now, t1 + interval) - t0) / (t1 - t0)
    share = max(0.0, share)
    zoom = p0.zoom * (p1.zoom / p0.zoom) ** share  # zoom positions are a log scale of magnification
    pose = Pose(p0.pan + share * (p1.pan - p0.pan), p0.tilt + share * (p1.tilt - p0.tilt), zoom)
    return limits.clamp(pose) if limits is not None else pose


def _what(intent: _PanTilt) -> str:
    return {"_Drive": "move", "_GoTo": "go to", "_Home": "home"}[type(intent).__name__]


def open_head(
    spec: str,
    *,
    limits: HeadLimits | None = None,
    units: ViscaUnits | None = None,
    reply_timeout: float = 0.2,
    tries: int = 3,
    retry_seconds: float = 1.0,
) -> ViscaHead:
    """The head a ``visca://ADDRESS[:PORT]`` string names, for the config to call.

    Raises :class:`HeadSpecError` (a :class:`~installation.errors.ConfigError`)
    for a string that names no camera; never fails because the camera does
    not answer (the head reports that in its ``status``). ``limits`` are the
    technician's, ``units`` the camera's own numbers (:class:`ViscaUnits`).
    A camera is given up on after ``tries`` x ``reply_timeout`` seconds
    without an answer, and tried again every ``retry_seconds``.
    """
    return ViscaHead(
        parse_head(spec),
        limits=limits,
        units=units,
        reply_timeout=reply_timeout,
        tries=tries,
        retry_seconds=retry_seconds,
    )
