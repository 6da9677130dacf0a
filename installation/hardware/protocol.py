"""The wire format between the host and the panel board (hardware/PROTOCOL.md).

Every message is one line of printable ASCII: ``$`` + body + ``*`` + two hex
digits of CRC-8 over the body + ``\\n``. The body is comma-separated fields, the
first naming the message. Pure code: no I/O, so both ends can be tested alone.

>>> encode(SetState(seq=7, exposed=True, live=True, tally=1, faces=3, cameras=2))
b'$S,7,1,1,1,3,2*01\\n'
>>> FrameReader().feed(b'noise$A,7,1*BE\\n')
[Ack(seq=7, showing=True)]
"""

from __future__ import annotations

from dataclasses import dataclass

#: The protocol this host speaks: version 2 added the camera head (``H``, ``K``, ``HP``) and the
#: joystick (``EV,stick``, ``EV,home``).
PROTOCOL_VERSION = 2
#: The oldest board this host still drives: a version 1 board's lights work, it cannot steer.
OLDEST_PROTOCOL = 1
#: Most characters either side accepts between ``$`` and the newline; longer lines are dropped whole.
MAX_LINE = 48
#: Knob readings run from 0 to this (the board's 10-bit ADC).
KNOB_MAX = 1023
#: Servo angles are sent in tenths of a degree, from 0 to this (180 degrees).
ANGLE_MAX = 1800
#: The largest servo rate a frame may carry, in degrees per second (the board caps it lower).
RATE_MAX = 999
#: Joystick and zoom readings run from -this to this (percent of full speed).
STICK_MAX = 100


def crc8(data: bytes) -> int:
    """CRC-8 with polynomial 0x07 and initial value 0 (CRC-8/SMBUS).

    >>> hex(crc8(b"123456789"))
    '0xf4'
    """
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


# -- messages: host to board --------------------------------------------------
@dataclass(frozen=True)
class Hello:
    """Host asks the board who it is; the board answers with :class:`Ready`."""

    protocol: int = PROTOCOL_VERSION


@dataclass(frozen=True)
class SetState:
    """Host sets every indicator at once; the board answers with :class:`Ack`."""

    seq: int
    exposed: bool
    live: bool
    tally: int
    faces: int
    cameras: int


@dataclass(frozen=True)
class Ping:
    """Host heartbeat; the board answers with :class:`Ack`."""

    seq: int


@dataclass(frozen=True)
class Aim:
    """Host turns the camera head (version 2): targets in tenths of a degree, rates in degrees per
    second; a rate of 0 stops that servo where it is. Answered with :class:`Ack` and
    :class:`HeadPosition`."""

    seq: int
    pan: int
    tilt: int
    pan_rate: int
    tilt_rate: int


@dataclass(frozen=True)
class Park:
    """Host names where the head turns when the host falls silent (version 2), in tenths of a
    degree. Answered with :class:`Ack` and :class:`HeadPosition`."""

    seq: int
    pan: int
    tilt: int


# -- messages: board to host --------------------------------------------------
@dataclass(frozen=True)
class Ready:
    """The board after reset, or answering :class:`Hello`.

    Only ``protocol`` is read from a board of a version this host does not
    speak, so the host can say which version it met. ``head`` is True when the
    board drives a camera head (version 2 on a Mega).
    """

    protocol: int
    firmware: str = "?"
    tally_leds: int = 0
    bar_leds: int = 0
    knob: int | None = None
    head: bool = False


@dataclass(frozen=True)
class Ack:
    """The board took ``seq``; ``showing`` is False while it has no state to show."""

    seq: int
    showing: bool


@dataclass(frozen=True)
class Event:
    """A debounced press (``effect``, ``camera``, ``home``: the joystick pushed down) or a knob
    reading (``knob``, 0..1023)."""

    kind: str
    value: int = 0


@dataclass(frozen=True)
class Stick:
    """The joystick and the zoom rocker (version 2): speeds in percent, -100 to 100, 0 at rest.

    Sent when a reading changes, and every 0.2 s while any is not 0.
    """

    pan: int
    tilt: int
    zoom: int


