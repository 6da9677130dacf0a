"""The servo head on the host: poses to servo angles, commands to the panel link, and why it
cannot steer. The board here is the in-memory MockBoard, whose head turns at the rates it is
given as the firmware's does; test_servo_sim.py runs the same head against the real firmware."""

from __future__ import annotations

import time

import pytest

from installation.control.state import IndicatorState
from installation.errors import ConfigError
from installation.hardware import MockBoard, PanelLink
from installation.hardware.link import HeadReport, LinkStatus
from installation.hardware.protocol import Aim, Park
from installation.steer.head import HOME, Head, HeadLimits, Pose
from installation.steer.servo import PARK_RATE, ServoGeometry, ServoHead, drain_steering

WAIT = 3.0
GEOMETRY = ServoGeometry(pan_degrees=(30, 150), tilt_degrees=(60, 120), top_speed=90)


def mock_link(links: list[PanelLink], *, protocol: int = 2, head: bool = True) -> tuple[PanelLink, MockBoard]:
    link = PanelLink("mock")
    links.append(link)
    board = link.mock
    assert board is not None
    board.protocol = protocol
    if not head or protocol < 2:
        board.head = None
    return link, board


def aims(board: MockBoard) -> list[Aim]:
    return [m for m in board.received if isinstance(m, Aim)]


def settled(link: PanelLink, pan: float, tilt: float) -> bool:
    """Waits until the board reports its servos stopped at these angles."""
    return link.wait_until(
        lambda lk: lk.head is not None and not lk.head.moving and (lk.head.pan, lk.head.tilt) == (pan, tilt),
        WAIT,
    )


# -- geometry ---------------------------------------------------------------------------
def test_poses_map_onto_the_servo_range_and_back() -> None:
    assert GEOMETRY.angles(HOME) == (90.0, 90.0)
    assert GEOMETRY.angles(Pose(pan=-1, tilt=1)) == (30.0, 120.0)
    assert GEOMETRY.angles(Pose(pan=0.5, tilt=-0.5)) == (120.0, 75.0)
    assert GEOMETRY.pose(120.0, 75.0) == Pose(pan=0.5, tilt=-0.5)
    assert GEOMETRY.angles(Pose(pan=7)) == (150.0, 90.0)  # never beyond the range


def test_a_servo_turning_the_other_way_and_an_offset_home() -> None:
    geometry = ServoGeometry(pan_degrees=(160, 40), tilt_degrees=(60, 120), home_degrees=(130, 90))
    assert geometry.angles(Pose(pan=-1)) == (160.0, 90.0)  # left is the larger angle
    assert geometry.angles(Pose(pan=0.5)) == (85.0, 90.0)  # halfway from home (130) to 40
    assert geometry.angles(Pose(pan=-0.5)) == (145.0, 90.0)  # halfway from home to 160
    for pan in (-1.0, -0.3, 0.0, 0.4, 1.0):
        assert geometry.pose(*geometry.angles(Pose(pan=pan))).pan == pytest.approx(pan)


