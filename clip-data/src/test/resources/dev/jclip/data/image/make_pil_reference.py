#!/usr/bin/python3
"""Writes pil_reference.txt: PIL's bicubic resizes and JPEG decode of formula-defined test images.

Run with Debian's python3-pil (PIL 9.4 was used): /usr/bin/python3 make_pil_reference.py
Each line: name width height hex-bytes (RGB interleaved) ; 'jpeg' line carries the encoded file instead.
The Java test rebuilds the source images from the same formula (TestImages.pattern).
"""
import io
from PIL import Image


def pattern(w, h):
    # keep in sync with PilReferenceTest.pattern
    data = bytearray()
    for y in range(h):
        for x in range(w):
            for c in range(3):
                data.append((x * 7 + y * 13 + c * 50 + (x * y) % 17 + ((x // 4 + y // 3) % 2) * 60) % 256)
    return Image.frombytes("RGB", (w, h), bytes(data))


def line(name, img):
    return "%s %d %d %s" % (name, img.width, img.height, img.tobytes().hex())


src = pattern(37, 29)
out = []
out.append(line("down_16x12", src.resize((16, 12), Image.BICUBIC)))
out.append(line("up_80x61", src.resize((80, 61), Image.BICUBIC)))
out.append(line("vert_37x20", src.resize((37, 20), Image.BICUBIC)))
out.append(line("crop_3_2_30_25_to_24x24", src.crop((3, 2, 33, 27)).resize((24, 24), Image.BICUBIC)))
# torchvision Resize(24) + CenterCrop(24): shorter side 29 -> 24, longer int(24 * 37 / 29) = 30, left round(3.0) = 3
r = src.resize((30, 24), Image.BICUBIC)
out.append(line("eval_24", r.crop((3, 0, 27, 24))))
# JPEG: PIL's encoder and decoder (libjpeg-turbo), to measure how close the JDK's decoder comes
big = pattern(64, 48)
buf = io.BytesIO()
big.save(buf, "JPEG", quality=90)
out.append("jpeg_file 64 48 " + buf.getvalue().hex())
out.append(line("jpeg_decoded", Image.open(io.BytesIO(buf.getvalue())).convert("RGB")))
# CMYK JPEG (Adobe marker, inverted): PIL reads it; the JDK's reader refuses it
buf = io.BytesIO()
big.convert("CMYK").save(buf, "JPEG", quality=90)
out.append("cmyk_jpeg_file 64 48 " + buf.getvalue().hex())
out.append(line("cmyk_decoded", Image.open(io.BytesIO(buf.getvalue())).convert("RGB")))
with open("pil_reference.txt", "w") as f:
    f.write("\n".join(out) + "\n")
