# Writes transparent.png (8x8 RGBA: black strokes on a transparent background, one half-transparent red pixel)
# with the standard library, then the WebP fixtures with Debian's `webp` package (cwebp 1.2.4):
#   cwebp -quiet -lossless -exact transparent.png -o transparent-lossless.webp
#   cwebp -quiet -q 90 -alpha_q 100 transparent.png -o transparent-lossy.webp
# ImageDecoderTest regenerates the same pixels and compares.
import struct, zlib

W = H = 8
def pixel(x, y):
    if x == 2 or y == 5:
        return (0, 0, 0, 255)          # opaque black stroke
    if (x, y) == (6, 1):
        return (255, 0, 0, 128)        # half-transparent red
    return (0, 0, 0, 0)                # transparent, stored colour black (as most editors write it)

rows = b"".join(b"\0" + bytes(c for x in range(W) for c in pixel(x, y)) for y in range(H))
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 6, 0, 0, 0)) \
    + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
open("transparent.png", "wb").write(png)
