"""An in-memory panel board for tests and for running without an Arduino.

It answers the host as the firmware does (ready on connect, acks, events),
records every message the host sent, and lets a test press buttons, turn the
knob, inject raw bytes or pull the plug.

>>> from installation.hardware.protocol import Hello, encode
>>> board = MockBoard()
>>> port = board.open()
>>> port.write(encode(Hello()))
>>> board.received
[Hello(protocol=1)]
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from installation.errors import HardwareError
from installation.hardware.protocol import (
    KNOB_MAX,
    PROTOCOL_VERSION,
    Ack,
    Event,
    FrameReader,
    Hello,
    Message,
    Ping,
    Ready,
    SetState,
    encode,
)
from installation.hardware.serialport import POLL_SECONDS, PortNotFound


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
    ) -> None:
        self.protocol = protocol
        self.firmware = firmware
        self.tally_leds = tally_leds
        self.bar_leds = bar_leds
        self.knob = knob
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
            # Opening a real Uno's port resets it, and it announces itself.
            self._outgoing += encode(self._ready())
            self._cond.notify_all()
        return self

    def read(self) -> bytes:
        with self._cond:
            if not self._outgoing and self.plugged:
                self._cond.wait(POLL_SECONDS)
            if not self.plugged:
                raise HardwareError("mock panel: read failed: unplugged")
            data = bytes(self._outgoing)
            self._outgoing.clear()
            return data

    def write(self, data: bytes) -> None:
        with self._cond:
            if not self.plugged:
                raise HardwareError("mock panel: write failed: unplugged")
            for message in self._reader.feed(data):
                self.received.append(message)
                if self.answering:
                    self._answer(message)
            self._cond.notify_all()

    def discard_input(self) -> None:
        with self._cond:
            self._outgoing.clear()

    def close(self) -> None:
        pass

    def _ready(self) -> Ready:
        return Ready(self.protocol, self.firmware, self.tally_leds, self.bar_leds, self.knob)

    def _answer(self, message: Message) -> None:
        if isinstance(message, Hello):
            self._outgoing += encode(self._ready())
        elif isinstance(message, SetState):
            self.shown = message
            self._outgoing += encode(Ack(message.seq, True))
        elif isinstance(message, Ping):
            self._outgoing += encode(Ack(message.seq, self.shown is not None))

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