@dataclass(frozen=True)
class HeadPosition:
    """Where the board's servos point now, in tenths of a degree, and whether they are moving."""

    pan: int
    tilt: int
    moving: bool


@dataclass(frozen=True)
class BoardError:
    """The board dropped a frame: ``crc``, ``long``, ``unknown`` or ``args``."""

    code: str


Message = Hello | SetState | Ping | Aim | Park | Ready | Ack | Event | Stick | HeadPosition | BoardError

#: Events that carry no value.
PRESSES = ("effect", "camera", "home")


def body_of(message: Message) -> str:
    """The body (between ``$`` and ``*``) for a message."""
    if isinstance(message, SetState):
        return (
            f"S,{message.seq},{int(message.exposed)},{int(message.live)},"
            f"{message.tally},{message.faces},{message.cameras}"
        )
    if isinstance(message, Ping):
        return f"P,{message.seq}"
    if isinstance(message, Hello):
        return f"HELLO,{message.protocol}"
    if isinstance(message, Aim):
        return f"H,{message.seq},{message.pan},{message.tilt},{message.pan_rate},{message.tilt_rate}"
    if isinstance(message, Park):
        return f"K,{message.seq},{message.pan},{message.tilt}"
    if isinstance(message, Ack):
        return f"A,{message.seq},{int(message.showing)}"
    if isinstance(message, Event):
        return f"EV,{message.kind}" + (f",{message.value}" if message.kind == "knob" else "")
    if isinstance(message, Stick):
        return f"EV,stick,{message.pan},{message.tilt},{message.zoom}"
    if isinstance(message, HeadPosition):
        return f"HP,{message.pan},{message.tilt},{int(message.moving)}"
    if isinstance(message, Ready):
        head = "" if message.protocol == 1 else f",{int(message.head)}"
        knob = "" if message.knob is None else f",{message.knob}"
        return (
            f"READY,{message.protocol},{message.firmware},{message.tally_leds},{message.bar_leds}{head}{knob}"
        )
    if isinstance(message, BoardError):
        return f"ERR,{message.code}"
    raise TypeError(f"not a panel message: {message!r}")


def encode(message: Message) -> bytes:
    """One complete frame, ready to write.

    >>> encode(Ping(seq=12))
    b'$P,12*37\\n'
    """
    return frame(body_of(message))


def frame(body: str) -> bytes:
    """Wraps a body in ``$``, its checksum and the newline."""
    data = body.encode("ascii")
    return b"$" + data + b"*%02X\n" % crc8(data)


def _number(text: str, low: int, high: int) -> int:
    if not text.isdigit() or not text.isascii():
        raise ValueError(text)
    value = int(text)
    if not low <= value <= high:
        raise ValueError(text)
    return value


def _signed(text: str, low: int, high: int) -> int:
    """A number that may start with ``-`` (only the joystick's readings do)."""
    magnitude = _number(text.removeprefix("-"), 0, max(-low, high))
    value = -magnitude if text.startswith("-") else magnitude
    if not low <= value <= high:
        raise ValueError(text)
    return value


def parse_body(body: str) -> Message:
    """The message a checked body carries; ``ValueError`` if it is not one.

    >>> parse_body("EV,knob,512")
    Event(kind='knob', value=512)
    """
    name, *args = body.split(",")
    n = len(args)
    if name == "S" and n == 6:
        return SetState(
            seq=_number(args[0], 0, 65535),
            exposed=bool(_number(args[1], 0, 1)),
            live=bool(_number(args[2], 0, 1)),
            tally=_number(args[3], 0, 15),
            faces=_number(args[4], 0, 999),
            cameras=_number(args[5], 1, 16),
        )
    if name == "P" and n == 1:
        return Ping(_number(args[0], 0, 65535))
    if name == "HELLO" and n == 1:
        return Hello(_number(args[0], 0, 999))
    if name == "H" and n == 5:
        return Aim(
            _number(args[0], 0, 65535),
            _number(args[1], 0, ANGLE_MAX),
            _number(args[2], 0, ANGLE_MAX),
            _number(args[3], 0, RATE_MAX),
            _number(args[4], 0, RATE_MAX),
        )
    if name == "K" and n == 3:
        return Park(
            _number(args[0], 0, 65535), _number(args[1], 0, ANGLE_MAX), _number(args[2], 0, ANGLE_MAX)
        )
    if name == "A" and n == 2:
        return Ack(_number(args[0], 0, 65535), bool(_number(args[1], 0, 1)))
    if name == "EV" and n == 1 and args[0] in PRESSES:
        return Event(args[0])
    if name == "EV" and n == 2 and args[0] == "knob":
        return Event("knob", _number(args[1], 0, KNOB_MAX))
    if name == "EV" and n == 4 and args[0] == "stick":
        return Stick(*(_signed(a, -STICK_MAX, STICK_MAX) for a in args[1:]))
    if name == "HP" and n == 3:
        return HeadPosition(
            _number(args[0], 0, ANGLE_MAX), _number(args[1], 0, ANGLE_MAX), bool(_number(args[2], 0, 1))
        )
    if name == "READY" and n >= 1:
        return _ready(body, _number(args[0], 0, 999), args[1:])
    if name == "ERR" and n == 1 and args[0]:
        return BoardError(args[0])
    raise ValueError(body)


