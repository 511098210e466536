#!/usr/bin/env python3
"""Writes the demo's sample images: 450x450 PNGs (the vendor's minimum size), each a
different flat pattern so the simulator's byte-derived scores differ per person.
Re-running it rewrites the same bytes (no randomness)."""
import os
import struct
import zlib

SIZE = 450
HERE = os.path.dirname(os.path.abspath(__file__))


def png(path, seed):
    rows = []
    for y in range(SIZE):
        row = bytearray([0])  # filter type 0
        for x in range(SIZE):
            # Flat regions compress well: a background of tiles and a round "face".
            inside = (x - 225) ** 2 + ((y - 200) * 0.8) ** 2 < (120 + seed * 3) ** 2
            if inside:
                r, g, b = 224 - seed * 4, 182 + seed * 2, 150
            else:
                tile = (x // (30 + seed) + y // (40 + seed) + seed) % 4
                r, g, b = 40 + tile * 30, 60 + tile * 20, 90 + (seed * 23) % 120
            row += bytes((r, g, b))
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 2, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


for i in range(1, 5):
    png(os.path.join(HERE, "images", f"person{i}-idcard.png"), i)
    png(os.path.join(HERE, "images", f"person{i}-selfie.png"), i + 10)
with open(os.path.join(HERE, "sdk", "okaycam.bin"), "wb") as f:
    f.write(bytes((i * 37 + 11) % 256 for i in range(4096)))
