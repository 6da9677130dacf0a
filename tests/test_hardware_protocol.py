"""The panel wire format: framing, checksums, and a reader that survives any input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from installation.hardware.protocol import (
    MAX_LINE,
    PROTOCOL_VERSION,
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
    crc8,
    encode,
    frame,
    parse_body,
)

states = st.builds(
    SetState,
    seq=st.integers(0, 65535),
    exposed=st.booleans(),
    live=st.booleans(),
    tally=st.integers(0, 15),
    faces=st.integers(0, 999),
    cameras=st.integers(1, 16),
)
messages = st.one_of(
    states,
    st.builds(Ping, st.integers(0, 65535)),
    st.builds(Hello, st.integers(0, 999)),
    st.builds(Ack, st.integers(0, 65535), st.booleans()),
    st.builds(Event, st.sampled_from(["effect", "camera", "home"])),
    st.builds(Event, st.just("knob"), st.integers(0, 1023)),
    st.builds(
        Ready,
        st.just(PROTOCOL_VERSION),
        st.from_regex(r"[0-9a-z.\-]{1,12}", fullmatch=True),
        st.integers(0, 16),
        st.integers(0, 64),
        st.none() | st.integers(0, 1023),
        st.booleans(),
    ),
    st.builds(
        Ready,
        st.just(1),
        st.from_regex(r"[0-9a-z.\-]{1,12}", fullmatch=True),
        st.integers(0, 16),
        st.integers(0, 64),
        st.none() | st.integers(0, 1023),
    ),
    st.builds(Aim, st.integers(0, 65535), *[st.integers(0, 1800)] * 2, *[st.integers(0, 999)] * 2),
    st.builds(Park, st.integers(0, 65535), st.integers(0, 1800), st.integers(0, 1800)),
    st.builds(Stick, *[st.integers(-100, 100)] * 3),
    st.builds(HeadPosition, st.integers(0, 1800), st.integers(0, 1800), st.booleans()),
    st.builds(BoardError, st.sampled_from(["crc", "long", "unknown", "args"])),
)
noise = st.binary(max_size=200)


def test_crc_is_crc8_smbus() -> None:
    # The standard check value pins the algorithm the firmware implements too.
    assert crc8(b"123456789") == 0xF4
    assert crc8(b"") == 0


def test_frames_match_the_documented_examples() -> None:
    assert encode(SetState(7, True, True, 1, 3, 2)) == b"$S,7,1,1,1,3,2*01\n"
    assert encode(Hello()) == b"$HELLO,2*" + b"%02X" % crc8(b"HELLO,2") + b"\n"
    # A version 1 board's ready message is still read: its lights are driven.
    assert FrameReader().feed(
        b"$READY,1,0.1.0,4,6,512*" + b"%02X" % crc8(b"READY,1,0.1.0,4,6,512") + b"\n"
    ) == [Ready(1, "0.1.0", 4, 6, 512)]


def test_the_example_session_in_protocol_md_decodes_as_described() -> None:
    # The wire text of hardware/PROTOCOL.md's example session, checksums included.
    assert FrameReader().feed(
        b"$READY,2,0.2.0,4,6,1,512*81\n$A,1,1*C3\n$EV,stick,56,-100,0*2B\n$HP,1200,600,0*0B\n$EV,home*44\n"
    ) == [
        Ready(2, "0.2.0", 4, 6, 512, head=True),
        Ack(1, True),
        Stick(56, -100, 0),
        HeadPosition(1200, 600, False),
        Event("home"),
    ]
    assert encode(Hello()) == b"$HELLO,2*74\n"
    assert encode(Park(2, 900, 900)) == b"$K,2,900,900*21\n"
    assert encode(Aim(3, 1200, 600, 60, 30)) == b"$H,3,1200,600,60,30*D6\n"


@settings(deadline=None)
@given(messages)
def test_every_message_survives_encode_and_decode(message: object) -> None:
    assert FrameReader().feed(encode(message)) == [message]  # type: ignore[arg-type]


@settings(deadline=None)
@given(messages, st.data())
def test_a_changed_character_is_never_accepted(message: object, data: st.DataObject) -> None:
    wire = encode(message)  # type: ignore[arg-type]
    i = data.draw(st.integers(1, len(wire) - 2), label="position")
    replacement = data.draw(st.integers(0x20, 0x7E).filter(lambda c: c not in (wire[i], 0x24)), label="byte")
    corrupted = wire[:i] + bytes([replacement]) + wire[i + 1 :]
    reader = FrameReader()
    assert reader.feed(corrupted) == []
    assert reader.rejected == 1


@settings(deadline=None)
@given(messages, st.integers(0, 7), st.data())
def test_a_flipped_bit_is_never_accepted(message: object, bit: int, data: st.DataObject) -> None:
    wire = bytearray(encode(message))  # type: ignore[arg-type]
    i = data.draw(st.integers(1, len(wire) - 2), label="position")
    wire[i] ^= 1 << bit
    assert message not in FrameReader().feed(bytes(wire))


@settings(max_examples=300, deadline=None)
@given(st.lists(noise, max_size=5))
def test_garbage_never_raises_out_of_the_reader(chunks: list[bytes]) -> None:
    reader = FrameReader()
    for chunk in chunks:
        for message in reader.feed(chunk):
            # Whatever noise happens to form a valid frame must still be a well-formed message.
            assert parse_body(frame_body(encode(message))) == message


def frame_body(wire: bytes) -> str:
    return wire[1:-4].decode()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(noise, messages), min_size=1, max_size=6), noise)
def test_valid_frames_in_noise_are_still_decoded(pairs: list[tuple[bytes, object]], tail: bytes) -> None:
    stream = b"".join(junk + encode(m) for junk, m in pairs) + tail  # type: ignore[arg-type]
    decoded = FrameReader().feed(stream)
    wanted = [m for _, m in pairs]
    # Noise may by chance contain valid frames of its own; ours all arrive, in order.
    it = iter(decoded)
    assert all(any(got == m for got in it) for m in wanted)


@settings(deadline=None)
@given(st.lists(messages, min_size=1, max_size=5), st.data())
def test_split_reads_give_the_same_messages(batch: list[object], data: st.DataObject) -> None:
    stream = b"".join(encode(m) for m in batch)  # type: ignore[arg-type]
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=10), label="cuts"))
    reader = FrameReader()
    got = []
    for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        got += reader.feed(stream[start:end])
    assert got == batch


def test_overlong_lines_are_dropped_whole_and_the_next_frame_read() -> None:
    reader = FrameReader()
    long_line = b"$S," + b"1" * (MAX_LINE + 10) + b"*00\n"
    assert reader.feed(long_line + encode(Ping(5))) == [Ping(5)]
    assert reader.rejected == 1


def test_a_dollar_restarts_a_frame() -> None:
    assert FrameReader().feed(b"$S,1,1,1" + encode(Ping(9))) == [Ping(9)]


def test_control_bytes_inside_a_frame_drop_it() -> None:
    wire = encode(Event("effect"))
    assert FrameReader().feed(wire[:4] + b"\x00" + wire[4:]) == []


def test_out_of_range_fields_are_rejected() -> None:
    for body in (
        "S,1,2,1,0,0,1",
        "S,1,1,1,16,0,1",
        "S,1,1,1,0,0,0",
        "EV,knob,1024",
        "EV,jump",
        "A,1",
        "P,-1",
        "P,1e3",
        "H,1,1801,900,10,10",  # beyond 180 degrees
        "H,1,900,900,1000,10",
        "H,1,900,900,10",
        "H,1,-900,900,10,10",
        "K,1,900",
        "EV,stick,101,0,0",
        "EV,stick,0,--5,0",
        "EV,stick,0,0",
        "HP,900,900,2",
        "READY,2,0.2.0,4,6",  # version 2 says whether it has a head
        "READY,2,0.2.0,4,6,2,512",
    ):
        reader = FrameReader()
        assert reader.feed(frame(body)) == [], body
        assert reader.rejected == 1


def test_a_board_of_another_version_is_still_recognised() -> None:
    # A future board's ready message may carry other fields; its version must still be read.
    assert FrameReader().feed(frame("READY,3,9.0.0,something,else")) == [Ready(3)]


def test_negative_numbers_are_read_only_where_the_joystick_sends_them() -> None:
    assert parse_body("EV,stick,-100,0,-4") == Stick(-100, 0, -4)
    reader = FrameReader()
    assert reader.feed(frame("H,-1,900,900,10,10") + frame("K,1,-0,900")) == []
    assert reader.rejected == 2


def test_only_upper_case_checksum_digits_are_accepted() -> None:
    wire = frame("EV,effect")
    assert wire.endswith(b"*BD\n")
    assert FrameReader().feed(wire.replace(b"*BD", b"*bd")) == []