def _ready(body: str, protocol: int, args: list[str]) -> Ready:
    """A ready message: firmware, LED counts, then (version 2) whether there is a head, then
    the knob reading if the board sends one."""
    if not OLDEST_PROTOCOL <= protocol <= PROTOCOL_VERSION:
        return Ready(protocol)
    fixed = 3 if protocol == 1 else 4
    if len(args) not in (fixed, fixed + 1) or not args[0]:
        raise ValueError(body)
    head = protocol >= 2 and bool(_number(args[3], 0, 1))
    knob = _number(args[fixed], 0, KNOB_MAX) if len(args) > fixed else None
    return Ready(protocol, args[0], _number(args[1], 0, 16), _number(args[2], 0, 64), knob, head)


def check_frame(line: bytes) -> str | None:
    """The body of one frame without its ``$`` and newline, or None if the checksum fails.

    The checksum is two upper-case hex digits; nothing else is accepted.

    >>> check_frame(b"P,12*37"), check_frame(b"P,13*37")
    ('P,12', None)
    """
    if len(line) < 4 or line[-3:-2] != b"*":
        return None
    data, digits = line[:-3], line[-2:]
    if not all(c in b"0123456789ABCDEF" for c in digits) or crc8(data) != int(digits, 16):
        return None
    return data.decode("ascii")


class FrameReader:
    """Turns a byte stream into messages, dropping anything that is not a valid frame.

    ``feed`` never raises: noise between frames is skipped, a ``$`` always starts
    a new frame, lines longer than :data:`MAX_LINE` or with bytes outside
    printable ASCII are dropped, and frames failing their checksum or naming no
    known message are counted in ``rejected``.

    >>> reader = FrameReader()
    >>> reader.feed(b"$EV,eff"), reader.feed(b"ect*BD\\n$EV,camera*00\\n")
    ([], [Event(kind='effect', value=0)])
    >>> reader.rejected
    1
    """

    def __init__(self, max_line: int = MAX_LINE) -> None:
        self.max_line = max_line
        self.rejected = 0
        self._buf = bytearray()
        self._in_frame = False
        self._discard = False

    def feed(self, data: bytes) -> list[Message]:
        messages: list[Message] = []
        for byte in data:
            if byte == 0x24:  # '$'
                self._buf.clear()
                self._in_frame, self._discard = True, False
            elif byte in (0x0A, 0x0D):
                if self._in_frame:
                    message = self._finish()
                    if message is not None:
                        messages.append(message)
                elif self._discard:
                    self.rejected += 1
                self._in_frame = self._discard = False
            elif self._in_frame:
                if len(self._buf) >= self.max_line or not 0x20 <= byte <= 0x7E:
                    self._in_frame, self._discard = False, True
                    self._buf.clear()
                else:
                    self._buf.append(byte)
        return messages

    def _finish(self) -> Message | None:
        body = check_frame(bytes(self._buf))
        self._buf.clear()
        if body is None:
            self.rejected += 1
            return None
        try:
            return parse_body(body)
        except ValueError:
            self.rejected += 1
            return None
