"""The host end of the panel link against a small fake board on a pseudo-terminal.

The fake board sits on the master side of a pty; the link opens the slave side
through a symlink, as it would open /dev/serial/by-id/... for a real Uno, so
"unplugging" is closing the pty and "replugging" is pointing the link at a new one.
"""

from __future__ import annotations

import argparse
import os
import queue
import select
import threading
import time
import tty
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import serial

from installation.commands.panel import register
from installation.control.state import ControlState, IndicatorState, PanelEvent, drain_panel_events
from installation.errors import ConfigError, HardwareError
from installation.hardware import (
    IncompatiblePanel,
    PanelLink,
    SteerInput,
    backoff_delays,
    probe,
    serialport,
)
from installation.hardware.protocol import (
    PROTOCOL_VERSION,
    Ack,
    Aim,
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
    frame,
)


class FakeBoard:
    """Answers like the firmware: ready on hello, acks, and events when told to.

    With ``head`` its camera head takes every command at once and reports the target as reached.
    """

    def __init__(
        self,
        protocol: int = PROTOCOL_VERSION,
        firmware: str = "9.9.9",
        knob: int | None = None,
        head: bool = False,
    ) -> None:
        self.protocol = protocol
        self.firmware = firmware
        self.knob = knob
        self.head = head
        self.answering = True
        self.received: list[Message] = []
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)  # no echo before the host opens and configures it
        self.path = os.ttyname(self.slave)
        self._cond = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        reader = FrameReader()
        while not self._closed:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.05)
                if not ready:
                    continue
                data = os.read(self.master, 1024)
            except OSError:
                return
            for message in reader.feed(data):
                with self._cond:
                    self.received.append(message)
                    self._cond.notify_all()
                if not self.answering:
                    continue
                if isinstance(message, Hello):
                    self.send(Ready(self.protocol, self.firmware, 4, 6, self.knob, self.head))
                elif isinstance(message, SetState):
                    self.send(Ack(message.seq, True))
                elif isinstance(message, Ping):
                    self.send(Ack(message.seq, True))
                elif isinstance(message, (Aim, Park)) and self.head:
                    self.send(Ack(message.seq, True))
                    self.send(HeadPosition(message.pan, message.tilt, False))

    def send(self, message: Message) -> None:
        self.send_raw(encode(message))

    def send_raw(self, data: bytes) -> None:
        try:
            os.write(self.master, data)
        except OSError:
            pass

    def of_type(self, kind: type) -> list[Message]:
        with self._cond:
            return [m for m in self.received if isinstance(m, kind)]

    def wait_for(self, predicate: object, timeout: float = 3.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self):  # type: ignore[operator]
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
            return True

    def unplug(self) -> None:
        self._closed = True
        self._thread.join()
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def boards() -> Iterator[list[FakeBoard]]:
    made: list[FakeBoard] = []
    yield made
    for board in made:
        if not board._closed:
            board.unplug()


@pytest.fixture
def board(boards: list[FakeBoard]) -> FakeBoard:
    boards.append(FakeBoard())
    return boards[0]


@pytest.fixture
def port(tmp_path: Path, board: FakeBoard) -> Path:
    link = tmp_path / "ttyPANEL"
    link.symlink_to(board.path)
    return link


def start(links: list[PanelLink], port: object, **options: object) -> PanelLink:
    link = PanelLink(str(port), **options)  # type: ignore[arg-type]
    links.append(link)
    return link.start()


def last_state(board: FakeBoard) -> SetState | None:
    states = board.of_type(SetState)
    return states[-1] if states else None  # type: ignore[return-value]