def test_a_pose_points_so_many_degrees_right_and_up_whichever_way_the_servos_turn() -> None:
    assert GEOMETRY.degrees(Pose(pan=0.5, tilt=-1)) == (30.0, -30.0)
    turned = ServoGeometry(pan_degrees=(160, 40), tilt_degrees=(120, 60), home_degrees=(130, 90))
    assert turned.degrees(Pose(pan=1.0, tilt=1.0)) == (90.0, 30.0)  # right and up: smaller angles
    assert turned.degrees(Pose(pan=-1.0)) == (-30.0, 0.0)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"pan_degrees": (0, 200)}, "pan angles .* within 0 to 180 degrees"),
        ({"tilt_degrees": (60, 120), "home_degrees": (90, 60)}, "tilt home 60 must lie strictly between"),
        ({"top_speed": 0}, "top speed 0 must be above 0"),
        ({"top_speed": 400}, "at most 180 degrees per second"),
    ],
)
def test_a_geometry_that_cannot_work_is_refused(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ServoGeometry(**settings)  # type: ignore[arg-type]


# -- commands ---------------------------------------------------------------------------
def test_it_is_a_head(links: list[PanelLink]) -> None:
    link, _ = mock_link(links)
    assert isinstance(ServoHead(link), Head)


def test_the_park_position_reaches_the_board_on_connect(links: list[PanelLink]) -> None:
    link, board = mock_link(links)
    ServoHead(link, ServoGeometry(pan_degrees=(30, 150), tilt_degrees=(60, 120), park=Pose(pan=-1, tilt=-1)))
    link.start()
    assert link.wait_connected(WAIT)
    assert board.wait_for(lambda b: any(isinstance(m, Park) for m in b.received), WAIT)
    park = next(m for m in board.received if isinstance(m, Park))
    assert (park.pan, park.tilt) == (300, 600)
    assert settled(link, 30.0, 60.0)  # the pulses start where it parked


def test_go_to_stays_within_the_limits_and_both_servos_arrive_together(links: list[PanelLink]) -> None:
    link, board = mock_link(links)
    head = ServoHead(link, GEOMETRY, HeadLimits(pan=(-0.5, 0.5), tilt=(-1.0, 1.0)))
    link.start()
    assert link.wait_connected(WAIT) and head.steerable and head.status == ""
    assert settled(link, 90.0, 90.0)
    head.go_to(Pose(pan=1.0, tilt=-0.5, zoom=3.0), speed=0.5)
    assert settled(link, 120.0, 75.0)  # pan 0.5 is the limit: 120 degrees, not 150
    aim = aims(board)[-1]
    assert (aim.pan, aim.tilt) == (1200, 750)
    # Pan has twice as far to go (30 against 15 degrees): twice the rate, half the top speed.
    assert (aim.pan_rate, aim.tilt_rate) == (45, 22)
    assert head.pose == Pose(pan=0.5, tilt=-0.5, zoom=1.0)  # no optical zoom


def test_move_runs_towards_the_limit_at_the_speed_asked_and_stop_holds(links: list[PanelLink]) -> None:
    link, board = mock_link(links)
    head = ServoHead(link, GEOMETRY)
    link.start()
    assert link.wait_connected(WAIT) and settled(link, 90.0, 90.0)
    head.move(-0.5, 0.0)
    head.move(-0.5, 0.0)  # the room repeats the stick's speeds frame after frame: sent once
    assert board.wait_for(lambda b: len(aims(b)) == 1, WAIT)
    aim = aims(board)[0]
    assert (aim.pan, aim.pan_rate, aim.tilt_rate) == (300, 45, 0)  # left end, half of 90 deg/s
    time.sleep(0.4)
    head.stop()
    assert board.wait_for(lambda b: len(aims(b)) == 2, WAIT)
    assert (aims(board)[1].pan_rate, aims(board)[1].tilt_rate) == (0, 0)
    assert link.wait_until(lambda lk: lk.head is not None and not lk.head.moving, WAIT)
    stopped = head.pose.pan
    assert -0.5 < stopped < -0.1  # about 0.4 s at 45 deg/s, over 60 degrees from home to the end
    time.sleep(0.3)
    assert head.pose.pan == stopped
    time.sleep(0.3)
    assert len(aims(board)) == 2


def test_the_same_move_goes_out_again_after_a_board_restart(links: list[PanelLink]) -> None:
    link, board = mock_link(links)
    head = ServoHead(link, GEOMETRY)
    link.start()
    assert link.wait_connected(WAIT) and settled(link, 90.0, 90.0)
    head.move(0.5, 0.0)
    assert board.wait_for(lambda b: len(aims(b)) == 1, WAIT)
    board.unplug()  # the board goes away and comes back: its servos start again at park
    assert link.wait_until(lambda lk: not lk.status.connected, WAIT)
    board.plug()
    assert link.wait_until(lambda lk: lk.connections == 2 and head.steerable, WAIT)
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline and len(aims(board)) < 2:
        head.move(0.5, 0.0)  # the stick still held, as the room repeats it every frame
        time.sleep(0.02)
    assert len(aims(board)) == 2 and aims(board)[1].pan == 1500


def test_the_pose_follows_the_turn_between_reports(links: list[PanelLink]) -> None:
    link, _ = mock_link(links)
    head = ServoHead(link, GEOMETRY)
    link.start()
    assert link.wait_connected(WAIT) and settled(link, 90.0, 90.0)
    head.go_to(Pose(pan=1.0), speed=1 / 3)  # 60 degrees at 30 deg/s: two seconds
    seen = []
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        seen.append(head.pose.pan)
        time.sleep(0.02)
    assert seen == sorted(seen) and 0.1 < seen[-1] < 0.7
    # Estimated between the board's reports (0.1 s apart), not only when one arrives.
    assert len(set(seen)) > 20
    assert settled(link, 150.0, 90.0)
    assert head.pose.pan == 1.0


def test_the_pose_at_a_moment_follows_the_turn_and_changes_nothing(links: list[PanelLink]) -> None:
    link, _ = mock_link(links)
    head = ServoHead(link, GEOMETRY)
    link.start()
    assert link.wait_connected(WAIT) and settled(link, 90.0, 90.0)
    head.go_to(Pose(pan=1.0), speed=1 / 3)  # 60 degrees at 30 deg/s: two seconds
    assert link.wait_until(lambda lk: lk.head is not None and lk.head.moving, WAIT)
    now = time.monotonic()
    soon, later = head.pose_at(now + 0.2), head.pose_at(now + 0.6)
    # A camera's worker asks for the moment its frame was taken: 0.4 s apart is 12 degrees.
    assert (later.pan - soon.pan) * 60 == pytest.approx(12.0, abs=0.5)
    assert head.pose_at(now + 10.0).pan == 1.0  # it stops at its target
    assert head.pose.pan < later.pan  # asking changed nothing


class ReportingLink:
    """A link whose board reports only when the test says: what the head knows between reports."""

    def __init__(self) -> None:
        self.status = LinkStatus(True, "connected", protocol=2, head=True)
        self.head: HeadReport | None = None
        self.sent: list[tuple[float, float, float, float]] = []

    def aim(self, pan: float, tilt: float, pan_rate: float, tilt_rate: float) -> int:
        self.sent.append((pan, tilt, pan_rate, tilt_rate))
        return len(self.sent)

    def park_at(self, pan: float, tilt: float) -> None:
        pass


def test_a_turn_counts_from_the_moment_it_is_sent_not_from_the_board_s_next_report() -> None:
    link = ReportingLink()
    head = ServoHead(link, GEOMETRY)  # type: ignore[arg-type]
    start = time.monotonic()
    link.head = HeadReport(90.0, 90.0, moving=False, acknowledged=0, at=start)
    head.go_to(Pose(pan=1.0), speed=1 / 3)  # 60 degrees at 30 degrees a second
    sent = time.monotonic()
    # No report has acknowledged it yet, but the board turns as soon as the aim arrives: a camera
    # frame taken 0.2 s later shows the view 6 degrees (a tenth of the way) further on.
    assert head.pose_at(sent + 0.2).pan == pytest.approx(0.1, abs=0.01)
    # Turning right, acknowledged a tenth of a second ago; then sent back left: right until the
    # new aim went out, left after it.
    report = HeadReport(96.0, 90.0, moving=True, acknowledged=1, at=time.monotonic() - 0.1)
    link.head = report
    assert head.pose_at(report.at + 0.1).pan == pytest.approx(0.15, abs=0.01)
    head.go_to(Pose(pan=-1.0), speed=1 / 3)
    back = time.monotonic()
    expected = (96.0 + 30.0 * (back - report.at) - 30.0 * 0.2 - 90.0) / 60.0
    assert head.pose_at(back + 0.2).pan == pytest.approx(expected, abs=0.01)
    head.stop()  # a stop holds it where it was when the stop went out
    held = head.pose_at(time.monotonic())
    assert head.pose_at(time.monotonic() + 1.0).pan == pytest.approx(held.pan, abs=0.01)


def test_home_and_close(links: list[PanelLink]) -> None:
    link, board = mock_link(links)
    head = ServoHead(link, ServoGeometry(pan_degrees=(30, 150), tilt_degrees=(60, 120), park=Pose(tilt=-1)))
    link.start()
    assert link.wait_connected(WAIT) and settled(link, 90.0, 60.0)
    head.go_to(Pose(pan=0.5, tilt=0.5))
    assert settled(link, 120.0, 105.0)
    head.home()
    assert settled(link, 90.0, 90.0)
    sent = len(aims(board))
    head.close()
    assert board.wait_for(lambda b: len(aims(b)) == sent + 1, WAIT)
    aim = aims(board)[-1]
    assert (aim.pan, aim.tilt, aim.pan_rate, aim.tilt_rate) == (900, 600, PARK_RATE, PARK_RATE)
    assert not head.steerable and head.status == "servo head: closed"
    head.go_to(Pose(pan=1))
    head.move(1, 1)
    time.sleep(0.2)
    assert aims(board)[-1] == aim
    assert link.status.connected  # the lights still need the link


# -- when it cannot steer -----------------------------------------------------------------
def test_an_old_board_drives_its_lights_but_does_not_steer(links: list[PanelLink]) -> None:
    link, board = mock_link(links, protocol=1)
    head = ServoHead(link, GEOMETRY)
    link.start()
    link.show(IndicatorState(exposed=True, faces=2))
    assert link.wait_connected(WAIT)
    assert board.wait_for(lambda b: b.shown is not None and b.shown.faces == 2, WAIT)
    assert not head.steerable
    assert head.status.startswith("servo head: the panel's firmware mock (protocol 1) is too old to steer")
    assert "make -C hardware upload" in head.status
    head.go_to(Pose(pan=1))
    head.move(1, 0)
    time.sleep(0.3)
    assert not any(isinstance(m, (Aim, Park)) for m in board.received)
    assert head.pose == GEOMETRY.park


def test_a_board_without_a_head_says_it_is_an_uno(links: list[PanelLink]) -> None:
    link, board = mock_link(links, head=False)
    head = ServoHead(link, GEOMETRY)
    link.start()
    assert link.wait_connected(WAIT)
    assert not head.steerable and "no camera head" in head.status and "Arduino Mega" in head.status
    head.go_to(Pose(pan=1))
    time.sleep(0.2)
    assert aims(board) == []


def test_steering_stops_while_the_board_is_away_and_returns_with_it(links: list[PanelLink]) -> None:
    link, board = mock_link(links)
    head = ServoHead(link, GEOMETRY)
    assert not head.steerable and head.status == "servo head: no panel (panel: off)"
    link.start()
    assert link.wait_connected(WAIT) and head.steerable
    board.unplug()
    assert link.wait_until(lambda lk: not lk.status.connected, WAIT)
    assert not head.steerable and head.status.startswith("servo head: no panel (panel: ")
    head.go_to(Pose(pan=1))  # ignored: never sent later
    board.plug()
    assert link.wait_until(lambda lk: lk.connections == 2 and lk.status.connected, WAIT)
    assert head.steerable
    time.sleep(0.2)
    assert aims(board) == []


# -- the panel's joystick -------------------------------------------------------------------
def test_the_joystick_steers_the_head_through_drain_steering(links: list[PanelLink]) -> None:
    link, board = mock_link(links)
    head = ServoHead(link, GEOMETRY)
    link.start()
    assert link.wait_connected(WAIT) and settled(link, 90.0, 90.0)
    board.push_stick(1.0, -0.5)
    assert link.wait_steering(1, WAIT)
    drain_steering(link.steering, head)
    assert board.wait_for(lambda b: len(aims(b)) == 1, WAIT)
    aim = aims(board)[-1]
    assert (aim.pan, aim.tilt, aim.pan_rate, aim.tilt_rate) == (1500, 600, 90, 45)
    board.push_stick(0.0, 0.0)
    board.press_home()
    assert link.wait_steering(3, WAIT)
    drain_steering(link.steering, head)  # a stop, then home: only the newest command is sent
    assert board.wait_for(lambda b: (aims(b)[-1].pan, aims(b)[-1].tilt) == (900, 900), WAIT)
    assert settled(link, 90.0, 90.0)
