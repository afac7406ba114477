#!/usr/bin/env python3
"""Writes clip-eval/src/test/resources/dev/jclip/eval/resize_pillow.json: Pillow's bicubic resize + centre crop
(CLIP's evaluation transform, as torchvision does it on PIL images) of small synthetic RGB images.

Input pixel (x, y, c) = (3*x*x + 17*y + 71*c + x*y) % 256, so the Java test regenerates the inputs itself.
Run with Debian's python (python3-pil):  /usr/bin/python3 clip-eval/src/test/python/make_resize_fixture.py
"""
import json
import os

import numpy as np
import PIL
from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "dev", "jclip", "eval", "resize_pillow.json")
CASES = [(37, 23, 16), (64, 40, 10), (7, 9, 16), (20, 45, 12), (30, 30, 8)]  # (width, height, size)


def synthetic(w, h):
    y, x = np.mgrid[0:h, 0:w]
    planes = [(3 * x * x + 17 * y + 71 * c + x * y) % 256 for c in range(3)]
    return Image.fromarray(np.stack(planes, axis=-1).astype(np.uint8), "RGB")


cases = []
for w, h, size in CASES:
    img = synthetic(w, h)
    if w <= h:
        nw, nh = size, int(size * h / w)
    else:
        nw, nh = int(size * w / h), size
    r = img.resize((nw, nh), Image.BICUBIC)
    top, left = int(round((nh - size) / 2.0)), int(round((nw - size) / 2.0))
    crop = np.asarray(r.crop((left, top, left + size, top + size)))
    cases.append({"width": w, "height": h, "size": size, "rgb": crop.transpose(2, 0, 1).reshape(3, -1).tolist()})

tmp = OUT + ".tmp"
with open(tmp, "w") as f:
    json.dump({"generator": "clip-eval/src/test/python/make_resize_fixture.py", "pillow_version": PIL.__version__,
               "cases": cases}, f, separators=(",", ":"))
os.replace(tmp, OUT)
print("wrote", OUT, os.path.getsize(OUT), "bytes")