def test_handshake_then_the_state_reaches_the_board(
    board: FakeBoard, port: Path, links: list[PanelLink]
) -> None:
    link = start(links, port)
    link.show(IndicatorState(exposed=True, live=False, tally=2, faces=5, cameras=3))
    assert link.wait_connected(3.0)
    assert link.status.firmware == "9.9.9"
    assert link.status.text == f"panel: connected on {port}, firmware 9.9.9"
    assert board.wait_for(lambda b: last_state(b) is not None)
    assert board.of_type(Hello)
    state = last_state(board)
    assert state is not None
    assert (state.exposed, state.live, state.tally, state.faces, state.cameras) == (True, False, 2, 5, 3)


def test_an_incompatible_protocol_is_refused_with_a_clear_message(
    boards: list[FakeBoard], tmp_path: Path, links: list[PanelLink]
) -> None:
    boards.append(FakeBoard(protocol=3, firmware="3.0.0"))
    with pytest.raises(HardwareError, match="speaks protocol version 3, this installation speaks version 2"):
        probe(boards[0].path, timeout=3.0)

    link = start(links, boards[0].path)
    link.show(IndicatorState(exposed=True))
    assert link.wait_until(lambda lk: lk.status.state == "error", 3.0)
    assert isinstance(link.error, IncompatiblePanel)
    assert "flash hardware/firmware/monitoring_panel" in link.status.text
    assert not link.status.connected
    assert boards[0].of_type(SetState) == []


def test_only_changes_and_heartbeats_are_sent(board: FakeBoard, port: Path, links: list[PanelLink]) -> None:
    link = start(links, port, heartbeat=0.2, ack_timeout=2.0)
    state = IndicatorState(exposed=False, faces=1)
    link.show(state)
    assert link.wait_connected(3.0)
    assert board.wait_for(lambda b: len(b.of_type(SetState)) == 1)
    for _ in range(100):  # a render loop showing the same state frame after frame
        link.show(state.with_(extra={"fps": 30}))
        time.sleep(0.005)
    assert board.wait_for(lambda b: len(b.of_type(Ping)) >= 2)
    assert len(board.of_type(SetState)) == 1

    link.show(state.with_(faces=2))
    assert board.wait_for(lambda b: len(b.of_type(SetState)) == 2)
    latest = last_state(board)
    assert latest is not None and latest.faces == 2


def test_presses_and_knob_turns_reach_the_controls(
    board: FakeBoard, port: Path, links: list[PanelLink]
) -> None:
    events: queue.SimpleQueue[PanelEvent] = queue.SimpleQueue()
    link = start(links, port, events=events)
    assert link.wait_connected(3.0)
    board.send(Event("effect"))
    board.send(Event("camera"))
    board.send(Event("knob", 256))
    assert link.wait_events(3, 3.0)

    controls = ControlState(cameras=2, strength=0.9)
    assert drain_panel_events(events, controls) == 3
    assert controls.effect.value == "pixelate"
    assert controls.selected == 1
    assert controls.strength == pytest.approx(256 / 1023)


def test_the_knob_position_is_adopted_on_connect(boards: list[FakeBoard], links: list[PanelLink]) -> None:
    boards.append(FakeBoard(knob=1023))
    events: queue.SimpleQueue[PanelEvent] = queue.SimpleQueue()
    link = start(links, boards[0].path, events=events)
    assert link.wait_events(1, 3.0)
    assert events.get_nowait() == PanelEvent("strength", 1.0)


def test_garbage_and_corrupted_frames_from_the_board_are_ignored(
    board: FakeBoard, port: Path, links: list[PanelLink]
) -> None:
    events: queue.SimpleQueue[PanelEvent] = queue.SimpleQueue()
    link = start(links, port, events=events)
    assert link.wait_connected(3.0)
    corrupted = bytearray(encode(Event("camera")))
    corrupted[5] ^= 0x01
    board.send_raw(bytes(range(256)) + b"$EV,effect\n" + bytes(corrupted) + b"$" + b"x" * 500 + b"\n")
    board.send(Event("effect"))
    assert link.wait_events(1, 3.0)
    assert events.get_nowait() == PanelEvent("effect")
    assert events.empty()
    assert link.status.connected


