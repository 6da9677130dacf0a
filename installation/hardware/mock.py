"""An in-memory panel board for tests and for running without an Arduino.

It answers the host as the firmware does (ready on connect, acks, events),
records every message the host sent, and lets a test press buttons, turn the
knob, push the joystick, inject raw bytes or pull the plug. Its camera head
turns at the rates it is given, as the firmware's does, reports where it points
and parks when the host falls silent; ``protocol=1`` makes it an old board
without one.

>>> from installation.hardware.protocol import Hello, encode
>>> board = MockBoard()
>>> port = board.open()
>>> port.write(encode(Hello()))
>>> board.received
[Hello(protocol=2)]
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from installation.errors import HardwareError
from installation.hardware.protocol import (
    KNOB_MAX,
    PROTOCOL_VERSION,
    STICK_MAX,
    Ack,
    Aim,
    BoardError,
    Event,
    FrameReader,
    HeadPosition,
    Hello,
    Message,
    Park,
    Ping,
    Ready,
    SetState,
    Stick,
    encode,
)
from installation.hardware.serialport import POLL_SECONDS, PortNotFound

#: As the firmware: the fastest the head turns and the rate it parks at (degrees per second),
#: the host's silence before it parks, and how often it reports a moving head (seconds).
HEAD_RATE_MAX = 180
HEAD_PARK_RATE = 30
HEAD_SILENCE = 2.0
HEAD_REPORT_PERIOD = 0.1


class MockHead:
    """The firmware's camera head: two servos slewing to their targets, in tenths of a degree."""

    def __init__(self) -> None:
        self.pulsing = False
        self.at = [900.0, 900.0]
        self.target = [900.0, 900.0]
        self.rate = [0.0, 0.0]  # tenths of a degree per second
        self.park = (900, 900)
        self.parking = False
        self.moving = False
        self._at = time.monotonic()

    def advance(self, now: float) -> None:
        elapsed, self._at = max(0.0, now - self._at), now
        for i in (0, 1):
            step = self.rate[i] * elapsed
            gap = self.target[i] - self.at[i]
            self.at[i] = self.target[i] if abs(gap) <= step else self.at[i] + (step if gap > 0 else -step)

    def aim(self, command: Aim, now: float) -> None:
        self.advance(now)
        self.pulsing, self.parking = True, False
        for i, (angle, rate) in enumerate(
            ((command.pan, command.pan_rate), (command.tilt, command.tilt_rate))
        ):
            if rate == 0:
                self.target[i] = self.at[i]
            else:
                self.target[i], self.rate[i] = float(angle), 10.0 * min(rate, HEAD_RATE_MAX)

    def park_at(self, command: Park, now: float) -> None:
        self.advance(now)
        self.park = (command.pan, command.tilt)
        if not self.pulsing:
            self.pulsing = True
            self.at = [float(command.pan), float(command.tilt)]
            self.target = list(self.at)
        elif self.parking:
            self.go_park(now)

    def go_park(self, now: float) -> None:
        self.advance(now)
        self.parking = True
        self.target = [float(self.park[0]), float(self.park[1])]
        self.rate = [10.0 * HEAD_PARK_RATE] * 2

    def position(self) -> HeadPosition:
        moving = self.at != self.target
        return HeadPosition(round(self.at[0]), round(self.at[1]), moving)


