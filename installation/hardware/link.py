"""The host end of the panel link: a thread that keeps the board in step.

The render loop calls :meth:`PanelLink.show` every frame with the current
:class:`IndicatorState` (it only stores it) and drains :attr:`PanelLink.events`
into the ``ControlState`` with ``drain_panel_events``. The link thread does the
rest: finds and opens the port, waits for the board's ready message, sends the
indicator state when it changes plus a heartbeat, turns button presses and knob
turns into ``PanelEvent`` objects, and reconnects when the board goes away.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from installation.control.state import IndicatorState, PanelEvent
from installation.errors import HardwareError
from installation.hardware.backend import MockBackend, SerialBackend, Transport, choose_backend
from installation.hardware.mock import MockBoard
from installation.hardware.protocol import (
    KNOB_MAX,
    PROTOCOL_VERSION,
    Ack,
    BoardError,
    Event,
    FrameReader,
    Hello,
    Ping,
    Ready,
    SetState,
    encode,
)
from installation.hardware.serialport import PortNotFound

log = logging.getLogger("installation.hardware")

#: First wait before reconnecting, doubled on each failure up to BACKOFF_CAP.
BACKOFF_FIRST = 0.05
BACKOFF_CAP = 1.0
#: Wait before asking an incompatible board again: it needs new firmware first.
INCOMPATIBLE_RETRY = 10.0
HELLO_INTERVAL = 0.5


class IncompatiblePanel(HardwareError):
    """The board speaks another protocol version than this installation."""


@dataclass(frozen=True)
class LinkStatus:
    """What the on-screen panel says about the physical one.

    ``state`` is ``disabled``, ``off`` (not started or stopped), ``searching``
    (no port yet), ``connecting``, ``connected`` or ``error``; ``text`` is one
    line for people.
    """

    connected: bool
    text: str
    firmware: str | None = None
    port: str | None = None
    state: str = "off"


def backoff_delays(first: float = BACKOFF_FIRST, cap: float = BACKOFF_CAP) -> Iterator[float]:
    """Waits between reconnection attempts: doubling, never above ``cap``.

    >>> from itertools import islice
    >>> list(islice(backoff_delays(), 7))
    [0.05, 0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    """
    delay = first
    while True:
        yield delay
        delay = min(cap, delay * 2)


def knob_fraction(reading: int) -> float:
    """A knob reading (0..1023) as a strength in [0, 1]."""
    return min(1.0, max(0.0, reading / KNOB_MAX))


def board_event(event: Event) -> PanelEvent:
    """The ``PanelEvent`` the render loop applies for a board event.

    >>> board_event(Event("knob", 1023))
    PanelEvent(kind='strength', value=1.0)
    """
    if event.kind == "knob":
        return PanelEvent("strength", knob_fraction(event.value))
    return PanelEvent(event.kind)


def handshake(transport: Transport, timeout: float, cancel: threading.Event | None = None) -> Ready:
    """Waits for the board's ready message, asking for it every half second.

    Opening an Uno's port resets it, so the board may need a moment; its boot
    announcement and the answer to a hello are the same message. Raises
    IncompatiblePanel for another protocol version and HardwareError when
    nothing valid arrives within ``timeout`` seconds (or ``cancel`` is set).
    """
    return _await_ready(transport, timeout, cancel)[0]


def _await_ready(transport: Transport, timeout: float, cancel: threading.Event | None) -> tuple[Ready, float]:
    """The board's ready message and when the last hello went out."""
    transport.discard_input()
    reader = FrameReader()
    deadline = time.monotonic() + timeout
    next_hello = last_hello = time.monotonic()
    while True:
        now = time.monotonic()
        if cancel is not None and cancel.is_set():
            raise HardwareError(f"{transport.name}: stopped while waiting for the panel")
        if now >= deadline:
            raise HardwareError(
                f"{transport.name}: no ready message from the panel within {timeout:g} s; "
                "is the monitoring_panel firmware flashed (make -C hardware upload)?"
            )
        if now >= next_hello:
            transport.write(encode(Hello()))
            last_hello, next_hello = now, now + HELLO_INTERVAL
        for message in reader.feed(transport.read()):
            if isinstance(message, Ready):
                check_version(transport.name, message)
                return message, last_hello


def check_version(name: str, ready: Ready) -> None:
    if ready.protocol != PROTOCOL_VERSION:
        raise IncompatiblePanel(
            f"{name}: the panel speaks protocol version {ready.protocol}, this installation speaks "
            f"version {PROTOCOL_VERSION}; flash hardware/firmware/monitoring_panel from this release "
            "(make -C hardware upload)"
        )


def probe(port: str, *, timeout: float = 5.0, baudrate: int = 115200) -> Ready:
    """Opens the port once, shakes hands and closes it: what board is there?

    Raises HardwareError (PortNotFound, IncompatiblePanel, no answer) with a
    message naming the port.

    >>> probe("mock").firmware
    'mock'
    """
    backend = choose_backend(port, baudrate=baudrate)
    if backend is None:
        raise HardwareError(f"panel port is {port!r}: the panel is disabled")
    transport = backend.open()
    try:
        return handshake(transport, timeout)
    finally:
        transport.close()


def _indicator_fields(state: IndicatorState) -> tuple[bool, bool, int, int, int]:
    cameras = min(16, max(1, state.cameras))
    return (
        bool(state.exposed),
        bool(state.live),
        min(15, max(0, state.tally)),
        min(999, max(0, state.faces)),
        cameras,
    )


class PanelLink:
    """Keeps a panel board in step with the installation, in a thread of its own.

    ``port`` is a port string: ``auto``, a device path, ``serial:NUMBER``, a
    pyserial URL, ``mock`` (an in-memory board, see :attr:`mock`) or ``none``.
    Button presses and knob turns arrive on ``events`` as ``PanelEvent``; apply
    them on the render thread with ``drain_panel_events``.

    >>> import queue
    >>> from installation.control.state import ControlState, drain_panel_events
    >>> events = queue.SimpleQueue()
    >>> with PanelLink("mock", events=events) as link:
    ...     link.wait_connected(2.0)
    ...     link.show(IndicatorState(exposed=True, faces=2))
    ...     link.mock.wait_for(lambda b: b.shown is not None and b.shown.exposed)
    ...     link.mock.press("effect")
    ...     link.wait_events(1, 2.0)
    True
    True
    True
    >>> controls = ControlState()
    >>> drain_panel_events(events, controls), controls.effect.value
    (1, 'pixelate')
    """

    def __init__(
        self,
        port: str,
        *,
        events: queue.SimpleQueue[PanelEvent] | None = None,
        baudrate: int = 115200,
        heartbeat: float = 0.5,
        ready_timeout: float = 5.0,
        silence_timeout: float = 2.0,
        ack_timeout: float = 0.3,
        adopt_knob: bool = True,
    ) -> None:
        self.port = port
        self.events: queue.SimpleQueue[PanelEvent] = events if events is not None else queue.SimpleQueue()
        self.heartbeat = heartbeat
        self.ready_timeout = ready_timeout
        self.silence_timeout = silence_timeout
        self.ack_timeout = ack_timeout
        self.adopt_knob = adopt_knob
        self._backend = choose_backend(port, baudrate=baudrate)
        #: How many times a board was connected (handshake done) since start.
        self.connections = 0
        #: The last HardwareError met, for the curious; status.text says the same.
        self.error: HardwareError | None = None
        self._wanted: IndicatorState | None = None
        self._events_put = 0
        self._seq = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._cond = threading.Condition()
        self._logged = ""
        if self._backend is None:
            self._status = LinkStatus(False, "panel: disabled", state="disabled")
        else:
            self._status = LinkStatus(False, "panel: off", state="off")

    # -- what the render loop calls -------------------------------------------
    def show(self, state: IndicatorState) -> None:
        """Sets what the indicators should show; cheap, call it every frame."""
        self._wanted = state

    @property
    def status(self) -> LinkStatus:
        return self._status

    @property
    def mock(self) -> MockBoard | None:
        """The in-memory board when the port is ``mock``."""
        return self._backend.board if isinstance(self._backend, MockBackend) else None

    # -- lifetime -------------------------------------------------------------
    def start(self) -> PanelLink:
        if self._backend is None or (self._thread is not None and self._thread.is_alive()):
            return self
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="panel-link", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._backend is not None:
            self._set_status(LinkStatus(False, "panel: off", state="off"))

    def __enter__(self) -> PanelLink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- waiting (tests, command line) ------------------------------------------
    def wait_until(self, predicate: Callable[[PanelLink], bool], timeout: float) -> bool:
        """Waits until ``predicate(link)`` holds, for at most ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
            return True

    def wait_connected(self, timeout: float) -> bool:
        """True once a board has shaken hands (and is still connected)."""
        return self.wait_until(lambda link: link.status.connected, timeout)

    def wait_events(self, count: int, timeout: float) -> bool:
        """True once ``count`` events in all have been queued since start."""
        return self.wait_until(lambda link: link._events_put >= count, timeout)

    # -- the thread -------------------------------------------------------------
    def _set_status(self, status: LinkStatus) -> None:
        with self._cond:
            self._status = status
            self._cond.notify_all()
        # Retries pass through "connecting" each time; log each other news once.
        if status.state == "connecting":
            log.debug(status.text)
        elif status.text != self._logged:
            self._logged = status.text
            log.log(logging.WARNING if status.state == "error" else logging.INFO, status.text)

    def _put_event(self, event: PanelEvent) -> None:
        self.events.put(event)
        with self._cond:
            self._events_put += 1
            self._cond.notify_all()

    def _next_seq(self) -> int:
        self._seq = (self._seq + 1) % 65536
        return self._seq

    def _run(self) -> None:
        assert self._backend is not None
        delays = backoff_delays()
        self._set_status(
            LinkStatus(False, f"panel: looking for {self._backend.describe()}", state="searching")
        )
        while not self._stop.is_set():
            delay = next(delays)
            transport: Transport | None = None
            try:
                transport = self._backend.open()
                self._set_status(
                    LinkStatus(
                        False,
                        f"panel: connecting to {transport.name}",
                        port=transport.name,
                        state="connecting",
                    )
                )
                ready, hello_at = _await_ready(transport, self.ready_timeout, self._stop)
                if isinstance(self._backend, SerialBackend):
                    self._backend.connected()
                self.error = None
                self.connections += 1
                self._set_status(
                    LinkStatus(
                        True,
                        f"panel: connected on {transport.name}, firmware {ready.firmware}",
                        firmware=ready.firmware,
                        port=transport.name,
                        state="connected",
                    )
                )
                if self.adopt_knob and ready.knob is not None:
                    # The knob is where it physically is: the strength follows it on connect.
                    self._put_event(PanelEvent("strength", knob_fraction(ready.knob)))
                delays = backoff_delays()
                self._serve(transport, hello_at)
            except PortNotFound as exc:
                self.error = exc
                self._set_status(LinkStatus(False, f"panel: searching: {exc}", state="searching"))
            except IncompatiblePanel as exc:
                self.error = exc
                self._set_status(LinkStatus(False, f"panel: {exc}", state="error"))
                delay = INCOMPATIBLE_RETRY
            except HardwareError as exc:
                self.error = exc
                self._set_status(LinkStatus(False, f"panel: {exc}", state="error"))
            except OSError as exc:
                self.error = HardwareError(f"{self._backend.describe()}: {exc}")
                self._set_status(LinkStatus(False, f"panel: {self.error}", state="error"))
            except Exception as exc:  # a kiosk runs for weeks: never let the link thread die
                log.exception("panel link failed unexpectedly; retrying")
                self.error = HardwareError(f"{self._backend.describe()}: unexpected error: {exc!r}")
                self._set_status(LinkStatus(False, f"panel: {self.error}", state="error"))
            finally:
                if transport is not None:
                    transport.close()
            self._stop.wait(delay)

    def _serve(self, transport: Transport, hello_at: float) -> None:
        """Runs one connection until stop is asked (returns) or the board is lost (raises)."""
        reader = FrameReader()
        sent_fields: tuple[bool, bool, int, int, int] | None = None  # acknowledged by the board
        pending: tuple[int, tuple[bool, bool, int, int, int], float] | None = None  # seq, fields, when
        resend = True  # the board holds no state yet
        now = time.monotonic()
        last_rx = last_tx = now
        while not self._stop.is_set():
            data = transport.read()
            now = time.monotonic()
            for message in reader.feed(data):
                last_rx = now
                if isinstance(message, Event):
                    self._put_event(board_event(message))
                elif isinstance(message, Ack):
                    if pending is not None and message.seq == pending[0]:
                        sent_fields, pending = pending[1], None
                    if not message.showing and pending is None:
                        resend = True  # the board has dropped the state (after a silence): send it again
                elif isinstance(message, Ready):
                    check_version(transport.name, message)
                    if now - hello_at > 2 * HELLO_INTERVAL:  # not just the answer to a second hello
                        log.warning("panel on %s restarted; sending the indicators again", transport.name)
                    resend, pending = True, None
                elif isinstance(message, BoardError):
                    log.debug("panel on %s dropped a frame (%s)", transport.name, message.code)
                    if pending is not None:
                        resend, pending = True, None
            if reader.rejected:
                log.debug("panel on %s: %d bad frames dropped", transport.name, reader.rejected)
                reader.rejected = 0

            wanted = self._wanted
            if wanted is not None:
                fields = _indicator_fields(wanted)
                late = pending is not None and now - pending[2] > self.ack_timeout
                changed = fields != (pending[1] if pending is not None else sent_fields)
                if resend or changed or late:
                    seq = self._next_seq()
                    transport.write(encode(SetState(seq, *fields)))
                    pending, resend, last_tx = (seq, fields, now), False, now
            if now - last_tx >= self.heartbeat:
                transport.write(encode(Ping(self._next_seq())))
                last_tx = now
            if now - last_rx > self.silence_timeout:
                raise HardwareError(
                    f"{transport.name}: the panel stopped answering ({self.silence_timeout:g} s of silence)"
                )