def test_unplug_and_replug_reconnects_and_resends_the_state(
    boards: list[FakeBoard], board: FakeBoard, port: Path, links: list[PanelLink]
) -> None:
    link = start(links, port)
    link.show(IndicatorState(exposed=True, tally=1, faces=4, cameras=2))
    assert link.wait_connected(3.0)
    assert board.wait_for(lambda b: last_state(b) is not None)

    board.unplug()
    assert link.wait_until(lambda lk: not lk.status.connected, 3.0)
    assert link.wait_until(lambda lk: lk.status.state == "searching", 3.0)
    assert "not present" in link.status.text

    replugged = FakeBoard()
    boards.append(replugged)
    port.unlink()
    port.symlink_to(replugged.path)
    assert link.wait_until(lambda lk: lk.connections == 2 and lk.status.connected, 3.0)
    # The render loop did not call show() again: the link remembers and resends.
    assert replugged.wait_for(lambda b: last_state(b) is not None)
    state = last_state(replugged)
    assert state is not None and (state.exposed, state.tally, state.faces) == (True, 1, 4)


def test_a_board_that_goes_silent_is_dropped_and_reconnected(
    board: FakeBoard, port: Path, links: list[PanelLink]
) -> None:
    link = start(links, port, heartbeat=0.1, silence_timeout=0.5)
    assert link.wait_connected(3.0)
    board.answering = False
    assert link.wait_until(lambda lk: lk.status.state == "error", 3.0)
    assert "stopped answering" in link.status.text
    hellos = len(board.of_type(Hello))
    board.answering = True
    assert link.wait_until(lambda lk: lk.connections == 2 and lk.status.connected, 5.0)
    assert len(board.of_type(Hello)) > hellos


def test_a_board_restart_is_noticed_and_the_state_resent(
    board: FakeBoard, port: Path, links: list[PanelLink]
) -> None:
    link = start(links, port)
    link.show(IndicatorState(live=False, faces=3))
    assert link.wait_connected(3.0)
    assert board.wait_for(lambda b: len(b.of_type(SetState)) == 1)
    board.send(Ready(PROTOCOL_VERSION, "9.9.9", 4, 6))  # what the firmware says after a reset
    assert board.wait_for(lambda b: len(b.of_type(SetState)) == 2)
    assert link.status.connected


def test_a_dropped_frame_reported_by_the_board_is_resent(
    board: FakeBoard, port: Path, links: list[PanelLink]
) -> None:
    link = start(links, port, ack_timeout=5.0)
    assert link.wait_connected(3.0)
    board.answering = False
    link.show(IndicatorState(faces=2))
    assert board.wait_for(lambda b: len(b.of_type(SetState)) == 1)
    board.answering = True
    board.send_raw(frame("ERR,crc"))
    assert board.wait_for(lambda b: len(b.of_type(SetState)) == 2)


# -- the camera head and the joystick (protocol version 2) ------------------------------
def test_an_old_board_gets_its_lights_but_no_head_commands(
    boards: list[FakeBoard], links: list[PanelLink]
) -> None:
    boards.append(FakeBoard(protocol=1, firmware="0.1.0"))
    board = boards[0]
    assert probe(board.path, timeout=3.0).protocol == 1
    link = start(links, board.path)
    link.park_at(90, 90)
    link.show(IndicatorState(exposed=True, faces=3))
    assert link.wait_connected(3.0)
    link.aim(120, 80, 30, 30)
    assert board.wait_for(lambda b: last_state(b) is not None)
    state = last_state(board)
    assert state is not None and (state.exposed, state.faces) == (True, 3)
    assert link.status.protocol == 1 and not link.status.head
    assert link.status.text == f"panel: connected on {board.path}, firmware 0.1.0 (protocol 1: lights only)"
    assert board.wait_for(lambda b: len(b.of_type(Ping)) >= 1)
    assert board.of_type(Aim) == [] and board.of_type(Park) == []


