"""Small real image and disguised files for attachment tests (made here, no image library)."""
import struct
import zlib


def png(width: int = 64, height: int = 48, rgb: tuple[int, int, int] = (200, 60, 40)) -> bytes:
    """A valid PNG of one colour with a light stripe (decodable by browsers)."""
    rows = []
    for y in range(height):
        colour = (240, 240, 240) if height // 3 <= y < height // 3 + 4 else rgb
        rows.append(b"\x00" + bytes(colour) * width)
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
JPEG = JPEG_HEAD + bytes(range(256)) * 8  # proven a JPEG by its first bytes (not decodable)
PDF = b"%PDF-1.4\n" + b"0" * 3000
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
