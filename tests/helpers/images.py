"""Image bytes for the tests: the smallest files of each kind, and real PNG files from zlib/struct alone with their
header read back, so no imaging library is needed."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

SIGNATURE = b"\x89PNG\r\n\x1a\n"

# The smallest files that really are what they claim.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc000000301010018dd8db00000000049454e44ae426082"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'
XML_SVG = b'<?xml version="1.0"?>\n<!-- made by hand -->\n<svg xmlns="http://www.w3.org/2000/svg"/>'


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
