"""A network PTZ camera on 127.0.0.1 that speaks VISCA over IP, for tests and for trying a config.

It answers as a Sony camera does: RESET, acknowledges and completions with
the message's sequence number (two command sockets), "abnormality in the
sequence number" for a message sent again with a number it already took,
position inquiries, and syntax errors for anything else. It keeps a position
and moves it at the commanded speed: a pan-tilt drive until the end of its
range, an absolute position or home until it is there (then the completion),
zoom likewise. A test can make it fall silent, answer every message with an
error, put malformed datagrams before every reply, or lose messages.

It listens only on the loopback address, and only when made.

>>> from installation.steer.visca import open_head
>>> with SimulatedCamera() as camera:
...     head = open_head(camera.spec)
...     head.home()
...     camera.wait_for(lambda: camera.commands >= 1)
...     head.close()
True

``python -m installation.steer.viscasim [PORT]`` runs one until Ctrl-C, for
trying ``head = "visca://127.0.0.1:PORT"`` without a camera.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

from installation.steer.visca import (
    COMMAND,
    CONTROL,
    CONTROL_REPLY,
    INQUIRY,
    MESSAGE_ERROR,
    PAN_TILT_HOME,
    PAN_TILT_POSITION,
    REPLY,
    RESET,
    RESET_ACK,
    SEQUENCE_ERROR,
    ZOOM_POSITION,
    ViscaUnits,
    from_nibbles,
    nibbles,
    pack,
    unpack,
)

#: Datagrams :attr:`SimulatedCamera.malformed` puts before every reply (``{seq}``: the reply's number).
MALFORMED: tuple[Callable[[int], bytes], ...] = (
    lambda seq: b"\x01\x11\x00",  # shorter than a header
    lambda seq: bytes.fromhex("01 11 00 09") + seq.to_bytes(4, "big") + b"\x90\x41\xff",  # length 9, not 3
    lambda seq: bytes.fromhex("07 07 00 03") + seq.to_bytes(4, "big") + b"\x90\x41\xff",  # no such type
    lambda seq: bytes.fromhex("01 11 00 02") + seq.to_bytes(4, "big") + b"\x90\x41",  # no terminator
    lambda seq: bytes.fromhex("01 11 00 03") + seq.to_bytes(4, "big") + b"\x12\x41\xff",  # not from a camera
    lambda seq: bytes.fromhex("01 11 00 0b") + seq.to_bytes(4, "big") + b"\x90\x50" + b"\x7f" * 8 + b"\xff",
    lambda seq: bytes.fromhex("01 11 00 03") + (seq + 7).to_bytes(4, "big") + b"\x90\x41\xff",  # not ours
    lambda seq: b"\xff" * 40,
)


@dataclass
class _Axis:
    position: float
    low: float
    high: float
    target: float | None = None
    speed: float = 0.0  # units a second, towards the target

    def advance(self, seconds: float) -> None:
        if self.target is None:
            return
        step = self.speed * seconds
        if abs(self.target - self.position) <= step:
            self.position, self.target = self.target, None
        else:
            self.position += step if self.target > self.position else -step

    def go(self, target: float, speed: float) -> None:
        self.target = min(max(target, self.low), self.high)
        self.speed = speed


@dataclass
class _Running:
    """A command whose completion is sent when its axes arrive."""

    socket: int
    sequence: int
    peer: tuple[str, int]


class SimulatedCamera:
    """A VISCA over IP camera on ``127.0.0.1``: see the module's description.

    Speeds: the top pan speed number moves ``pan_rate`` units a second (tilt
    and zoom likewise); a smaller number proportionally less.
    """

    def __init__(
        self,
        *,
        units: ViscaUnits | None = None,
        port: int = 0,
        pan_rate: float = 6000.0,
        tilt_rate: float = 4000.0,
        zoom_rate: float = 16000.0,
    ) -> None:
        self.units = units or ViscaUnits()
        self.rates = (pan_rate, tilt_rate, zoom_rate)
        self._axes = (
            _Axis(0.0, *self.units.pan),
            _Axis(0.0, *self.units.tilt),
            _Axis(0.0, 0.0, float(0x7AC0)),
        )
        #: False: the camera takes nothing and answers nothing (unplugged, rebooting).
        self.answering = True
        #: A VISCA error code (0x41: not executable) to answer every command and inquiry with.
        self.error: int | None = None
        #: Put the datagrams of :data:`MALFORMED` before every reply.
        self.malformed = False
        #: Lose this many of the next messages (not taken, not answered), or replies (taken, not answered).
        self.lose_messages = 0
        self.lose_replies = 0
        #: Every well-formed message taken, ``(type, sequence, payload)``; commands counted apart.
        self.received: list[tuple[int, int, bytes]] = []
        self.commands = 0
        self.resets = 0
        #: Addresses messages came from.
        self.peers: set[tuple[str, int]] = set()
        self._last_sequence: int | None = None
        self._running: dict[str, _Running] = {}
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", port))
        self._sock.settimeout(0.005)
        self.port: int = self._sock.getsockname()[1]
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="simulated VISCA camera", daemon=True)
        self._thread.start()

    @property
    def spec(self) -> str:
        """The head string that names this camera."""
        return f"visca://127.0.0.1:{self.port}"

    @property
    def position(self) -> tuple[int, int, int]:
        """Pan, tilt and zoom, in the camera's units."""
        with self._lock:
            pan, tilt, zoom = (round(axis.position) for axis in self._axes)
        return pan, tilt, zoom

    @property
    def moving(self) -> bool:
        with self._lock:
            return any(axis.target is not None for axis in self._axes)

    def place(self, pan: int, tilt: int, zoom: int = 0) -> None:
        """Put the head there at once (as if turned by hand or by another controller)."""
        with self._lock:
            for axis, value in zip(self._axes, (pan, tilt, zoom), strict=True):
                axis.position, axis.target = float(value), None

    def wait_for(self, condition: Callable[[], bool], timeout: float = 5.0) -> bool:
        """Wait until ``condition()`` holds (True) or ``timeout`` seconds pass (False)."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    def close(self) -> None:
        self._closed = True
        self._thread.join(timeout=2.0)
        self._sock.close()

    def __enter__(self) -> SimulatedCamera:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- the camera's thread ---------------------------------------------------------------------

    def _run(self) -> None:
        last = time.monotonic()
        while not self._closed:
            try:
                datagram, peer = self._sock.recvfrom(1024)
            except TimeoutError:
                datagram, peer = b"", ("", 0)
            except OSError:
                break
            now = time.monotonic()
            with self._lock:
                for axis in self._axes:
                    axis.advance(now - last)
                last = now
                if datagram:
                    self._take(datagram, peer)
                self._complete_arrived()

    def _reply(self, peer: tuple[str, int], kind: int, sequence: int, payload: bytes) -> None:
        if self.malformed:
            for make in MALFORMED:
                self._sock.sendto(make(sequence), peer)
        self._sock.sendto(pack(kind, sequence, payload), peer)

    def _take(self, datagram: bytes, peer: tuple[str, int]) -> None:
        parsed = unpack(datagram)
        if parsed is None or not self.answering:
            return
        if self.lose_messages:
            self.lose_messages -= 1
            return
        kind, sequence, payload = parsed
        self.peers.add(peer)
        if kind == CONTROL:
            if payload == RESET:
                self._last_sequence = None
                self.resets += 1
                self.received.append(parsed)
                self._answer(peer, CONTROL_REPLY, sequence, RESET_ACK)
            return
        if kind not in (COMMAND, INQUIRY):
            self._answer(peer, CONTROL_REPLY, sequence, MESSAGE_ERROR)
            return
        if sequence == self._last_sequence:
            self._answer(peer, CONTROL_REPLY, sequence, SEQUENCE_ERROR)
            return
        self._last_sequence = sequence
        self.received.append(parsed)
        if self.error is not None:
            self._answer(peer, REPLY, sequence, bytes([0x90, 0x60, self.error, 0xFF]))
            return
        if kind == INQUIRY:
            self._inquiry(peer, sequence, payload)
        else:
            self.commands += 1
            self._command(peer, sequence, payload)

    def _answer(self, peer: tuple[str, int], kind: int, sequence: int, payload: bytes) -> None:
        if self.lose_replies:
            self.lose_replies -= 1
            return
        self._reply(peer, kind, sequence, payload)

    def _inquiry(self, peer: tuple[str, int], sequence: int, payload: bytes) -> None:
        pan, tilt, zoom = (round(axis.position) for axis in self._axes)
        if payload == PAN_TILT_POSITION:
            self._answer(peer, REPLY, sequence, b"\x90\x50" + nibbles(pan) + nibbles(tilt) + b"\xff")
        elif payload == ZOOM_POSITION:
            self._answer(peer, REPLY, sequence, b"\x90\x50" + nibbles(zoom) + b"\xff")
        else:
            self._answer(peer, REPLY, sequence, b"\x90\x60\x02\xff")

    def _command(self, peer: tuple[str, int], sequence: int, payload: bytes) -> None:
        group, arrives = self._start(payload)
        if group is None:
            self._answer(peer, REPLY, sequence, b"\x90\x60\x02\xff")
            return
        earlier = self._running.pop(group, None)
        if earlier is not None:  # replaced by the new command: done as far as it goes
            self._answer(earlier.peer, REPLY, earlier.sequence, bytes([0x90, 0x50 | earlier.socket, 0xFF]))
        taken = {running.socket for running in self._running.values()}
        slot = 1 if 1 not in taken else 2
        self._answer(peer, REPLY, sequence, bytes([0x90, 0x40 | slot, 0xFF]))
        if arrives:
            self._running[group] = _Running(slot, sequence, peer)
        else:
            self._answer(peer, REPLY, sequence, bytes([0x90, 0x50 | slot, 0xFF]))

    def _start(self, payload: bytes) -> tuple[str | None, bool]:
        """Start what ``payload`` commands: its group (``pan-tilt``, ``zoom``, or None if it is not
        a command this camera knows) and whether its completion waits for the axes to arrive."""
        pan, tilt, zoom = self._axes
        units = self.units
        body = payload[:-1] if payload[-1:] == b"\xff" and payload[:2] == b"\x81\x01" else b""
        if body[2:4] == b"\x06\x01" and len(body) == 8:
            pan_speed, tilt_speed, pan_way, tilt_way = body[4:]
            if not (1 <= pan_speed <= units.pan_speed and 1 <= tilt_speed <= units.tilt_speed):
                return None, False
            if pan_way not in (1, 2, 3) or tilt_way not in (1, 2, 3):
                return None, False
            pan_rate = self.rates[0] * pan_speed / units.pan_speed
            tilt_rate = self.rates[1] * tilt_speed / units.tilt_speed
            pan.go({1: pan.low, 2: pan.high, 3: pan.position}[pan_way], pan_rate)
            tilt.go({1: tilt.high, 2: tilt.low, 3: tilt.position}[tilt_way], tilt_rate)
            return "pan-tilt", False
        if body[2:4] == b"\x06\x02" and len(body) == 14:
            pan_speed, tilt_speed = body[4], body[5]
            pan_to, tilt_to = from_nibbles(body[6:10], signed=True), from_nibbles(body[10:14], signed=True)
            if pan_to is None or tilt_to is None:
                return None, False
            if not (1 <= pan_speed <= units.pan_speed and 1 <= tilt_speed <= units.tilt_speed):
                return None, False
            pan.go(pan_to, self.rates[0] * pan_speed / units.pan_speed)
            tilt.go(tilt_to, self.rates[1] * tilt_speed / units.tilt_speed)
            return "pan-tilt", True
        if payload == PAN_TILT_HOME:
            pan.go(0, self.rates[0])
            tilt.go(0, self.rates[1])
            return "pan-tilt", True
        if body[2:4] == b"\x04\x07" and len(body) == 5:
            code = body[4]
            if code == 0x00:
                zoom.go(zoom.position, 0.0)
            elif code >> 4 in (2, 3) and (code & 0x0F) <= 7:
                rate = self.rates[2] * ((code & 0x0F) + 1) / 8
                zoom.go(units.zoom if code >> 4 == 2 else 0, rate)
            else:
                return None, False
            return "zoom", False
        if body[2:4] == b"\x04\x47" and len(body) == 8:
            position = from_nibbles(body[4:8], signed=False)
            if position is None:
                return None, False
            zoom.go(position, self.rates[2])
            return "zoom", True
        return None, False

    def _complete_arrived(self) -> None:
        pan, tilt, zoom = self._axes
        for group, axes in (("pan-tilt", (pan, tilt)), ("zoom", (zoom,))):
            running = self._running.get(group)
            if running is not None and all(axis.target is None for axis in axes):
                del self._running[group]
                self._answer(
                    running.peer, REPLY, running.sequence, bytes([0x90, 0x50 | running.socket, 0xFF])
                )


def main(argv: list[str] | None = None) -> int:
    """Run a simulated camera on 127.0.0.1 until interrupted."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or (args and not (args[0].isascii() and args[0].isdigit() and 0 < int(args[0]) < 65536)):
        print("usage: python -m installation.steer.viscasim [PORT]  (PORT 1 to 65535, 52381 if not given)")
        return 2
    port = int(args[0]) if args else 52381
    try:
        camera = SimulatedCamera(port=port)
    except OSError as exc:
        print(f"127.0.0.1:{port}: cannot listen there ({exc.strerror or exc})")
        return 1
    with camera:
        print(f"a simulated VISCA camera answers at {camera.spec} (Ctrl-C ends it)", flush=True)
        try:
            while True:
                time.sleep(1.0)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
