"""The host end of the panel link: a thread that keeps the board in step.

The render loop calls :meth:`PanelLink.show` every frame with the current
:class:`IndicatorState` (it only stores it) and drains :attr:`PanelLink.events`
into the ``ControlState`` with ``drain_panel_events``. The link thread does the
rest: finds and opens the port, waits for the board's ready message, sends the
indicator state when it changes plus a heartbeat, turns button presses and knob
turns into ``PanelEvent`` objects, and reconnects when the board goes away.

A board with a camera head (protocol version 2 on a Mega) is also steered
through the link: :meth:`PanelLink.aim` and :meth:`PanelLink.park_at` store the
newest command and the thread delivers it (``installation.steer.servo`` is the
``Head`` built on them), :attr:`PanelLink.head` says where the servos point,
and the joystick and zoom rocker arrive on :attr:`PanelLink.steering` as
:class:`SteerInput`. A version 1 board still gets its lights; it cannot steer.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from installation.control.state import IndicatorState, PanelEvent
from installation.errors import HardwareError
from installation.hardware.backend import MockBackend, SerialBackend, Transport, choose_backend
from installation.hardware.mock import MockBoard
from installation.hardware.protocol import (
    ANGLE_MAX,
    KNOB_MAX,
    OLDEST_PROTOCOL,
    PROTOCOL_VERSION,
    RATE_MAX,
    STICK_MAX,
    Ack,
    Aim,
    BoardError,
    Event,
    FrameReader,
    HeadPosition,
    Hello,
    Park,
    Ping,
    Ready,
    SetState,
    Stick,
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
#: A joystick reading not repeated for this long counts as the stick at rest: the board repeats
#: an off-centre reading every 0.2 s, so a lost frame never leaves the camera turning.
STICK_HOLD = 0.6


class IncompatiblePanel(HardwareError):
    """The board speaks a protocol version this installation does not."""


@dataclass(frozen=True)
class LinkStatus:
    """What the on-screen panel says about the physical one.

    ``state`` is ``disabled``, ``off`` (not started or stopped), ``searching``
    (no port yet), ``connecting``, ``connected`` or ``error``; ``text`` is one
    line for people. While connected, ``protocol`` is the board's protocol
    version and ``head`` whether it drives a camera head.
    """

    connected: bool
    text: str
    firmware: str | None = None
    port: str | None = None
    state: str = "off"
    protocol: int | None = None
    head: bool = False


@dataclass(frozen=True)
class SteerInput:
    """The panel's joystick and zoom rocker, for whatever steers the camera.

    ``kind`` is ``"move"``: keep turning at these speeds (``pan``, ``tilt``,
    ``zoom``, each -1 to 1; all 0 is the stick at rest), or ``"home"``: the
    stick was pushed down. The newest ``move`` holds until the next one; the
    link sends an all-zero ``move`` itself when the stick falls silent or the
    board goes away, so the last reading can always be trusted.
    """

    kind: str
    pan: float = 0.0
    tilt: float = 0.0
    zoom: float = 0.0

    @property
    def at_rest(self) -> bool:
        return self.pan == 0 and self.tilt == 0 and self.zoom == 0


#: The joystick at rest.
STICK_AT_REST = SteerInput("move")


@dataclass(frozen=True)
class HeadReport:
    """What the board last said of its camera head: the servo angles in degrees, whether they
    are moving, the newest :meth:`PanelLink.aim` it acknowledged (0 for none since it
    connected), and when the report arrived (``time.monotonic()``)."""

    pan: float
    tilt: float
    moving: bool
    acknowledged: int
    at: float


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
    """Raises IncompatiblePanel unless this host speaks the board's version (a version 1 board
    is driven without its camera head)."""
    if not OLDEST_PROTOCOL <= ready.protocol <= PROTOCOL_VERSION:
        raise IncompatiblePanel(
            f"{name}: the panel speaks protocol version {ready.protocol}, this installation speaks "
            f"version {PROTOCOL_VERSION}; flash hardware/firmware/monitoring_panel from this release "
            "(make -C hardware upload)"
        )


def stick_input(stick: Stick) -> SteerInput:
    """The joystick reading the steering receives for a board's report.

    >>> stick_input(Stick(50, -100, 0))
    SteerInput(kind='move', pan=0.5, tilt=-1.0, zoom=0.0)
    """
    return SteerInput("move", stick.pan / STICK_MAX, stick.tilt / STICK_MAX, stick.zoom / STICK_MAX)


def tenths(degrees: float) -> int:
    """An angle in degrees as the board takes it: tenths of a degree, within 0 to 180 degrees."""
    return min(ANGLE_MAX, max(0, round(degrees * 10)))


def board_rate(degrees_per_second: float) -> int:
    """A rate as the board takes it: whole degrees per second, at least 1 unless it is 0."""
    if degrees_per_second <= 0:
        return 0
    return min(RATE_MAX, max(1, round(degrees_per_second)))


_Value = TypeVar("_Value")


class _Delivery(Generic[_Value]):
    """One kind of command the board acknowledges: the newest wanted value is sent, and sent
    again when the board does not acknowledge it in time or reports a dropped frame."""

    def __init__(self, resend: bool = True) -> None:
        self.acknowledged: _Value | None = None
        self.pending: tuple[int, _Value, float] | None = None  # seq, value, when sent
        self.resend = resend

    def due(self, wanted: _Value | None, now: float, ack_timeout: float) -> bool:
        if wanted is None:
            return False
        late = self.pending is not None and now - self.pending[2] > ack_timeout
        changed = wanted != (self.pending[1] if self.pending is not None else self.acknowledged)
        return self.resend or changed or late

    def sent(self, seq: int, value: _Value, now: float) -> None:
        self.pending, self.resend = (seq, value, now), False

    def acknowledge(self, seq: int) -> bool:
        if self.pending is None or seq != self.pending[0]:
            return False
        self.acknowledged, self.pending = self.pending[1], None
        return True

    def dropped(self) -> None:
        """The board reported a dropped frame: what is unanswered goes again."""
        if self.pending is not None:
            self.resend, self.pending = True, None


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
    them on the render thread with ``drain_panel_events``. The joystick and the
    zoom rocker arrive on ``steering`` as :class:`SteerInput`.

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
        steering: queue.SimpleQueue[SteerInput] | None = None,
        baudrate: int = 115200,
        heartbeat: float = 0.5,
        ready_timeout: float = 5.0,
        silence_timeout: float = 2.0,
        ack_timeout: float = 0.3,
        adopt_knob: bool = True,
    ) -> None:
        self.port = port
        self.events: queue.SimpleQueue[PanelEvent] = events if events is not None else queue.SimpleQueue()
        #: The joystick and zoom rocker of a board with a camera head, for the steering to drain.
        self.steering: queue.SimpleQueue[SteerInput] = (
            steering if steering is not None else queue.SimpleQueue()
        )
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
        self._aim: tuple[int, Aim] | None = None  # command number, the frame without its seq
        self._aims = 0
        self._park: Park | None = None
        self._head: HeadReport | None = None
        self._stick = STICK_AT_REST
        self._stick_at = 0.0
        self._events_put = 0
        self._steering_put = 0
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

    def aim(self, pan: float, tilt: float, pan_rate: float, tilt_rate: float) -> int:
        """Turns the camera head: servo angles in degrees (0 to 180), rates in degrees per
        second (0 stops that servo where it is). Cheap: the link thread sends the newest
        command and no other. Returns the command's number, which :attr:`head` names once the
        board has acknowledged it. Ignored by a board without a head."""
        with self._cond:
            self._aims += 1
            self._aim = (
                self._aims,
                Aim(0, tenths(pan), tenths(tilt), board_rate(pan_rate), board_rate(tilt_rate)),
            )
            return self._aims

    def park_at(self, pan: float, tilt: float) -> None:
        """Where the head turns, slowly, when the host falls silent (degrees). Sent on every
        connection; until the board has heard it, its servos stay limp."""
        with self._cond:
            self._park = Park(0, tenths(pan), tenths(tilt))

    @property
    def head(self) -> HeadReport | None:
        """Where the board last said its servos point, since it connected; None before."""
        return self._head

    @property
    def stick(self) -> SteerInput:
        """The joystick and zoom rocker now (at rest without a board)."""
        return self._stick

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

    def wait_steering(self, count: int, timeout: float) -> bool:
        """True once ``count`` steering inputs in all have been queued since start."""
        return self.wait_until(lambda link: link._steering_put >= count, timeout)

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

    def _put_steering(self, steer: SteerInput, now: float) -> None:
        if steer.kind == "move":
            self._stick, self._stick_at = steer, now
        self.steering.put(steer)
        with self._cond:
            self._steering_put += 1
            self._cond.notify_all()

    def _release_stick(self, now: float) -> None:
        """The stick falls silent or the board goes: whatever steers it sees the stick at rest."""
        if not self._stick.at_rest:
            self._put_steering(STICK_AT_REST, now)

    def _set_head(self, report: HeadReport | None) -> None:
        with self._cond:
            self._head = report
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
                # A head command given before this connection is stale (the head was not steerable
                # then); what comes once the status below says connected is not.
                with self._cond:
                    stale_aim = self._aim
                self.error = None
                self.connections += 1
                old = (
                    "" if ready.protocol == PROTOCOL_VERSION else f" (protocol {ready.protocol}: lights only)"
                )
                self._set_status(
                    LinkStatus(
                        True,
                        f"panel: connected on {transport.name}, firmware {ready.firmware}{old}",
                        firmware=ready.firmware,
                        port=transport.name,
                        state="connected",
                        protocol=ready.protocol,
                        head=ready.head,
                    )
                )
                if self.adopt_knob and ready.knob is not None:
                    # The knob is where it physically is: the strength follows it on connect.
                    self._put_event(PanelEvent("strength", knob_fraction(ready.knob)))
                delays = backoff_delays()
                self._serve(transport, hello_at, ready.head, stale_aim)
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
                self._set_head(None)
                self._release_stick(time.monotonic())
            self._stop.wait(delay)

    def _serve(
        self, transport: Transport, hello_at: float, has_head: bool, stale_aim: tuple[int, Aim] | None
    ) -> None:
        """Runs one connection until stop is asked (returns) or the board is lost (raises)."""
        reader = FrameReader()
        state = _Delivery[tuple[bool, bool, int, int, int]]()  # the board holds no state yet
        park = _Delivery[Park]()
        aim = _Delivery[tuple[int, Aim]](resend=False)
        aim.acknowledged = stale_aim  # never sent
        acknowledged_aim = 0
        now = time.monotonic()
        last_rx = last_tx = now
        while not self._stop.is_set():
            data = transport.read()
            now = time.monotonic()
            for message in reader.feed(data):
                last_rx = now
                if isinstance(message, Event):
                    if message.kind == "home":
                        self._put_steering(SteerInput("home"), now)
                    else:
                        self._put_event(board_event(message))
                elif isinstance(message, Stick):
                    self._put_steering(stick_input(message), now)
                elif isinstance(message, HeadPosition):
                    self._set_head(
                        HeadReport(message.pan / 10, message.tilt / 10, message.moving, acknowledged_aim, now)
                    )
                elif isinstance(message, Ack):
                    state.acknowledge(message.seq)
                    park.acknowledge(message.seq)
                    if aim.acknowledge(message.seq) and aim.acknowledged is not None:
                        acknowledged_aim = aim.acknowledged[0]
                    if not message.showing and state.pending is None:
                        # The board has dropped the state (after a silence): send it again.
                        state.resend = True
                elif isinstance(message, Ready):
                    check_version(transport.name, message)
                    state.resend, state.pending = True, None
                    park.resend, park.pending = True, None
                    if now - hello_at > 2 * HELLO_INTERVAL:  # not just the answer to a second hello
                        log.warning("panel on %s restarted; sending the indicators again", transport.name)
                        # Its servos start again from the park position; a command is not resumed.
                        with self._cond:
                            aim.pending, aim.acknowledged = None, self._aim
                        acknowledged_aim = 0
                elif isinstance(message, BoardError):
                    log.debug("panel on %s dropped a frame (%s)", transport.name, message.code)
                    for delivery in (state, park, aim):
                        delivery.dropped()
            if reader.rejected:
                log.debug("panel on %s: %d bad frames dropped", transport.name, reader.rejected)
                reader.rejected = 0
            if not self._stick.at_rest and now - self._stick_at > STICK_HOLD:
                self._release_stick(now)

            wanted = self._wanted
            fields = _indicator_fields(wanted) if wanted is not None else None
            if fields is not None and state.due(fields, now, self.ack_timeout):
                seq = self._next_seq()
                transport.write(encode(SetState(seq, *fields)))
                state.sent(seq, fields, now)
                last_tx = now
            if has_head:
                with self._cond:
                    wanted_park, wanted_aim = self._park, self._aim
                if wanted_park is not None and park.due(wanted_park, now, self.ack_timeout):
                    seq = self._next_seq()
                    transport.write(encode(Park(seq, wanted_park.pan, wanted_park.tilt)))
                    park.sent(seq, wanted_park, now)
                    last_tx = now
                # The park position goes first: until the board has it, it parks in the middle.
                if (
                    wanted_aim is not None
                    and park.pending is None
                    and aim.due(wanted_aim, now, self.ack_timeout)
                ):
                    seq = self._next_seq()
                    command = wanted_aim[1]
                    transport.write(
                        encode(Aim(seq, command.pan, command.tilt, command.pan_rate, command.tilt_rate))
                    )
                    aim.sent(seq, wanted_aim, now)
                    last_tx = now
            if now - last_tx >= self.heartbeat:
                transport.write(encode(Ping(self._next_seq())))
                last_tx = now
            if now - last_rx > self.silence_timeout:
                raise HardwareError(
                    f"{transport.name}: the panel stopped answering ({self.silence_timeout:g} s of silence)"
                )
