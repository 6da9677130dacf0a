"""The network PTZ head, against a camera that speaks VISCA over IP on 127.0.0.1.

The camera (:mod:`installation.steer.viscasim`) is a real UDP peer: every
test sends real datagrams through the head's own socket and reads the
camera's position, so what is checked is what a camera would do.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from installation.errors import ConfigError
from installation.steer.head import HOME, Head, HeadLimits, Pose
from installation.steer.visca import (
    COMMAND,
    CONTROL,
    PAN_TILT_HOME,
    HeadSpecError,
    NoAnswer,
    ViscaClient,
    ViscaHead,
    ViscaUnits,
    open_head,
    pack,
    pan_tilt_absolute,
    parse_head,
    pose_between,
    unpack,
    zoom_direct,
)
from installation.steer.viscasim import MALFORMED, SimulatedCamera

UNITS = ViscaUnits()
#: Generous: the machine running the tests may be busy. Nothing here is a speed measure.
PATIENCE = 10.0
#: How long any command may take to return to the caller, whatever the camera does.
CALL_BOUND = 0.1


@pytest.fixture
def camera() -> Iterator[SimulatedCamera]:
    with SimulatedCamera() as cam:
        yield cam


@pytest.fixture
def make_head() -> Iterator[Callable[..., ViscaHead]]:
    heads: list[ViscaHead] = []

    def make(spec: str, **options: object) -> ViscaHead:
        settings: dict[str, object] = {
            "reply_timeout": 0.05,
            "tries": 2,
            "retry_seconds": 0.1,
            "poll_seconds": 0.02,
            "idle_poll_seconds": 0.05,
        }
        settings.update(options)
        head = ViscaHead(parse_head(spec), **settings)  # type: ignore[arg-type]
        heads.append(head)
        return head

    yield make
    for head in heads:
        head.close()


def until(condition: Callable[[], bool], timeout: float = PATIENCE) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def near(a: Pose, b: Pose, tolerance: float = 0.01) -> bool:
    return (
        abs(a.pan - b.pan) <= tolerance and abs(a.tilt - b.tilt) <= tolerance and abs(a.zoom - b.zoom) <= 0.02
    )


def settled(camera: SimulatedCamera) -> Callable[[], bool]:
    return lambda: not camera.moving


def timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


# -- the head string -------------------------------------------------------------------------------


def test_a_head_string_names_one_address_and_port() -> None:
    assert parse_head("visca://192.168.0.100").port == 52381
    assert parse_head("VISCA://192.168.0.100:1259").port == 1259
    six = parse_head("visca://[fd00::5]")
    assert str(six.ip) == "fd00::5" and six.port == 52381
    assert str(parse_head(" visca://10.0.0.5:52381 ")) == "visca://10.0.0.5"


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("visca:/10.0.0.5", "expected visca://ADDRESS[:PORT]"),
        ("onvif://10.0.0.5", "not a network camera head"),
        ("visca://", "no address"),
        ("visca://:52381", "no address"),
        ("visca://camera.local", "'camera.local' is not an IP address"),
        ("visca://10.0.0.5:0", "the port must be a number from 1 to 65535, not '0'"),
        ("visca://10.0.0.5:65536", "from 1 to 65535"),
        ("visca://10.0.0.5:port", "from 1 to 65535, not 'port'"),
        ("visca://10.0.0.5:", "from 1 to 65535, not ''"),
        ("visca://10.0.0.5/ptz", "unexpected '/ptz' after the address"),
        ("visca://10.0.0.5?speed=3", "unexpected '?speed=3'"),
        ("visca://fd00::5", "an IPv6 address goes in brackets"),
        ("visca://[fd00::5", "'[' without ']'"),
        ("visca://[fd00::5]x", "unexpected 'x' after the address"),
        ("visca://0.0.0.0", "not one camera's address"),
        ("visca://255.255.255.255", "not one camera's address"),
        ("visca://239.1.2.3", "not one camera's address"),
        ("visca://10.0.\n0.5", "control character"),
        ("visca://10.0.0.5\x00:1", "control character"),
    ],
)
def test_a_wrong_head_string_is_refused_in_one_line_naming_what_is_wrong(spec: str, says: str) -> None:
    with pytest.raises(HeadSpecError) as caught:
        open_head(spec)
    message = str(caught.value)
    assert says in message
    assert "\n" not in message and "\x00" not in message
    assert isinstance(caught.value, ConfigError)  # the config reports it as any other bad value


def test_a_password_in_a_head_string_is_refused_without_being_shown() -> None:
    with pytest.raises(HeadSpecError) as caught:
        parse_head("visca://admin:hunter2@10.0.0.5")
    assert "hunter2" not in str(caught.value)
    assert str(caught.value).startswith("visca://admin:***@10.0.0.5: VISCA over IP has no user or password")


# -- the datagrams and the camera's units ----------------------------------------------------------


def test_datagrams_carry_type_length_and_sequence_number() -> None:
    datagram = pack(COMMAND, 2**32 + 5, PAN_TILT_HOME)
    assert datagram[:8] == bytes.fromhex("01 00 00 05 00 00 00 05")
    assert unpack(datagram) == (COMMAND, 5, PAN_TILT_HOME)
    assert pan_tilt_absolute(24, 23, -1, 0x7FF).hex(" ") == "81 01 06 02 18 17 0f 0f 0f 0f 00 07 0f 0f ff"
    assert zoom_direct(0x4000).hex(" ") == "81 01 04 47 04 00 00 00 ff"
    with pytest.raises(ValueError, match="1 to 16 bytes"):
        pack(COMMAND, 1, bytes(17))


def test_malformed_datagrams_are_not_read() -> None:
    reply = bytes.fromhex("01 11 00 03 00 00 00 09 90 41 ff")
    assert unpack(reply) is not None
    for bad in (reply[:8], reply[:2] + b"\x00\x09" + reply[4:], b"\x07\x07" + reply[2:], reply + b"\x00"):
        assert unpack(bad) is None, bad.hex(" ")
    assert sum(unpack(make(9)) is None for make in MALFORMED) >= 4  # the simulated camera's junk too


def test_positions_map_to_the_camera_units_and_back() -> None:
    for pose in (HOME, Pose(-1, -1, 1), Pose(1, 1, UNITS.zoom_max), Pose(0.37, -0.61, 2.5)):
        assert near(UNITS.to_pose(*UNITS.to_camera(pose)), pose, 0.001)
    assert UNITS.to_camera(Pose(1, -1, UNITS.zoom_max)) == (2267, -400, 0x4000)
    assert UNITS.to_camera(Pose(5, 0, 100)) == (2267, 0, 0x4000)  # beyond the ends: the ends


def test_a_pose_points_so_many_degrees_from_the_camera_s_home() -> None:
    assert UNITS.degrees(Pose(pan=1, tilt=-1)) == (170.0, -30.0)
    assert UNITS.degrees(Pose(pan=-0.5, tilt=0.5)) == (-85.0, 45.0)
    wide = ViscaUnits(pan=(-2448, 2448), pan_degrees=(-175, 175), tilt_degrees=(-90, 90))
    assert wide.degrees(Pose(pan=0.2, tilt=-0.5)) == pytest.approx((35.0, -45.0))


def test_between_two_position_readings_the_pose_is_on_the_line_joining_them() -> None:
    readings = ((10.0, Pose(pan=0.0, zoom=2.0)), (10.1, Pose(pan=0.2, zoom=4.0)))
    middle = pose_between(readings, 10.05, interval=0.1)
    assert middle.pan == pytest.approx(0.1) and middle.zoom == pytest.approx(2.0**1.5)
    # Carried on at the same speed for one interval after the newer reading, then held.
    assert pose_between(readings, 10.15, interval=0.1).pan == pytest.approx(0.3)
    assert pose_between(readings, 12.0, interval=0.1).pan == pytest.approx(0.4)
    # Readings a second apart (a camera at rest is read once a second) say where it was, no more.
    apart = ((9.0, Pose(pan=0.0)), (10.0, Pose(pan=0.2)))
    assert pose_between(apart, 9.5, interval=0.1).pan == 0.0
    assert pose_between(apart, 10.5, interval=0.1).pan == 0.2


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"pan": (100, 2000)}, "pan range 100..2000"),
        ({"tilt": (-400, 40000)}, "tilt range"),
        ({"zoom": 0}, "zoom position 0"),
        ({"zoom_max": 1.0}, "zoom_max 1.0"),
        ({"pan_speed": 30}, "pan speed 30: expected 1 to 24"),
    ],
)
def test_impossible_camera_units_are_refused(options: dict[str, object], says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        ViscaUnits(**options)  # type: ignore[arg-type]


# -- steering --------------------------------------------------------------------------------------


def test_the_head_keeps_the_head_interface(camera: SimulatedCamera) -> None:
    head = open_head(camera.spec)
    try:
        assert isinstance(head, Head) and head.kind == "visca"
    finally:
        head.close()


def test_go_to_reaches_the_position_and_pose_reports_it(
    camera: SimulatedCamera, make_head: Callable[..., ViscaHead]
) -> None:
    head = make_head(camera.spec)
    assert until(lambda: head.steerable) and head.status == ""
    target = Pose(pan=0.5, tilt=-0.25, zoom=3.0)
    head.go_to(target, speed=0.5)
    assert until(lambda: camera.position == UNITS.to_camera(target)), camera.position
    assert until(lambda: near(head.pose, target)), head.pose
    assert head.tick(time.monotonic()) == head.pose


def test_go_to_stays_within_the_technicians_limits(
    camera: SimulatedCamera, make_head: Callable[..., ViscaHead]
) -> None:
    limits = HeadLimits(pan=(-0.4, 0.3), tilt=(-0.2, 0.2), zoom=(1.0, 2.0))
    head = make_head(camera.spec, limits=limits)
    assert until(lambda: head.steerable)
    head.go_to(Pose(pan=1, tilt=-1, zoom=10))
    assert until(lambda: camera.position == UNITS.to_camera(Pose(0.3, -0.2, 2.0))), camera.position
    assert until(lambda: near(head.pose, Pose(0.3, -0.2, 2.0))), head.pose


def test_move_drives_at_the_speed_until_stop(
    camera: SimulatedCamera, make_head: Callable[..., ViscaHead]
) -> None:
    head = make_head(camera.spec)
    assert until(lambda: head.steerable)
    head.move(0.5, 0.0)
    assert until(lambda: camera.position[0] > 300)
    assert camera.position[1] == 0  # the other axis stays
    head.stop()
    assert until(settled(camera))
    stopped = camera.position
    assert 300 < stopped[0] < 2267
    time.sleep(0.2)
    assert camera.position == stopped
    assert until(lambda: near(head.pose, UNITS.to_pose(*stopped)))


def test_a_faster_move_turns_the_camera_faster(
    camera: SimulatedCamera, make_head: Callable[..., ViscaHead]
) -> None:
    head = make_head(camera.spec)
    assert until(lambda: head.steerable)

    def seconds_to_turn(speed: float) -> float:
        camera.place(0, 0)
        head.move(speed, 0)
        start = time.monotonic()
        assert until(lambda: camera.position[0] >= 1500)
        taken = time.monotonic() - start
        head.stop()
        assert until(settled(camera))
        return taken

    assert seconds_to_turn(0.25) > 2 * seconds_to_turn(1.0)


def test_move_stops_by_itself_at_the_limit(
    camera: SimulatedCamera, make_head: Callable[..., ViscaHead]
) -> None:
    head = make_head(camera.spec, limits=HeadLimits(pan=(-0.5, 0.5), tilt=(-0.5, 0.5), zoom=(1.0, 4.0)))
    assert until(lambda: head.steerable)
    head.move(-1.0, 1.0)  # and no stop: the camera must not pass the limits
    edge = UNITS.to_camera(Pose(-0.5, 0.5))
    assert until(lambda: camera.position == edge), camera.position
    time.sleep(0.2)
    assert camera.position == edge and not camera.moving
    head.move(0, 0, 1.0)  # zoom in: brought back to 4x, however late the position is read
    at_limit = UNITS.to_camera(Pose(zoom=4.0))[2]
    assert until(lambda: camera.position[2] == at_limit and not camera.moving), camera.position
    time.sleep(0.2)
    assert camera.position[2] == at_limit
    assert until(lambda: near(head.pose, Pose(-0.5, 0.5, 4.0))), head.pose


def test_home_goes_home(camera: SimulatedCamera, make_head: Callable[..., ViscaHead]) -> None:
    head = make_head(camera.spec)
    assert until(lambda: head.steerable)
    head.go_to(Pose(0.7, 0.7, 3.0))
    assert until(lambda: camera.position == UNITS.to_camera(Pose(0.7, 0.7, 3.0)))
    head.home()
    assert until(lambda: camera.position == (0, 0, 0))
    assert until(lambda: near(head.pose, HOME))
    assert any(payload == PAN_TILT_HOME for _, _, payload in camera.received)


def test_home_outside_the_limits_is_the_nearest_allowed_pose(
    camera: SimulatedCamera, make_head: Callable[..., ViscaHead]
) -> None:
    head = make_head(camera.spec, limits=HeadLimits(pan=(0.2, 0.6), tilt=(-1, 1), zoom=(1.5, 3)))
    assert until(lambda: head.steerable)
    head.home()
    assert until(lambda: near(head.pose, Pose(0.2, 0.0, 1.5))), head.pose


def test_the_position_the_camera_reports_is_the_pose(
    camera: SimulatedCamera, make_head: Callable[..., ViscaHead]
) -> None:
    head = make_head(camera.spec)
    assert until(lambda: head.steerable)
    camera.place(-1134, 600, 0x2000)  # turned by hand, or by the camera's own remote
    assert until(lambda: near(head.pose, Pose(-0.5, 0.5, UNITS.zoom_max**0.5), 0.001)), head.pose


def test_the_pose_at_a_moment_follows_the_camera_between_readings(
    camera: SimulatedCamera, make_head: Callable[..., ViscaHead]
) -> None:
    head = make_head(camera.spec)
    assert until(lambda: head.steerable)
    head.go_to(Pose(pan=1.0), speed=0.5)
    assert until(lambda: head.pose.pan > 0.1), head.pose
    now = time.monotonic()
    # While it turns, the pose follows it: a moment ago it was further back than it is now.
    assert head.pose_at(now - 0.5).pan < head.pose_at(now).pan <= head.pose_at(now + 0.05).pan
    assert until(lambda: near(head.pose, Pose(1.0, 0.0, 1.0)))
    time.sleep(0.3)  # read twice at rest
    assert head.pose_at(time.monotonic()).pan == pytest.approx(1.0)


def test_repeated_commands_are_sent_once(
    camera: SimulatedCamera, make_head: Callable[..., ViscaHead]
) -> None:
    head = make_head(camera.spec)
    assert until(lambda: head.steerable)
    for _ in range(50):  # a joystick held still: the same command every frame
        head.move(0.3, 0.0)
        time.sleep(0.002)
    assert until(lambda: camera.position[0] > 100)
    assert camera.commands <= 4  # the drive and a zoom stop, perhaps once more if a frame fell between


def test_a_view_asked_for_again_after_the_camera_was_turned_away_is_gone_to_again(
    camera: SimulatedCamera, make_head: Callable[..., ViscaHead]
) -> None:
    head = make_head(camera.spec)
    assert until(lambda: head.steerable)
    view = Pose(0.3, 0.3, 2.0)
    head.go_to(view)
    assert until(lambda: camera.position == UNITS.to_camera(view))
    camera.place(-500, -100, 0)  # by the camera's own remote control
    assert until(lambda: near(head.pose, UNITS.to_pose(-500, -100, 0)))
    time.sleep(0.5)  # still for a while
    head.go_to(view)
    assert until(lambda: camera.position == UNITS.to_camera(view)), camera.position


def test_only_the_configured_address_is_contacted_from_one_socket(
    camera: SimulatedCamera, make_head: Callable[..., ViscaHead]
) -> None:
    head = make_head(camera.spec)
    assert until(lambda: head.steerable)
    head.go_to(Pose(0.2, 0.2, 2.0))
    head.move(-0.5, 0.5, -0.5)
    head.home()
    assert until(lambda: camera.position == (0, 0, 0))
    assert len(camera.peers) == 1 and next(iter(camera.peers))[0] == "127.0.0.1"


# -- a camera that does not answer, and comes back -------------------------------------------------


def test_a_silent_camera_never_blocks_the_caller_and_says_so(
    camera: SimulatedCamera, make_head: Callable[..., ViscaHead]
) -> None:
    head = make_head(camera.spec)
    assert until(lambda: head.steerable)
    camera.answering = False
    calls: list[Callable[[], object]] = [
        lambda: head.move(0.5, -0.5, 0.5),
        lambda: head.go_to(Pose(0.5, 0.5, 2)),
        head.home,
        head.stop,
        lambda: head.pose,
        lambda: head.status,
        lambda: head.tick(time.monotonic()),
    ]
    started = time.monotonic()
    while time.monotonic() - started < 1.5:  # a room's frames, while the head waits for answers
        for call in calls:
            assert timed(call) < CALL_BOUND
        time.sleep(0.01)
    assert until(lambda: not head.steerable)
    assert until(lambda: "no answer for" in head.status)
    assert head.status.startswith(camera.spec + ": no answer for ")
    assert head.status.endswith(" s (steering off)")


def test_a_camera_that_comes_back_is_steered_again_and_old_commands_are_not_replayed(
    camera: SimulatedCamera, make_head: Callable[..., ViscaHead]
) -> None:
    head = make_head(camera.spec)
    assert until(lambda: head.steerable)
    camera.answering = False
    assert until(lambda: not head.steerable)
    head.move(1.0, 1.0)  # given during the silence: ignored, not sent after it
    resets = camera.resets
    camera.answering = True
    assert until(lambda: head.steerable) and head.status == ""
    assert camera.resets > resets  # the sequence count was reset on the way back
    time.sleep(0.2)
    assert camera.position == (0, 0, 0) and not camera.moving
    head.go_to(Pose(-0.3, 0.3, 2.0))
    assert until(lambda: near(head.pose, Pose(-0.3, 0.3, 2.0)))


def test_a_camera_that_answers_late_gets_the_starting_view(make_head: Callable[..., ViscaHead]) -> None:
    with SimulatedCamera() as camera:
        camera.answering = False  # still booting when the room opens
        head = make_head(camera.spec)
        assert head.status == f"{camera.spec}: connecting" and not head.steerable
        head.go_to(Pose(0.4, 0.1, 2.0))  # the starting view, before any answer
        assert until(lambda: "no answer" in head.status)
        time.sleep(0.5)  # several tries without an answer
        camera.answering = True
        assert until(lambda: near(head.pose, Pose(0.4, 0.1, 2.0))), head.pose


def test_no_camera_at_the_address(make_head: Callable[..., ViscaHead]) -> None:
    with SimulatedCamera() as camera:
        spec = camera.spec
    head = make_head(spec)  # the port is closed: nothing answers, the host may say so (ICMP)
    assert timed(lambda: head.go_to(Pose(0.5, 0.5))) < CALL_BOUND
    assert until(lambda: "no answer for" in head.status)
    assert not head.steerable and head.pose == HOME
    assert timed(head.close) < 1.5


def test_a_move_in_progress_stops_when_the_head_closes(
    camera: SimulatedCamera, make_head: Callable[..., ViscaHead]
) -> None:
    head = make_head(camera.spec)
    assert until(lambda: head.steerable)
    head.move(0.2, 0.0, 0.3)
    assert until(lambda: camera.position[0] > 50)
    assert timed(head.close) < 1.5
    assert until(settled(camera))
    assert camera.position[0] < 2267 and not head.steerable


# -- what the camera answers -----------------------------------------------------------------------


def test_malformed_replies_are_ignored(camera: SimulatedCamera, make_head: Callable[..., ViscaHead]) -> None:
    head = make_head(camera.spec)
    camera.malformed = True  # junk before every reply, some of it with the right sequence number
    assert until(lambda: head.steerable)
    target = Pose(-0.6, 0.4, 2.0)
    head.go_to(target)
    assert until(lambda: camera.position == UNITS.to_camera(target)), camera.position
    assert until(lambda: near(head.pose, target)), head.pose
    assert head.status == ""


def test_an_error_the_camera_answers_is_shown_until_a_command_is_taken(
    camera: SimulatedCamera, make_head: Callable[..., ViscaHead]
) -> None:
    head = make_head(camera.spec)
    assert until(lambda: head.steerable)
    camera.error = 0x41
    head.go_to(Pose(0.5, 0.5))
    assert until(lambda: "refused" in head.status)
    assert head.status.startswith(camera.spec + ": ")
    assert head.status.endswith(" refused: command not executable")
    assert head.steerable  # it answers: steering is not off
    camera.error = None
    head.go_to(Pose(0.5, 0.5))
    assert until(lambda: head.status == "")
    assert until(lambda: near(head.pose, Pose(0.5, 0.5)))


def test_a_lost_reply_is_resent_with_the_same_number_and_not_performed_twice(camera: SimulatedCamera) -> None:
    client = ViscaClient(parse_head(camera.spec), reply_timeout=0.3, tries=3)
    try:
        client.reset()
        camera.lose_replies = 1  # the camera takes the command; its acknowledge is lost
        client.command(zoom_direct(0x4000))  # completed after a second: it does not stand in for the ack
        assert client.counts.resent >= 1 and camera.commands == 1
        numbers = [seq for kind, seq, _ in camera.received if kind != CONTROL]
        assert numbers == [1]
        camera.lose_messages = 1  # the command itself is lost: the same message again is performed
        client.command(zoom_direct(0x2000))
        assert camera.commands == 2 and until(lambda: camera.position[2] == 0x2000)
        camera.lose_replies = 1  # an inquiry's reply is lost: asked again under a new number
        assert client.inquire(bytes.fromhex("81 09 04 47 FF"), 4) == bytes.fromhex("02 00 00 00")
    finally:
        client.close()


def test_numbers_the_camera_refuses_the_first_time_are_renumbered(camera: SimulatedCamera) -> None:
    ours = ViscaClient(parse_head(camera.spec), reply_timeout=0.1, tries=2)
    other = ViscaClient(parse_head(camera.spec), reply_timeout=0.1, tries=2)  # another controller
    try:
        ours.reset()
        ours.command(zoom_direct(0x0100))  # number 1
        other.reset()
        other.command(zoom_direct(0x0200))
        other.command(zoom_direct(0x0300))  # number 2, as our next one will be
        resets = camera.resets
        ours.command(zoom_direct(0x0400))  # refused as a repeat: reset, and sent again as number 1
        assert camera.resets == resets + 1
        assert until(lambda: camera.position[2] == 0x0400)
    finally:
        ours.close()
        other.close()


def test_a_client_without_an_answer_gives_up_in_bounded_time(camera: SimulatedCamera) -> None:
    camera.answering = False
    client = ViscaClient(parse_head(camera.spec), reply_timeout=0.05, tries=3)
    try:
        start = time.monotonic()
        with pytest.raises(NoAnswer, match="no answer in 3 x 0.05 s"):
            client.command(zoom_direct(0))
        assert time.monotonic() - start < 1.0
        assert client.counts.resent == 2
    finally:
        client.close()


def test_the_simulated_camera_runs_on_its_own_only_on_a_free_port(
    camera: SimulatedCamera, capsys: pytest.CaptureFixture[str]
) -> None:
    from installation.steer.viscasim import main

    assert (
        main(["port"]) == 2
        and "usage: python -m installation.steer.viscasim [PORT]" in capsys.readouterr().out
    )
    assert main([str(camera.port)]) == 1  # taken by the camera of this test
    assert capsys.readouterr().out.startswith(f"127.0.0.1:{camera.port}: cannot listen there")
