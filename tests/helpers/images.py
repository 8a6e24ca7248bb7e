"""Real PNG files from zlib/struct alone, and their header read back, so no imaging library is needed."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def write_png(path: Path, width: int, height: int) -> None:
    """An RGB gradient of the given size (a 3000x2000 one is about 1 MB)."""
    rows = bytearray()
    for y in range(height):
        shade = 40 + y * 180 // height
        rows += b"\x00" + bytes((shade, 90, 200 - shade // 2)) * width

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows), 6)) + chunk(b"IEND", b"")
    )


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which must come first."""
    data = path.read_bytes()[:24]
    assert data[:8] == SIGNATURE and data[12:16] == b"IHDR", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def png_top_left(path: Path) -> tuple[int, int, int]:
    """The first pixel's RGB: every PNG row filter leaves the first pixel of the first row as stored."""
    data = path.read_bytes()
    pos, idat = 8, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        tag = data[pos + 4 : pos + 8]
        if tag == b"IHDR":
            bit_depth, colour_type = data[pos + 16], data[pos + 17]
            assert bit_depth == 8 and colour_type in (2, 6), f"{path}: unexpected PNG format"
        elif tag == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    first = zlib.decompressobj().decompress(idat, 4)
    return first[1], first[2], first[3]
