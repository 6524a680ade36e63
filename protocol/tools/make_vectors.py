#!/usr/bin/env python3
"""Writes protocol/vectors/*.vec from SPEC.md, independently of the C and C# implementations.

Run from anywhere: python3 protocol/tools/make_vectors.py
With --check it writes nothing and fails when the committed vectors differ from what it would
write (ctest runs it so, beside the C and C# tests that decode and encode them).
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "vectors")

VERSION = 1
UNSOLICITED = 0x01
RETRANSMIT = 0x02


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


WRITTEN = {}


def emit(name, lines):
    WRITTEN[name + ".vec"] = "\n".join(lines) + "\n"


def write(name, header, fields, wire, comment):
    lines = [f"# {comment}", f"name: {name}"]
    for k, v in header.items():
        lines.append(f"{k}: {v}")
    for k, v in fields:
        lines.append(f"payload.{k}: {v}")
    lines.append(f"frame: {wire.hex()}")
    emit(name, lines)


def message(name, type_, seq, payload, fields, comment, flags=0, credit=0):
    wire = cobs(frame(type_, seq, payload, flags, credit))
    header = {"version": VERSION, "type": f"0x{type_:02X}", "flags": flags, "seq": seq, "credit": credit}
    write(name, header, fields, wire, comment)
    return wire


def bad(name, wire, error, comment):
    emit(name, [f"# {comment}", f"name: {name}", f"expect_error: {error}", f"frame: {wire.hex()}"])


def main():
    vectors()
    on_disk = {f for f in os.listdir(OUT) if f.endswith(".vec")} if os.path.isdir(OUT) else set()
    if "--check" in sys.argv[1:]:
        differ = sorted(f for f in WRITTEN if f not in on_disk or read(f) != WRITTEN[f])
        stale = sorted(on_disk - WRITTEN.keys())
        for f in differ:
            print(f"protocol/vectors/{f}: differs from the generator (run protocol/tools/make_vectors.py)")
        for f in stale:
            print(f"protocol/vectors/{f}: not written by the generator")
        print(f"{len(WRITTEN)} vectors checked, {len(differ) + len(stale)} out of date")
        sys.exit(1 if differ or stale else 0)
    os.makedirs(OUT, exist_ok=True)
    for f in on_disk - WRITTEN.keys():
        os.remove(os.path.join(OUT, f))
    for f, text in WRITTEN.items():
        with open(os.path.join(OUT, f), "w", encoding="utf-8") as out:
            out.write(text)


def read(name):
    with open(os.path.join(OUT, name), encoding="utf-8") as f:
        return f.read()


def vectors():
    hello = struct.pack("<HHI", 1, 0, 65536) + str8("biotrain 0.2.0")
    message("hello", 0x01, 1, hello,
            [("proto_major", 1), ("proto_minor", 0), ("max_payload", 65536), ("host", "biotrain 0.2.0")],
            "HELLO from the host, first request")

    regions = [("L2", 0x1C000000, 1572864), ("L1", 0x10000000, 131072)]
    caps = struct.pack("<HH", 1, 0) + str8("0.2.0") + str8("qemu-virt")
    caps += struct.pack("<IIBBHB", 8192, 370000000, 8, 0x0D, 1, len(regions))
    for n, base, size in regions:
        caps += str8(n) + struct.pack("<II", base, size)
    caps += struct.pack("<I", 1400000)
    fields = [("proto_major", 1), ("proto_minor", 0), ("firmware", "0.2.0"), ("port", "qemu-virt"),
              ("max_payload", 8192), ("clock_hz", 370000000), ("cores", 8), ("features", 13),
              ("rx_credit", 1), ("region_count", len(regions))]
    for i, (n, base, size) in enumerate(regions):
        fields += [(f"regions.{i}.name", n), (f"regions.{i}.base", f"0x{base:08X}"), (f"regions.{i}.size", size)]
    fields += [("arena_bytes", 1400000)]
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

    v1_messages()

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
    bad("version-mismatch", cobs(frame(0x01, 5, struct.pack("<HHI", 2, 3, 4096) + str8("future host"), version=2)),
        "VERSION_MISMATCH", "HELLO from a protocol-2.3 host")
    bad("malformed-hello", cobs(frame(0x01, 6, b"\x00\x00")), "MALFORMED_PAYLOAD", "HELLO cut after two bytes")


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def fmt(x):
    """Floats are written with enough digits to round-trip binary32."""
    return repr(f32(x))


def v1_messages():
    message("stats", 0x03, 10, b"", [], "STATS request (no payload)")
    stats = struct.pack("<QIIBBHIIIIIIIQI", 123456789, 1400000, 460000, 1, 0, 0, 1000, 2, 2, 1, 12, 96, 12,
                        987654321, 0xCAFEBABE)
    message("stats-reply", 0x83, 10, stats,
            [("uptime_us", 123456789), ("arena_bytes", 1400000), ("peak_bytes", 460000), ("model_loaded", 1),
             ("frames_ok", 1000), ("frames_rejected", 2), ("errors_sent", 2), ("duplicates", 1), ("batches", 12),
             ("samples", 96), ("steps", 12), ("instructions", 987654321), ("params_crc", "0xCAFEBABE")],
            "STATS_REPLY", credit=1)
    message("reset", 0x04, 11, bytes([0]), [("what", 0)], "RESET: unload the model")
    message("reset-done", 0x84, 11, b"", [], "RESET_DONE", credit=1)

    message("model-begin", 0x10, 20, struct.pack("<II", 9000, 0x12345678), [("size", 9000), ("crc", "0x12345678")],
            "MODEL_BEGIN of a 9000-byte blob")
    message("model-ready", 0x90, 20, b"", [], "MODEL_READY", credit=1)
    chunk = bytes(range(1, 41))
    message("model-chunk", 0x11, 21, struct.pack("<I", 4096) + chunk, [("offset", 4096), ("bytes", chunk.hex())],
            "MODEL_CHUNK of 40 bytes at offset 4096", flags=RETRANSMIT)
    message("chunk-ack", 0x91, 21, struct.pack("<I", 4136), [("received", 4136)], "CHUNK_ACK", credit=1)

    cfg = struct.pack("<BBBBffffffHHfB", 1, 0, 1, 0, 0.001, 0.9, 0.0001, 0.9, 0.999, 1e-8, 8, 4, 0.1, 3) + bytes([0, 4, 2])
    cfg_fields = [("optimizer", 1), ("norm_mode", 0), ("scope", 1), ("learning_rate", fmt(0.001)),
                  ("momentum", fmt(0.9)), ("weight_decay", fmt(0.0001)), ("beta1", fmt(0.9)), ("beta2", fmt(0.999)),
                  ("eps", fmt(1e-8)), ("batch_size", 8), ("norm_groups", 4), ("bn_momentum", fmt(0.1)),
                  ("layer_count", 3), ("layer_scope", "000402")]
    message("model-commit", 0x12, 22, cfg, cfg_fields, "MODEL_COMMIT: Adam, group norm (4 groups), full, layer 1 frozen, layer 2 last")
    message("configure", 0x13, 30, cfg, cfg_fields, "CONFIGURE with the same configuration")
    plan = struct.pack("<IIIIIIIIIQIHHII", 1400000, 441000, 5400000, 7400, 7400, 14800, 411400, 1850, 1850,
                       1203200, 16000, 4, 1, 0x0BADF00D, 64000)
    message("model-plan", 0x92, 22, plan,
            [("arena_bytes", 1400000), ("peak_bytes", 441000), ("naive_bytes", 5400000), ("weight_bytes", 7400),
             ("grad_bytes", 7400), ("optim_bytes", 14800), ("activation_bytes", 411400), ("param_count", 1850),
             ("trainable_count", 1850), ("macs_forward", 1203200), ("input_values", 16000), ("classes", 4),
             ("batch_resident", 1), ("model_crc", "0x0BADF00D"), ("ring_bytes", 64000)],
            "MODEL_PLAN of MI-BMInet-like figures", credit=1)
    message("configure-plan", 0x93, 30, plan,
            [("arena_bytes", 1400000), ("peak_bytes", 441000), ("naive_bytes", 5400000), ("weight_bytes", 7400),
             ("grad_bytes", 7400), ("optim_bytes", 14800), ("activation_bytes", 411400), ("param_count", 1850),
             ("trainable_count", 1850), ("macs_forward", 1203200), ("input_values", 16000), ("classes", 4),
             ("batch_resident", 1), ("model_crc", "0x0BADF00D"), ("ring_bytes", 64000)],
            "MODEL_PLAN answering CONFIGURE (type 0x93)", credit=1)

    message("batch-begin", 0x20, 40, struct.pack("<IBBH", 7, 0, 0, 8), [("batch_id", 7), ("mode", 0), ("count", 8)],
            "BATCH_BEGIN: train batch 7 of 8 samples")
    message("batch-ready", 0xA0, 40, struct.pack("<II", 7, 64000), [("batch_id", 7), ("sample_bytes", 64000)],
            "BATCH_READY", credit=1)
    values = struct.pack("<4f", 1.0, -0.5, 0.0, 3.25)
    message("sample", 0x21, 41, struct.pack("<IHHI", 7, 2, 3, 63984) + values,
            [("batch_id", 7), ("index", 2), ("label", 3), ("offset", 63984), ("bytes", values.hex())],
            "SAMPLE: the last 16 bytes of sample 2 (label 3)")
    message("sample-ack-partial", 0xA1, 42, struct.pack("<IHBBI", 7, 3, 0, 0, 8192),
            [("batch_id", 7), ("index", 3), ("complete", 0), ("received", 8192)], "SAMPLE_ACK: sample 3 not complete yet",
            credit=1)
    probs = [0.125, 0.5, 0.25, 0.125]
    ack = struct.pack("<IHBBIfHQH", 9, 0, 1, 0, 64000, 0.0, 1, 4200000, 4) + struct.pack("<4f", *probs)
    message("sample-ack-predict", 0xA1, 41, ack,
            [("batch_id", 9), ("index", 0), ("complete", 1), ("received", 64000), ("loss", fmt(0.0)), ("predicted", 1),
             ("instructions", 4200000), ("prob_count", 4)] + [(f"probs.{i}", fmt(p)) for i, p in enumerate(probs)],
            "SAMPLE_ACK of a predict-mode sample with probabilities", credit=1)
    message("batch-end", 0x22, 50, struct.pack("<I", 7), [("batch_id", 7)], "BATCH_END of batch 7")

    # The input ring (SPEC.md 3.14) of a 2-row model: samples sample by sample, rows together.
    f32 = struct.pack("<4f", 1.5, -2.0, 0.25, 100.0)
    message("samples-append-f32", 0x24, 70, struct.pack("<BBH", 0, 0, 2) + f32,
            [("format", 0), ("count", 2), ("scales", ""), ("data", f32.hex())],
            "SAMPLES_APPEND: 2 samples of 2 rows as float32")
    f16 = struct.pack("<4H", 0x3E00, 0xC000, 0x0001, 0x7BFF)  # 1.5, -2, the smallest subnormal, 65504
    message("samples-append-f16", 0x24, 71, struct.pack("<BBH", 1, 0, 2) + f16,
            [("format", 1), ("count", 2), ("scales", ""), ("data", f16.hex())],
            "SAMPLES_APPEND: 2 samples of 2 rows as float16")
    scales = struct.pack("<2f", 0.001, 0.5)
    i16 = struct.pack("<4h", 1500, -4, -32768, 32767)
    message("samples-append-i16", 0x24, 72, struct.pack("<BBH", 2, 0, 2) + scales + i16,
            [("format", 2), ("count", 2), ("scales", scales.hex()), ("data", i16.hex())],
            "SAMPLES_APPEND: 2 samples of 2 rows as int16 with a scale per row")
    message("ring-state", 0xA4, 72, struct.pack("<IQ", 500, 123456789012),
            [("filled", 500), ("total", 123456789012)], "RING_STATE: a full ring of 500 samples", credit=1)
    one = struct.pack("<2f", 0.5, -0.5)
    message("predict", 0x25, 73, struct.pack("<BBBH", 1, 0, 0, 1) + one,
            [("flags", 1), ("format", 0), ("count", 1), ("scales", ""), ("data", one.hex())],
            "PREDICT: append one sample of 2 rows, then the forward pass on the standardised window")
    probs = [0.0625, 0.75, 0.125, 0.0625]
    macs = 1203200
    prediction = struct.pack("<HHIQQQQI", 1, 4, 500, 123456789013, 4200000, macs, macs * 5, macs * 5 * 5 // 37000)
    prediction += struct.pack("<4f", *probs)
    message("prediction", 0xA5, 73, prediction,
            [("predicted", 1), ("prob_count", 4), ("filled", 500), ("total", 123456789013), ("instructions", 4200000),
             ("macs", macs), ("est_cycles", macs * 5), ("est_energy_uj", macs * 5 * 5 // 37000)]
            + [(f"probs.{i}", fmt(p)) for i, p in enumerate(probs)],
            "PREDICTION with the probabilities of 4 classes", credit=1)
    confusion = [2, 0, 0, 0, 0, 1, 1, 0, 0, 0, 2, 0, 0, 0, 0, 2]
    result = struct.pack("<IBBHfHHQQQIII", 7, 0, 0, 8, 0.75, 7, 4, 31000000, 28875000, 28875000 * 5, 28875000 * 5 * 5 // 37000, 12, 0xDEADBEEF)
    result += struct.pack("<16H", *confusion)
    message("batch-result", 0xA2, 50, result,
            [("batch_id", 7), ("mode", 0), ("count", 8), ("loss_mean", fmt(0.75)), ("correct", 7), ("classes", 4),
             ("instructions", 31000000), ("macs", 28875000), ("est_cycles", 28875000 * 5), ("est_energy_uj", 28875000 * 5 * 5 // 37000),
             ("step", 12), ("params_crc", "0xDEADBEEF")] + [(f"confusion.{i}", c) for i, c in enumerate(confusion)],
            "BATCH_RESULT of a train batch", credit=1)

    message("weights-read", 0x30, 60, struct.pack("<II", 4096, 4096), [("offset", 4096), ("length", 4096)],
            "WEIGHTS_READ 4096 bytes at 4096")
    w = struct.pack("<3f", 0.5, -1.5, 2.0)
    message("weights-data", 0xB0, 60, struct.pack("<III", 7392, 7404, 0x01020304) + w,
            [("offset", 7392), ("total", 7404), ("crc", "0x01020304"), ("bytes", w.hex())],
            "WEIGHTS_DATA: the last 12 bytes of a 7404-byte section", credit=1)
    message("weights-write", 0x31, 61, struct.pack("<I", 0) + w, [("offset", 0), ("bytes", w.hex())],
            "WEIGHTS_WRITE of 12 bytes at 0")
    message("weights-chunk-ack", 0xB1, 61, struct.pack("<I", 12), [("received", 12)], "CHUNK_ACK of WEIGHTS_WRITE",
            credit=1)
    message("weights-commit", 0x32, 62, struct.pack("<I", 0xA1B2C3D4), [("crc", "0xA1B2C3D4")], "WEIGHTS_COMMIT")
    message("weights-done", 0xB2, 62, struct.pack("<I", 0xA1B2C3D4), [("params_crc", "0xA1B2C3D4")], "WEIGHTS_DONE",
            credit=1)


if __name__ == "__main__":
    main()
