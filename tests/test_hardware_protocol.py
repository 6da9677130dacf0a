"""The panel wire format: framing, checksums, and a reader that survives any input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from installation.hardware.protocol import (
    MAX_LINE,
    PROTOCOL_VERSION,
    Ack,
    BoardError,
    Event,
    FrameReader,
    Hello,
    Ping,
    Ready,
    SetState,
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
    st.builds(Event, st.sampled_from(["effect", "camera"])),
    st.builds(Event, st.just("knob"), st.integers(0, 1023)),
    st.builds(
        Ready,
        st.just(PROTOCOL_VERSION),
        st.from_regex(r"[0-9a-z.\-]{1,12}", fullmatch=True),
        st.integers(0, 16),
        st.integers(0, 64),
        st.none() | st.integers(0, 1023),
    ),
    st.builds(BoardError, st.sampled_from(["crc", "long", "unknown", "args"])),
)
noise = st.binary(max_size=200)


def test_crc_is_crc8_smbus() -> None:
    # The standard check value pins the algorithm the firmware implements too.
    assert crc8(b"123456789") == 0xF4
    assert crc8(b"") == 0


def test_frames_match_the_documented_examples() -> None:
    assert encode(SetState(7, True, True, 1, 3, 2)) == b"$S,7,1,1,1,3,2*01\n"
    assert encode(Hello()) == b"$HELLO,1*" + b"%02X" % crc8(b"HELLO,1") + b"\n"
    assert FrameReader().feed(
        b"$READY,1,0.1.0,4,6,512*" + b"%02X" % crc8(b"READY,1,0.1.0,4,6,512") + b"\n"
    ) == [Ready(1, "0.1.0", 4, 6, 512)]


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
    ):
        reader = FrameReader()
        assert reader.feed(frame(body)) == [], body
        assert reader.rejected == 1


def test_a_board_of_another_version_is_still_recognised() -> None:
    # A future board's ready message may carry other fields; its version must still be read.
    assert FrameReader().feed(frame("READY,2,9.0.0,something,else")) == [Ready(2)]


def test_only_upper_case_checksum_digits_are_accepted() -> None:
    wire = frame("EV,effect")
    assert wire.endswith(b"*BD\n")
    assert FrameReader().feed(wire.replace(b"*BD", b"*bd")) == []
