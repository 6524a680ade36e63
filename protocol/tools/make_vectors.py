#!/usr/bin/env python3
"""Writes protocol/vectors/*.vec from SPEC.md, independently of the C and C# implementations.

Run from anywhere: python3 protocol/tools/make_vectors.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "vectors")

VERSION = 0
UNSOLICITED = 0x01


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def cobs(data: bytes) -> bytes:
    out = bytearray()
    block = bytearray()
    for b in data:
        if b == 0:
            out.append(len(block) + 1)
            out += block
            block.clear()
            continue
        block.append(b)
        if len(block) == 254:
            out.append(255)
            out += block
            block.clear()
    out.append(len(block) + 1)
    out += block
    out.append(0)
    return bytes(out)


def frame(type_, seq, payload, flags=0, credit=0, version=VERSION):
    body = struct.pack("<BBBBHHI", version, type_, flags, 0, seq, credit, len(payload)) + payload
    return body + struct.pack("<I", crc32c(body))


def str8(s: str) -> bytes:
    b = s.encode("utf-8")
    return bytes([len(b)]) + b


def write(name, header, fields, wire, comment):
    lines = [f"# {comment}", f"name: {name}"]
    for k, v in header.items():
        lines.append(f"{k}: {v}")
    for k, v in fields:
        lines.append(f"payload.{k}: {v}")
    lines.append(f"frame: {wire.hex()}")
    with open(os.path.join(OUT, name + ".vec"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def message(name, type_, seq, payload, fields, comment, flags=0, credit=0):
    wire = cobs(frame(type_, seq, payload, flags, credit))
    header = {"version": VERSION, "type": f"0x{type_:02X}", "flags": flags, "seq": seq, "credit": credit}
    write(name, header, fields, wire, comment)
    return wire


def bad(name, wire, error, comment):
    lines = [f"# {comment}", f"name: {name}", f"expect_error: {error}", f"frame: {wire.hex()}"]
    with open(os.path.join(OUT, name + ".vec"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith(".vec"):
            os.remove(os.path.join(OUT, f))

    hello = struct.pack("<HHI", 0, 1, 65536) + str8("biotrain 0.1.0")
    message("hello", 0x01, 1, hello,
            [("proto_major", 0), ("proto_minor", 1), ("max_payload", 65536), ("host", "biotrain 0.1.0")],
            "HELLO from the host, first request")

    regions = [("L2", 0x1C000000, 1572864), ("L1", 0x10000000, 131072)]
    caps = struct.pack("<HH", 0, 1) + str8("0.1.0") + str8("qemu-virt")
    caps += struct.pack("<IIBBHB", 8192, 370000000, 8, 0x05, 1, len(regions))
    for n, base, size in regions:
        caps += str8(n) + struct.pack("<II", base, size)
    fields = [("proto_major", 0), ("proto_minor", 1), ("firmware", "0.1.0"), ("port", "qemu-virt"),
              ("max_payload", 8192), ("clock_hz", 370000000), ("cores", 8), ("features", 5),
              ("rx_credit", 1), ("region_count", len(regions))]
    for i, (n, base, size) in enumerate(regions):
        fields += [(f"regions.{i}.name", n), (f"regions.{i}.base", f"0x{base:08X}"), (f"regions.{i}.size", size)]
    message("capabilities", 0x81, 1, caps, fields, "CAPABILITIES of the QEMU virtual GAP9", credit=1)

    message("ping-empty", 0x02, 2, b"", [("data", "")], "PING with no payload")
    ping = bytes([0x00, 0x01, 0x02, 0x00, 0xFF, 0x00, 0x00, 0x7E])
    message("ping-zeros", 0x02, 3, ping, [("data", ping.hex())], "PING whose payload holds zero bytes")
    message("pong-zeros", 0x82, 3, ping, [("data", ping.hex())], "PONG echoing ping-zeros", credit=1)
    long_run = bytes((i % 255) + 1 for i in range(600))  # no zeros: exercises 0xFF COBS blocks
    message("ping-long", 0x02, 65535, long_run, [("data", long_run.hex())],
            "PING of 600 non-zero bytes (COBS 254-byte blocks) at the highest sequence number")

    text = "unknown message type 0x42"
    err = struct.pack("<HBB", 0x0006, 0x42, 0) + str8(text)
    message("error-unknown-type", 0xFF, 7, err,
            [("code", 6), ("request_type", "0x42"), ("text", text)],
            "ERROR answering a request of unknown type", credit=1)
    text = "bad CRC"
    err = struct.pack("<HBB", 0x0002, 0, 0) + str8(text)
    message("error-bad-crc", 0xFF, 0, err, [("code", 2), ("request_type", "0x00"), ("text", text)],
            "ERROR for a frame whose CRC failed: unsolicited, seq 0", flags=UNSOLICITED, credit=1)

    # Frames every receiver must reject, with the error it must report.
    good = frame(0x02, 9, b"\x10\x20\x30")
    corrupted = bytearray(good)
    corrupted[13] ^= 0x01
    bad("bad-crc", cobs(bytes(corrupted)), "BAD_CRC", "PING with one payload bit flipped")
    bad("bad-framing-short", cobs(good[:10]), "BAD_FRAMING", "frame of 10 bytes, shorter than a header and CRC")
    truncated = cobs(good)[:-6] + b"\x00"
    bad("bad-framing-truncated", truncated, "BAD_FRAMING", "COBS block cut short by an early delimiter")
    oversize = bytearray(good[:-4])
    struct.pack_into("<I", oversize, 8, 0x7FFFFFF0)
    oversize += struct.pack("<I", crc32c(bytes(oversize)))
    bad("bad-length-oversize", cobs(bytes(oversize)), "BAD_LENGTH",
        "length field says 0x7FFFFFF0 bytes, the frame holds 3")
    bad("unknown-type", cobs(frame(0x42, 7, b"")), "UNKNOWN_TYPE", "request type 0x42 does not exist")
    bad("version-mismatch", cobs(frame(0x01, 5, struct.pack("<HHI", 1, 0, 4096) + str8("future host"), version=1)),
        "VERSION_MISMATCH", "HELLO from a protocol-1 host")
    bad("malformed-hello", cobs(frame(0x01, 6, b"\x00\x00")), "MALFORMED_PAYLOAD", "HELLO cut after two bytes")


if __name__ == "__main__":
    main()
