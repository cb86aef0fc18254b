#!/usr/bin/env python3
"""Writes the committed seed corpus of the codec fuzz tests (docs/fuzzing.md). Run from the repository root.

Each seed is the raw input of one fuzz test: the control bytes its class javadoc describes (flags, limits, split
points), then the bytes under test. Files are named after what they hold; Jazzer runs every file in a test's
Inputs directory in regression mode.
"""
import os
import struct

ROOT = "codec/src/test/resources/io/wsmux/codec"


def splits(*points):
    return bytes([len(points)]) + b"".join(struct.pack(">H", p) for p in points)


def write(directory, name, data):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def mask(key, payload):
    return bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def masked_frame(first, payload, key=b"\x37\xfa\x21\x3d"):
    n = len(payload)
    if n < 126:
        head = bytes([first, 0x80 | n])
    elif n < 65536:
        head = bytes([first, 0x80 | 126]) + struct.pack(">H", n)
    else:
        head = bytes([first, 0x80 | 127]) + struct.pack(">Q", n)
    return head + key + mask(key, payload)


# FrameDecoderFuzzTest: flags (1 client side, 2 no UTF-8 check, 4 halt after frames, 8 halt always), limits, splits.
frames = ROOT + "/FrameDecoderFuzzTestInputs/shouldDecodeSameEventsWhenSplit"
SERVER, CLIENT = 0, 1
rfc_5_7 = {
    # RFC 6455 §5.7, byte for byte.
    "rfc6455-5.7-unmasked-text-hello": (CLIENT, bytes.fromhex("810548656c6c6f")),
    "rfc6455-5.7-masked-text-hello": (SERVER, bytes.fromhex("818537fa213d7f9f4d5158")),
    "rfc6455-5.7-fragmented-unmasked-text": (CLIENT, bytes.fromhex("010348656c80026c6f")),
    "rfc6455-5.7-unmasked-ping": (CLIENT, bytes.fromhex("890548656c6c6f")),
    "rfc6455-5.7-masked-pong": (SERVER, bytes.fromhex("8a8537fa213d7f9f4d5158")),
    "rfc6455-5.7-256-byte-binary": (CLIENT, bytes.fromhex("827e0100") + bytes(range(256))),
    # The 64 KiB example's header, 64-bit length, with the first 64 bytes of payload (the rest never arrives).
    "rfc6455-5.7-64k-binary-truncated": (CLIENT, bytes.fromhex("827f0000000000010000") + bytes(64)),
}
for name, (flags, wire) in rfc_5_7.items():
    write(frames, name, bytes([flags, 0]) + splits() + wire)
    write(frames, name + "-split", bytes([flags, 0]) + splits(1, 3, 6) + wire)
message = (masked_frame(0x01, "Hello-µ@ßöä".encode()) + masked_frame(0x89, b"ping")
           + masked_frame(0x80, "üàá-UTF-8!!".encode()) + masked_frame(0x88, struct.pack(">H", 1000) + b"bye"))
write(frames, "masked-fragments-ping-close-halting", bytes([SERVER | 4, 0]) + splits(2, 9, 17, 30) + message)
write(frames, "masked-fragments-ping-close-halt-always", bytes([SERVER | 8, 0]) + splits(5) + message)
write(frames, "masked-text-invalid-utf8", bytes([SERVER, 0]) + splits(8)
      + masked_frame(0x81, b"abc\xed\xa0\x80def"))
write(frames, "masked-text-invalid-utf8-unchecked", bytes([SERVER | 2, 0]) + splits(8)
      + masked_frame(0x81, b"abc\xed\xa0\x80def"))
write(frames, "masked-text-ends-mid-sequence", bytes([SERVER, 0]) + splits(3)
      + masked_frame(0x81, b"\xe2\x82"))
write(frames, "reserved-bits", bytes([SERVER, 0]) + splits() + bytes.fromhex("c18537fa213d7f9f4d5158"))
write(frames, "frame-over-small-limit", bytes([CLIENT, 0x11]) + splits(2) + bytes.fromhex("827e00c8") + bytes(200))
write(frames, "non-minimal-16-bit-length", bytes([CLIENT, 0]) + splits(3) + bytes.fromhex("827e0005") + bytes(5))

# UpgradeRequestParserFuzzTest: headLimit, countLimit, splits, request bytes.
upgrade = ROOT + "/http/UpgradeRequestParserFuzzTestInputs/shouldParseSameRequestWhenSplit"
rfc_request = (b"GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://example.com\r\n"
               b"Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Version: 13\r\n\r\n")
