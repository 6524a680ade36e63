#!/usr/bin/env python3
"""Writes protocol/models/refused/*.btm and refused.tsv: model blobs that break one rule of MODEL.md
each, made from the golden selfcheck-tf-4x64.btm by changing one layer record and fixing the CRC,
independently of the C and C# parsers. Both refuse every one of them with the reason listed
(MODEL.md section 6): the C tests (test_models) and the C# tests (GoldenModelTests) check it.

Run from anywhere: python3 protocol/tools/make_refused_models.py
With --check it writes nothing and fails when the committed files differ from what it would write.
"""
import os
import struct
import sys

from make_vectors import crc32c

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "..", "models")
OUT = os.path.join(MODELS, "refused")
SOURCE = "selfcheck-tf-4x64.btm"
HEADER, RECORD = 48, 32

# The source's layers: 0 patch embedding, 1 rope, 2 layer norm, 3 attention (2 heads, width 16,
# rotary table of 8 positions; 8 positions per channel), 4 add (tensor 2), 5 layer norm,
# 6 token linear, 7 GELU, 8 token linear, 9 add (tensor 5), 10 layer norm, 11 token mean,
# 12 linear: tensors 0 (the input) to 13.
# (file, layer, field, value, reason code, reason name, what)
CASES = [
    ("skip-missing", 4, "p0", 14, 4, "skip-missing", "add names tensor 14; the model has tensors 0 to 13"),
    ("skip-later", 4, "p0", 6, 5, "skip-later", "add (layer 4, input tensor 4) names tensor 6, made later"),
    ("skip-self", 4, "p0", 4, 5, "skip-later", "add names its own input, tensor 4"),
    ("skip-shape", 4, "p0", 0, 6, "skip-shape", "add names the model input (1 x 4 x 64), not a 4 x 8 x 16 sequence"),
    ("heads", 3, "p0", 3, 7, "heads", "3 attention heads do not divide the width 16"),
    ("attention-sequence", 3, "p1", 7, 8, "sequence", "8 positions per channel, the attention's rotary table holds 7"),
    ("rope-sequence", 1, "p1", 4, 8, "sequence", "8 positions per channel, the rope's table holds 4"),
    ("unknown-kind", 7, "kind", 99, 2, "unknown-kind", "layer kind 99"),
    ("patch", 0, "p1", 7, 3, "layer", "patches of 7 samples do not divide 64"),
]


def patched(blob: bytes, layer: int, field: str, value: int) -> bytes:
    b = bytearray(blob)
    at = HEADER + layer * RECORD
    if field == "kind":
        b[at] = value
    else:
        struct.pack_into("<H", b, at + 4 + 2 * int(field[1:]), value)
    struct.pack_into("<I", b, len(b) - 4, crc32c(bytes(b[:-4])))
    return bytes(b)


def main():
    check = "--check" in sys.argv[1:]
    with open(os.path.join(MODELS, SOURCE), "rb") as f:
        source = f.read()
    files = {}
    tsv = ["# Blobs every parser must refuse (MODEL.md section 6), made by protocol/tools/make_refused_models.py",
           "# from " + SOURCE + " by changing one layer record.",
           "# file\treason\treason_name\twhat"]
    for name, layer, field, value, code, reason, what in CASES:
        files[os.path.join(OUT, name + ".btm")] = patched(source, layer, field, value)
        tsv.append(f"{name}.btm\t{code}\t{reason}\t{what}")
    files[os.path.join(MODELS, "refused.tsv")] = ("\n".join(tsv) + "\n").encode()
    bad = []
    for path, data in files.items():
        if check:
            try:
                with open(path, "rb") as f:
                    if f.read() != data:
                        bad.append(path)
            except OSError:
                bad.append(path)
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
    if bad:
        print("differ from the generator: " + ", ".join(os.path.relpath(p, MODELS) for p in bad))
        sys.exit(1)


if __name__ == "__main__":
    main()