def test_the_head_hears_its_park_position_before_the_newest_command(
    boards: list[FakeBoard], links: list[PanelLink]
) -> None:
    boards.append(FakeBoard(head=True))
    board = boards[0]
    link = start(links, board.path)
    link.park_at(80.0, 100.06)
    assert link.wait_connected(3.0) and link.status.head
    assert board.wait_for(lambda b: len(b.of_type(Park)) == 1)
    link.aim(10, 20, 30, 40)
    number = link.aim(120.04, 65.5, 45.4, 0)  # the newest command replaces the one before it
    assert link.wait_until(lambda lk: lk.head is not None and lk.head.acknowledged == number, 3.0)
    received = [m for m in board.received if isinstance(m, (Park, Aim))]
    park, last = received[0], received[-1]
    assert isinstance(park, Park) and (park.pan, park.tilt) == (800, 1001)
    assert isinstance(last, Aim) and (last.pan, last.tilt, last.pan_rate, last.tilt_rate) == (
        1200,
        655,
        45,
        0,
    )
    head = link.head
    assert head is not None and (head.pan, head.tilt, head.moving) == (120.0, 65.5, False)


def test_a_head_command_the_board_does_not_acknowledge_is_sent_again(
    boards: list[FakeBoard], links: list[PanelLink]
) -> None:
    boards.append(FakeBoard(head=True))
    board = boards[0]
    link = start(links, board.path, ack_timeout=0.2)
    link.park_at(90, 90)
    assert link.wait_connected(3.0)
    assert board.wait_for(lambda b: len(b.of_type(Park)) == 1)
    board.answering = False
    number = link.aim(100, 90, 20, 20)
    assert board.wait_for(lambda b: len(b.of_type(Aim)) == 1)
    board.answering = True
    assert link.wait_until(lambda lk: lk.head is not None and lk.head.acknowledged == number, 3.0)
    aims = [m for m in board.of_type(Aim) if isinstance(m, Aim)]
    assert len(aims) >= 2 and aims[0].seq != aims[-1].seq
    assert {(a.pan, a.tilt) for a in aims} == {(1000, 900)}


def test_a_command_given_while_no_board_was_connected_is_never_sent(
    boards: list[FakeBoard], links: list[PanelLink]
) -> None:
    boards.append(FakeBoard(head=True))
    board = boards[0]
    link = PanelLink(board.path)
    links.append(link)
    link.park_at(90, 90)
    link.aim(180, 180, 999, 999)  # stale by the time a board answers: it must not swing the camera
    link.start()
    assert link.wait_connected(3.0)
    assert board.wait_for(lambda b: len(b.of_type(Park)) == 1)
    assert board.wait_for(lambda b: len(b.of_type(Ping)) >= 1)
    assert board.of_type(Aim) == []


def test_a_command_is_not_lost_to_the_answer_to_a_second_hello(
    boards: list[FakeBoard], links: list[PanelLink]
) -> None:
    # A board answers every hello; an answer arriving after the handshake is not a restart, and
    # a command given meanwhile must still reach the head.
    boards.append(FakeBoard(head=True))
    board = boards[0]
    link = start(links, board.path)
    link.park_at(90, 90)
    assert link.wait_connected(3.0)
    assert board.wait_for(lambda b: len(b.of_type(Park)) == 1)
    board.send(Ready(PROTOCOL_VERSION, "9.9.9", 4, 6, None, True))
    number = link.aim(100, 80, 20, 20)
    assert link.wait_until(lambda lk: lk.head is not None and lk.head.acknowledged == number, 3.0)


