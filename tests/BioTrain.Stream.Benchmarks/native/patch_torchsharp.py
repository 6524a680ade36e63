#!/usr/bin/env python3
"""Lets TorchSharp's native glue run on a libstdc++ older than GCC 13 (Debian 12).

libLibTorchSharp.so needs one symbol of GLIBCXX_3.4.32, std::ios_base_library_init(). This marks
that version requirement weak (so the loader does not refuse the library when libstdc++ lacks the
version) and makes the glue load glibcxx_compat (which defines the symbol) as a dependency.
Nothing is done when the system's libstdc++ already has GLIBCXX_3.4.32.

usage: patch_torchsharp.py GLUE.so COMPAT.so
"""
import os
import struct
import subprocess
import sys

VERSION = b"GLIBCXX_3.4.32"
VER_FLG_WEAK = 0x2


def libstdcxx_has_version():
    out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if "libstdc++.so.6 " in line and "x86-64" in line:
            path = line.split("=>")[-1].strip()
            with open(path, "rb") as f:
                return VERSION in f.read()
    return False


def mark_weak(path):
    data = bytearray(open(path, "rb").read())
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        sys.exit(f"{path}: not a little-endian 64-bit ELF file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    SHT_GNU_VERNEED = 0x6FFFFFFE
    changed = 0
    for s in sections:
        if s[1] != SHT_GNU_VERNEED:
            continue
        strtab = sections[s[6]]  # sh_link: the string table of the names
        off = s[4]
        while True:
            vn_version, vn_cnt, vn_file, vn_aux, vn_next = struct.unpack_from("<HHIII", data, off)
            aux = off + vn_aux
            for _ in range(vn_cnt):
                vna_hash, vna_flags, vna_other, vna_name, vna_next = struct.unpack_from("<IHHII", data, aux)
                name_at = strtab[4] + vna_name
                name = bytes(data[name_at:data.index(b"\0", name_at)])
                if name == VERSION and not vna_flags & VER_FLG_WEAK:
                    struct.pack_into("<H", data, aux + 4, vna_flags | VER_FLG_WEAK)
                    changed += 1
                if vna_next == 0:
                    break
                aux += vna_next
            if vn_next == 0:
                break
            off += vn_next
    open(path, "wb").write(data)
    return changed


def main():
    glue, compat = sys.argv[1], sys.argv[2]
    if libstdcxx_has_version():
        return
    needed = subprocess.run(["patchelf", "--print-needed", glue], capture_output=True, text=True, check=True).stdout
    name = os.path.basename(compat)
    if name not in needed.split():
        subprocess.run(["patchelf", "--add-needed", name, "--set-rpath", "$ORIGIN", glue], check=True)
    mark_weak(glue)


if __name__ == "__main__":
    main()