write(upgrade, "rfc6455-1.2-request", bytes([0, 0]) + splits() + rfc_request)
write(upgrade, "rfc6455-1.2-request-split", bytes([0, 0]) + splits(1, 17, 18, 60, 150) + rfc_request)
write(upgrade, "request-then-frame", bytes([0, 0]) + splits(100) + rfc_request + bytes.fromhex("818537fa213d7f9f4d5158"))
write(upgrade, "request-with-query-extensions-cookies", bytes([0, 0]) + splits(40) +
      b"\r\nGET /mux?protocol=binary&x=1 HTTP/1.1\r\nhost: h\r\nupgrade: WebSocket\r\n"
      b"connection: keep-alive, Upgrade\r\nsec-websocket-key: AAAAAAAAAAAAAAAAAAAAAA==\r\n"
      b"sec-websocket-version: 13\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, x\r\n"
      b"Cookie: a=1\r\nCookie: b=2\r\nContent-Length: 0\r\n\r\n")
write(upgrade, "head-over-small-limit", bytes([30, 0]) + splits(50) + rfc_request)
write(upgrade, "too-many-headers", bytes([0, 3]) + splits() + rfc_request)
write(upgrade, "bare-line-feed", bytes([0, 0]) + splits(5) + rfc_request.replace(b"\r\nUpgrade", b"\nUpgrade"))
write(upgrade, "post-method", bytes([0, 0]) + splits() + rfc_request.replace(b"GET", b"POST"))

# TextMuxFlyweightFuzzTest: offset, message (also read as UTF-16BE for the escape round trip).
text = ROOT + "/mux/TextMuxFlyweightFuzzTestInputs/shouldParseLikeReferenceAndRoundTripEscape"
for name, msg in {
    "sub": b"sub,x",
    "msg": b"msg,a,b",
    "uns": b"uns,x",
    "msg-payload-with-commas": b"msg,chat,hello, world,!",
    "msg-without-payload": b"msg,a",
    "sub-escaped-max-rate": b"sub,prices.EURUSD%3FmaxRate%3D5",
    "msg-escaped-unicode-name": "msg,%u00E9t%E9%uD83D%uDE00,payload".encode(),
    "unknown-type": b"SUB,x",
    "empty-name": b"msg,,x",
}.items():
    write(text, name, bytes([3]) + msg)

# BinaryMuxFlyweightFuzzTest: offset, message.
binary = ROOT + "/mux/BinaryMuxFlyweightFuzzTestInputs/shouldStayWithinMessage"
name = b"prices.EURUSD"
for seed, msg in {
    # docs/protocol.md's example: open prices.EURUSD as channel 7, at most 5 updates per second.
    "open-with-max-rate": b"\x01" + struct.pack(">IH", 7, len(name)) + name + struct.pack(">I", 5),
    "open-without-max-rate": b"\x01" + struct.pack(">IH", 7, len(name)) + name,
    "open-channel-0": b"\x01" + struct.pack(">IH", 0, 1) + b"a",
    "open-name-past-end": b"\x01" + struct.pack(">IH", 7, 200) + b"a",
    "text": b"\x03" + struct.pack(">I", 7) + b"hello",
    "binary": b"\x04" + struct.pack(">I", 7) + bytes(range(8)),
    "close": b"\x02" + struct.pack(">I", 7),
    "short-header": b"\x01\x00\x00",
}.items():
    write(binary, seed, bytes([2]) + msg)

# Utf8ValidatorFuzzTest: offset, splits, bytes.
utf8 = ROOT + "/Utf8ValidatorFuzzTestInputs/shouldAgreeWithJdkDecoder"
for seed, (points, data) in {
    "ascii-long": ((3, 11), b"The quick brown fox jumps over the lazy dog, twice over."),
    "autobahn-6.2-mixed": ((1, 2, 5), "Hello-µ@ßöäüàá-UTF-8!!".encode()),
    "greek-kosme": ((2,), "κόσμε".encode()),
    "four-byte-emoji-split": ((1, 2, 3), "a\U0001F600b".encode()),
    "max-code-point": ((), "\U0010FFFF\uFFFF".encode()),
    "invalid-overlong-c0-80": ((1,), b"ab\xc0\x80"),
    "invalid-surrogate-ed-a0-80": ((4,), b"abc\xed\xa0\x80def"),
    "invalid-above-10ffff": ((2,), b"\xf4\x90\x80\x80"),
    "invalid-truncated-e2-82": ((), b"x\xe2\x82"),
    "invalid-fe": ((), b"\xfe"),
}.items():
    write(utf8, seed, bytes([5]) + splits(*points) + data)