def test_the_joystick_and_its_push_reach_the_steering_not_the_controls(
    boards: list[FakeBoard], links: list[PanelLink]
) -> None:
    boards.append(FakeBoard(head=True))
    board = boards[0]
    events: queue.SimpleQueue[PanelEvent] = queue.SimpleQueue()
    link = start(links, board.path, events=events)
    assert link.wait_connected(3.0)
    board.send(Stick(50, -100, 0))
    board.send(Event("home"))
    board.send(Stick(0, 0, 100))
    assert link.wait_steering(3, 3.0)
    assert [link.steering.get_nowait() for _ in range(3)] == [
        SteerInput("move", 0.5, -1.0, 0.0),
        SteerInput("home"),
        SteerInput("move", 0.0, 0.0, 1.0),
    ]
    assert link.stick == SteerInput("move", 0.0, 0.0, 1.0)
    assert events.empty()


def test_a_joystick_reading_that_is_not_repeated_runs_out(
    boards: list[FakeBoard], links: list[PanelLink]
) -> None:
    # The board repeats an off-centre reading every 0.2 s; a lost "back at rest" must not leave
    # the camera turning.
    boards.append(FakeBoard(head=True))
    board = boards[0]
    link = start(links, board.path)
    assert link.wait_connected(3.0)
    board.send(Stick(100, 0, 0))
    assert link.wait_steering(1, 3.0)
    pushed = time.monotonic()
    assert link.wait_steering(2, 3.0)
    assert time.monotonic() - pushed >= 0.5
    assert [link.steering.get_nowait() for _ in range(2)] == [SteerInput("move", 1.0), SteerInput("move")]
    assert link.stick.at_rest


def test_a_board_that_goes_away_leaves_the_joystick_at_rest(
    boards: list[FakeBoard], links: list[PanelLink]
) -> None:
    boards.append(FakeBoard(head=True))
    board = boards[0]
    link = start(links, board.path)
    assert link.wait_connected(3.0)
    board.send(Stick(0, 60, 0))
    assert link.wait_steering(1, 3.0)
    board.unplug()
    assert link.wait_steering(2, 3.0)
    assert link.stick.at_rest and link.head is None


def test_a_port_without_a_panel_gives_a_clear_error() -> None:
    # loop:// hands back what the host writes: a line with no board on it.
    with pytest.raises(HardwareError, match="no ready message from the panel within 0.3 s"):
        probe("loop://", timeout=0.3)


def test_backoff_doubles_and_is_capped_at_one_second() -> None:
    delays = backoff_delays()
    first = [next(delays) for _ in range(12)]
    assert first == sorted(first)
    assert max(first) == 1.0 and first[-1] == 1.0
    assert first[0] < 0.1


def test_reconnect_attempts_back_off_while_the_board_is_away(links: list[PanelLink]) -> None:
    link = start(links, "mock")
    board = link.mock
    assert board is not None and link.wait_connected(3.0)
    board.unplug()
    assert link.wait_until(lambda lk: lk.status.state == "searching", 3.0)
    before = board.open_attempts
    time.sleep(1.5)
    # Waits of 0.05, 0.1, 0.2, 0.4, 0.8, 1.0 s between attempts: a handful, not a busy loop.
    assert 2 <= board.open_attempts - before <= 8
    board.plug()
    assert link.wait_until(lambda lk: lk.connections == 2 and lk.status.connected, 3.0)