class MockBoard:
    """A fake panel: what the firmware would answer, without a serial port."""

    name = "mock"

    def __init__(
        self,
        *,
        protocol: int = PROTOCOL_VERSION,
        firmware: str = "mock",
        tally_leds: int = 4,
        bar_leds: int = 6,
        knob: int | None = None,
        head: bool = True,
    ) -> None:
        self.protocol = protocol
        self.firmware = firmware
        self.tally_leds = tally_leds
        self.bar_leds = bar_leds
        self.knob = knob
        #: The camera head (None for a board without one: an Uno, or protocol 1).
        self.head: MockHead | None = MockHead() if head and protocol >= 2 else None
        self._heard = 0.0  # when the host last sent a valid frame
        self._reported = 0.0
        self.received: list[Message] = []
        self.shown: SetState | None = None
        self.connections = 0
        self.open_attempts = 0
        self.plugged = True
        self.answering = True
        self._reader = FrameReader()
        self._outgoing = bytearray()
        self._cond = threading.Condition()

    # -- the host's side: what PanelLink sees as its port -------------------
    def open(self) -> MockBoard:
        with self._cond:
            self.open_attempts += 1
            if not self.plugged:
                raise PortNotFound("mock panel is unplugged")
            self.connections += 1
            self._reader = FrameReader()
            self._outgoing.clear()
            self.shown = None
            if self.head is not None:
                self.head = MockHead()
            # Opening a real board's port resets it, and it announces itself.
            self._outgoing += encode(self._ready())
            self._cond.notify_all()
        return self

    def read(self) -> bytes:
        with self._cond:
            if not self._outgoing and self.plugged:
                self._cond.wait(POLL_SECONDS)
            if not self.plugged:
                raise HardwareError("mock panel: read failed: unplugged")
            self._run_head(time.monotonic())
            data = bytes(self._outgoing)
            self._outgoing.clear()
            return data

    def write(self, data: bytes) -> None:
        with self._cond:
            if not self.plugged:
                raise HardwareError("mock panel: write failed: unplugged")
            for message in self._reader.feed(data):
                self.received.append(message)
                self._heard = time.monotonic()
                if self.answering:
                    self._answer(message)
            self._cond.notify_all()

    def discard_input(self) -> None:
        with self._cond:
            self._outgoing.clear()

    def close(self) -> None:
        pass

    def _ready(self) -> Ready:
        return Ready(
            self.protocol, self.firmware, self.tally_leds, self.bar_leds, self.knob, self.head is not None
        )

    def _answer(self, message: Message) -> None:
        now = time.monotonic()
        if isinstance(message, Hello):
            self._outgoing += encode(self._ready())
        elif isinstance(message, SetState):
            self.shown = message
            self._outgoing += encode(Ack(message.seq, True))
        elif isinstance(message, Ping):
            self._outgoing += encode(Ack(message.seq, self.shown is not None))
        elif isinstance(message, (Aim, Park)) and self.head is not None:
            if isinstance(message, Aim):
                self.head.aim(message, now)
            else:
                self.head.park_at(message, now)
            self._outgoing += encode(Ack(message.seq, self.shown is not None))
            self._report(now)
        elif isinstance(message, (Aim, Park)):
            self._outgoing += encode(BoardError("unknown"))

    def _report(self, now: float) -> None:
        assert self.head is not None
        self.head.advance(now)
        self._outgoing += encode(self.head.position())
        self._reported = now

    def _run_head(self, now: float) -> None:
        """What the firmware's loop does for the head: park after silence, report while moving."""
        head = self.head
        if head is None or not head.pulsing:
            return
        if now - self._heard > HEAD_SILENCE and not head.parking:
            head.go_park(now)
        head.advance(now)
        moving = head.at != head.target
        if moving != head.moving or (moving and now - self._reported >= HEAD_REPORT_PERIOD):
            head.moving = moving
            self._report(now)

    # -- the test's side ------------------------------------------------------
    def press(self, button: str) -> None:
        """Press and release ``effect`` or ``camera``."""
        if button not in ("effect", "camera"):
            raise ValueError(f"no {button!r} button on the panel (effect, camera)")
        self.send(Event(button))

    def turn(self, fraction: float) -> None:
        """Turn the knob to ``fraction`` of its travel (0 to 1)."""
        self.knob = round(min(1.0, max(0.0, fraction)) * KNOB_MAX)
        self.send(Event("knob", self.knob))

    def push_stick(self, pan: float, tilt: float, zoom: float = 0.0) -> None:
        """Hold the joystick (and the zoom rocker) at these speeds, each -1 to 1; the board
        reports it once (the firmware repeats it every 0.2 s, a test does so itself)."""
        self.send(Stick(*(round(min(1.0, max(-1.0, v)) * STICK_MAX) for v in (pan, tilt, zoom))))

    def press_home(self) -> None:
        """Push the joystick down."""
        self.send(Event("home"))

    def send(self, message: Message) -> None:
        """Send any message to the host, as the board would."""
        self.send_raw(encode(message))

    def send_raw(self, data: bytes) -> None:
        """Put bytes on the line to the host, valid or not."""
        with self._cond:
            self._outgoing += data
            self._cond.notify_all()

    def unplug(self) -> None:
        """The cable is pulled: reads and writes fail, opening fails until :meth:`plug`."""
        with self._cond:
            self.plugged = False
            self._cond.notify_all()

    def plug(self) -> None:
        with self._cond:
            self.plugged = True
            self._cond.notify_all()

    @property
    def states(self) -> list[SetState]:
        """Every state frame the host sent, oldest first."""
        with self._cond:
            return [m for m in self.received if isinstance(m, SetState)]

    def wait_for(self, predicate: Callable[[MockBoard], bool], timeout: float = 2.0) -> bool:
        """Waits until ``predicate(board)`` holds; False if it still does not after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
            return True
