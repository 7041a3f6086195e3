"""The AVTCP/1 codec: greeting, frames, key derivation, sealing, seq, chunking, decimals."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.avantage.cipher import (
    CLIENT_TO_SERVER,
    SERVER_TO_CLIENT,
    FrameCipher,
    PlainCodec,
    decrypt_line,
    derive_key,
    encrypt_line,
    sealed_line_length,
)
from portal.avantage.protocol import (
    CodecError,
    DecryptError,
    FrameTooLargeError,
    Greeting,
    SequenceError,
    chunk_lines,
    decode_json,
    encode_json,
    format_decimal,
    is_decimal_string,
    parse_decimal,
    parse_greeting,
)

SPEC_GREETING = (
    "AVANTAGE MainTCP 7.40 ready. AVTCP/1 buffer=65536 crypto=on salt=3q2+7w8AAAAAAAAAAAAAAA=="
)


def test_parses_the_greeting_of_the_contract() -> None:
    greeting = parse_greeting(SPEC_GREETING + "\r\n")
    assert greeting == Greeting(
        version="7.40",
        protocol=1,
        buffer=65536,
        crypto=True,
        salt=base64.b64decode("3q2+7w8AAAAAAAAAAAAAAA=="),
    )
    assert greeting.to_line() == SPEC_GREETING


def test_keeps_unknown_greeting_parameters() -> None:
    greeting = parse_greeting("AVANTAGE MainTCP 8.0b ready. AVTCP/1 crypto=off buffer=512 zone=EST")
    assert (greeting.crypto, greeting.buffer, greeting.salt) == (False, 512, b"")
    assert greeting.extra == {"zone": "EST"}
    assert parse_greeting(greeting.to_line()) == greeting


@pytest.mark.parametrize(
    "line",
    [
        "SSH-2.0-OpenSSH_9.2p1 Debian-2",
        "HTTP/1.1 400 Bad Request",
        "AVANTAGE MainTCP 7.40 ready. AVTCP/1",  # no buffer, no crypto
        "AVANTAGE MainTCP 7.40 ready. AVTCP/1 buffer=64k crypto=off",
        "AVANTAGE MainTCP 7.40 ready. AVTCP/1 buffer=100 crypto=maybe",
        "AVANTAGE MainTCP 7.40 ready. AVTCP/1 buffer=100 crypto=on",  # no salt
        "AVANTAGE MainTCP 7.40 ready. AVTCP/1 buffer=100 crypto=on salt=***",
        "AVANTAGE MainTCP 7.40 ready AVTCP/1 buffer=100 crypto=off",  # missing dot
        " AVANTAGE MainTCP 7.40 ready. AVTCP/1 buffer=100 crypto=off",
    ],
)
def test_refuses_what_is_not_a_greeting(line: str) -> None:
    with pytest.raises(CodecError):
        parse_greeting(line)


def _hkdf_sha256(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    """RFC 5869 written out, to check derive_key against an independent implementation."""
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    output, block, counter = b"", b"", 1
    while len(output) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        output, counter = output + block, counter + 1
    return output[:length]


def test_key_is_hkdf_sha256_of_the_password_with_the_greeting_salt() -> None:
    salt = bytes(range(16))
    expected = _hkdf_sha256("Clé16caractères!".encode(), salt, b"AVTCP/1 frame key", 32)
    assert derive_key("Clé16caractères!", salt) == expected


def test_sealed_frames_carry_seq_and_open_only_in_their_direction() -> None:
    salt = bytes(16)
    client, server = FrameCipher.for_client("abcde", salt), FrameCipher.for_server("abcde", salt)
    first, second = client.seal({"id": 1, "op": "PING"}), client.seal({"id": 2, "op": "PING"})
    assert first.endswith(b"\n")
    plaintext = encode_json({"id": 1, "op": "PING", "seq": 1})
    assert len(first) - 1 == sealed_line_length(len(plaintext))
    assert server.unseal(first.rstrip(b"\n")) == {"id": 1, "op": "PING"}
    assert server.unseal(second.rstrip(b"\n")) == {"id": 2, "op": "PING"}
    with pytest.raises(DecryptError):  # a client frame reflected back to the client
        FrameCipher.for_client("abcde", salt).unseal(first.rstrip(b"\n"))
    with pytest.raises(DecryptError):
        FrameCipher.for_server("wrong", salt).unseal(first.rstrip(b"\n"))


def test_a_cipher_sets_its_key_up_once_not_per_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    from portal.avantage import cipher

    built = []
    real = cipher.AESGCM

    def counting_aesgcm(key: bytes) -> object:
        built.append(key)
        return real(key)

    monkeypatch.setattr(cipher, "AESGCM", counting_aesgcm)
    salt = bytes(16)
    client, server = FrameCipher.for_client("abcde", salt), FrameCipher.for_server("abcde", salt)
    for number in range(1, 6):
        line = client.seal({"id": number, "op": "PING"}).rstrip(b"\n")
        assert server.unseal(line) == {"id": number, "op": "PING"}
        assert client.unseal(server.seal({"id": number}).rstrip(b"\n")) == {"id": number}
    assert len(built) == 2  # one per side, whatever the frames


def test_replayed_missing_and_reordered_seq_are_refused() -> None:
    key = derive_key("abcde", bytes(16))

    def sealed(seq: int) -> bytes:
        return encrypt_line(
            key, encode_json({"id": seq, "op": "PING", "seq": seq}), SERVER_TO_CLIENT
        )

    receiver = FrameCipher(key, send_ad=CLIENT_TO_SERVER, receive_ad=SERVER_TO_CLIENT)
    assert receiver.unseal(sealed(1))["id"] == 1
    with pytest.raises(SequenceError):
        receiver.unseal(sealed(1))  # replayed
    receiver = FrameCipher(key, send_ad=CLIENT_TO_SERVER, receive_ad=SERVER_TO_CLIENT)
    with pytest.raises(SequenceError):
        receiver.unseal(sealed(2))  # 1 is missing
    no_seq = encrypt_line(key, encode_json({"id": 1}), SERVER_TO_CLIENT)
    with pytest.raises(SequenceError):
        FrameCipher(key, send_ad=CLIENT_TO_SERVER, receive_ad=SERVER_TO_CLIENT).unseal(no_seq)


def test_a_discarded_frame_counts_as_one_seq_step() -> None:
    salt = bytes(16)
    client, server = FrameCipher.for_client("abcde", salt), FrameCipher.for_server("abcde", salt)
    client.seal({"id": 1, "op": "X" * 10})  # seq 1: imagine it was too large and discarded
    server.skip()
    assert server.unseal(client.seal({"id": 2, "op": "PING"}).rstrip(b"\n"))["id"] == 2


def test_plain_frames_ignore_an_optional_seq() -> None:
    assert PlainCodec().unseal(b'{"id":3,"op":"PING","seq":9}') == {"id": 3, "op": "PING"}
    for not_an_object in (b"[1,2]", b"42", b"nope", b'"text"', b"\xff\xfe"):
        with pytest.raises(CodecError):
            decode_json(not_an_object)


def _hours_line(number: int, **changes: str) -> dict[str, object]:
    line = {
        "line": number,
        "kind": "hours",
        "employee": "1042",
        "date": "2026-11-23",
        "project": "24-105",
        "activity": "03-100",
        "trade": "CHARP",
        "hour_type": "REG",
        "hours": "8.00",
    }
    return {**line, **changes}


def test_chunks_are_as_few_as_fit_the_buffer() -> None:
    lines = [_hours_line(number) for number in range(1, 101)]
    chunks = list(chunk_lines("batch-1", lines, 2000))
    assert [line for chunk in chunks for line in chunk] == lines
    for chunk in chunks:
        frame = {
            "id": 9_999_999_999,
            "op": "ADD_LINES",
            "batch_key": "batch-1",
            "lines": chunk,
            "seq": 9_999_999_999,
        }
        assert len(encode_json(frame)) <= 2000
    for first, second in itertools.pairwise(chunks):  # greedy: the next line did not fit
        frame = {
            "id": 9_999_999_999,
            "op": "ADD_LINES",
            "batch_key": "batch-1",
            "lines": [*first, second[0]],
            "seq": 9_999_999_999,
        }
        assert len(encode_json(frame)) > 2000
    assert len(list(chunk_lines("batch-1", lines, 1_000_000))) == 1


def test_a_line_that_cannot_fit_any_frame_is_named() -> None:
    lines = [_hours_line(1), _hours_line(2, employee="9" * 500)]
    with pytest.raises(FrameTooLargeError) as raised:
        list(chunk_lines("batch-1", lines, 400))
    assert raised.value.line == 2


@pytest.mark.parametrize("text", ["7.50", "45.10", "-3", "0", "12.3456"])
def test_decimal_strings(text: str) -> None:
    assert is_decimal_string(text)
    assert parse_decimal(text) == Decimal(text)


@pytest.mark.parametrize(
    "value", [7.5, 8, "1e3", " 8.00", "8.", ".5", "8,00", "NaN", "8.00\n", None, "٣"]
)
def test_not_decimal_strings(value: object) -> None:
    assert not is_decimal_string(value)
    with pytest.raises(ValueError):
        parse_decimal(value)


def test_format_decimal_rounds_half_up() -> None:
    assert format_decimal(Decimal("2.345")) == "2.35"
    assert format_decimal(Decimal("2.344")) == "2.34"
    assert format_decimal(45) == "45.00"
    assert format_decimal("0.5", places=0) == "1"


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)
FRAMES = st.dictionaries(
    st.text(max_size=12).filter(lambda name: name != "seq"), JSON_VALUES, max_size=8
)


@settings(max_examples=200, deadline=None)
@given(FRAMES)
def test_plain_frames_round_trip(frame: dict[str, object]) -> None:
    line = PlainCodec().seal(frame)
    assert line.count(b"\n") == 1 and line.endswith(b"\n")
    assert PlainCodec().unseal(line[:-1]) == frame


@settings(max_examples=200, deadline=None)
@given(
    st.lists(FRAMES, min_size=1, max_size=4),
    st.binary(min_size=16, max_size=16),
    st.text(min_size=1, max_size=20),
)
def test_encrypted_frames_round_trip_in_order(
    frames: list[dict[str, object]], salt: bytes, password: str
) -> None:
    client = FrameCipher.for_client(password, salt)
    server = FrameCipher.for_server(password, salt)
    for frame in frames:
        line = client.seal(frame)
        assert line.count(b"\n") == 1
        assert server.unseal(line[:-1]) == frame
        assert client.unseal(server.seal(frame)[:-1]) == frame


@settings(max_examples=500)
@given(st.binary(max_size=40) | st.text(alphabet="AZaz09+/= \n-_$", max_size=40).map(str.encode))
def test_a_line_that_is_not_strict_base64_is_refused_before_decryption(line: bytes) -> None:
    """The fast base64 decoder refuses at least what the standard library's strict mode
    refuses (padding in the middle, stray characters, a missing quad's end)."""
    try:
        binascii.a2b_base64(line, strict_mode=True)
    except binascii.Error:
        with pytest.raises(DecryptError, match="not base64"):
            decrypt_line(bytes(32), line, b"S>C")