# -- choosing the port ------------------------------------------------------------
def fake_port(device: str, vid: int | None, serial_number: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(
        device=device,
        vid=vid,
        pid=0x0043 if vid else None,
        serial_number=serial_number,
        description=f"fake {device}",
    )


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every port the link opens, recorded before pyserial opens it."""
    targets: list[str] = []
    real = serial.serial_for_url

    def spy(url: str, *args: object, **kwargs: object) -> serial.SerialBase:
        targets.append(url)
        return real(url, *args, **kwargs)

    monkeypatch.setattr(serialport.serial, "serial_for_url", spy)
    return targets


def test_auto_opens_only_ports_with_an_arduino_vendor_id(
    board: FakeBoard, monkeypatch: pytest.MonkeyPatch, opened: list[str], links: list[PanelLink]
) -> None:
    modem = FakeBoard()
    try:
        ports = [fake_port(modem.path, 0x12D1), fake_port("/dev/ttyS0", None), fake_port(board.path, 0x2341)]
        monkeypatch.setattr(serialport.list_ports, "comports", lambda: ports)
        link = start(links, "auto")
        assert link.wait_connected(3.0)
        assert link.status.port == board.path
        assert opened == [board.path]
        assert modem.received == []
    finally:
        modem.unplug()


def test_auto_with_no_arduino_searches_without_opening_anything(
    monkeypatch: pytest.MonkeyPatch, opened: list[str], links: list[PanelLink]
) -> None:
    monkeypatch.setattr(serialport.list_ports, "comports", lambda: [fake_port("/dev/ttyS0", None)])
    link = start(links, "auto")
    assert link.wait_until(
        lambda lk: lk.status.state == "searching" and "no Arduino found" in lk.status.text, 3.0
    )
    assert opened == []


def test_a_usb_serial_number_picks_that_board(
    board: FakeBoard, monkeypatch: pytest.MonkeyPatch, opened: list[str], links: list[PanelLink]
) -> None:
    ports = [fake_port("/dev/ttyACM7", 0x2341, "OTHER"), fake_port(board.path, 0x2341, "95530343")]
    monkeypatch.setattr(serialport.list_ports, "comports", lambda: ports)
    link = start(links, "serial:95530343")
    assert link.wait_connected(3.0)
    assert opened == [board.path]


def test_none_disables_the_panel() -> None:
    link = PanelLink("none").start()
    link.show(IndicatorState())
    assert link.status.state == "disabled" and not link.status.connected
    link.stop()


@pytest.mark.parametrize("spec", ["serial:", "ftp://panel", "bogus+x://y"])
def test_a_port_string_that_can_never_work_is_a_config_error(spec: str) -> None:
    with pytest.raises(ConfigError, match="panel port"):
        PanelLink(spec)


def test_the_mock_board_records_what_would_be_sent(links: list[PanelLink]) -> None:
    events: queue.SimpleQueue[PanelEvent] = queue.SimpleQueue()
    link = start(links, "mock", events=events)
    board = link.mock
    assert board is not None
    link.show(IndicatorState(exposed=True, faces=2))
    assert board.wait_for(lambda b: b.shown is not None and b.shown.faces == 2)
    board.turn(0.5)
    assert link.wait_events(1, 3.0)
    assert events.get_nowait().kind == "strength"


# -- the `installation panel` command ------------------------------------------------
def panel_command(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="installation")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["panel", *argv])
    return int(args.func(args))


def test_the_panel_command_names_the_board_it_finds(capsys: pytest.CaptureFixture[str]) -> None:
    assert panel_command("--port", "mock") == 0
    assert capsys.readouterr().out.strip() == (
        "panel on mock: firmware mock, protocol 2, 4 tally LEDs, 6 face-bar LEDs, camera head"
    )


def test_the_panel_command_lists_ports_and_marks_what_auto_tries(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ports = [fake_port("/dev/ttyACM0", 0x2341, "95530343"), fake_port("/dev/ttyS0", None)]
    monkeypatch.setattr(serialport.list_ports, "comports", lambda: ports)
    assert panel_command("--list") == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "/dev/ttyACM0: fake /dev/ttyACM0 [2341:0043] serial 95530343  <- auto (Arduino)",
        "/dev/ttyS0: fake /dev/ttyS0",
    ]


def test_the_panel_command_test_mode_lights_each_indicator(capsys: pytest.CaptureFixture[str]) -> None:
    assert panel_command("--port", "mock", "--test", "--seconds", "0.8") == 0
    out = capsys.readouterr().out
    assert "light: exposure green" in out and "light: exposure red" in out
