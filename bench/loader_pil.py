#!/usr/bin/python3
"""PIL's side of the loader comparison at real image sizes (docs/PERFORMANCE.md, "Data loader against PIL").

    /usr/bin/python3 bench/loader_pil.py make DIR     # writes the reproducible test set (seeded): JPEG and RGBA PNG, 0.5-4 MP
    /usr/bin/python3 bench/loader_pil.py time DIR [--repeats 3] [--image-size 224]

`time` does what `clip bench loader --files DIR --eval` does, on one thread, files read into memory first: decode,
composite transparent pixels onto white, resize the shorter side to 224 (bicubic), centre-crop, scale to 0..1 and
normalise with CLIP's mean and standard deviation into a float32 CHW array (open_clip's eval transform on PIL).
Prints one JSON line per format with CPU milliseconds per image (best of the repeats after a warm-up pass).
Needs Debian's python3-pil and python3-numpy.
"""
import argparse
import io
import json
import os
import time

import numpy as np
from PIL import Image

MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)
# width x height: 0.48, 0.79, 1.92, 3.15 and 3.98 megapixels, landscape and portrait
SIZES = [(800, 600), (1024, 768), (1200, 1600), (2048, 1536), (1728, 2304)]


def make(folder, per_size=4):
    """Photo-like content: smooth colour fields, soft shapes and sensor-like noise (so JPEG and PNG compress as photos do)."""
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(23)
    n = 0
    for w, h in SIZES:
        for _ in range(per_size):
            yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
            img = np.zeros((h, w, 3), np.float32)
            for c in range(3):
                fx, fy, ph = rng.uniform(0.5, 4, 2).tolist() + [rng.uniform(0, 6.3)]
                img[..., c] = 128 + 90 * np.sin(xx / w * fx * 6.3 + ph) * np.cos(yy / h * fy * 6.3)
            for _ in range(12):
                cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.03, 0.2) * min(w, h)
                mask = np.clip(1.5 - np.hypot(xx - cx, yy - cy) / r, 0, 1)[..., None]
                img = img * (1 - mask) + mask * rng.uniform(0, 255, 3).astype(np.float32)
            img += rng.normal(0, 6, img.shape).astype(np.float32)
            rgb = np.clip(img, 0, 255).astype(np.uint8)
            Image.fromarray(rgb).save(os.path.join(folder, f"img{n:03d}.jpg"), quality=90)
            alpha = np.clip(255 * (1.2 - np.hypot(xx / w - 0.5, yy / h - 0.5) * 2), 0, 255).astype(np.uint8)
            Image.fromarray(np.dstack([rgb, alpha]), "RGBA").save(os.path.join(folder, f"img{n:03d}.png"))
            n += 1


def transform(data, size):
    im = Image.open(io.BytesIO(data))
    im.load()
    if im.mode in ("RGBA", "LA") or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        white = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, im)
    im = im.convert("RGB")
    t_decoded = time.process_time()
    w, h = im.size
    scale = size / min(w, h)
    im = im.resize((max(size, round(w * scale)), max(size, round(h * scale))), Image.BICUBIC)
    left, top = (im.width - size) // 2, (im.height - size) // 2
    im = im.crop((left, top, left + size, top + size))
    x = (np.asarray(im, dtype=np.float32) / 255.0 - MEAN) / STD
    return t_decoded, np.ascontiguousarray(x.transpose(2, 0, 1))


def time_folder(folder, repeats, size):
    formats = {}
    for name in sorted(os.listdir(folder)):
        ext = name.lower().rsplit(".", 1)[-1]
        fmt = "png" if ext == "png" else "jpg" if ext in ("jpg", "jpeg") else None
        if fmt:
            with open(os.path.join(folder, name), "rb") as f:
                formats.setdefault(fmt, []).append(f.read())
    for fmt, files in formats.items():
        best_decode = best_transform = float("inf")
        pixels = 0
        for rep in range(repeats + 1):
            decode = resize = 0.0
            pixels = 0
            for data in files:
                t0 = time.process_time()
                t1, _ = transform(data, size)
                t2 = time.process_time()
                decode += t1 - t0
                resize += t2 - t1
                with Image.open(io.BytesIO(data)) as im:
                    pixels += im.width * im.height
            if rep > 0:
                best_decode = min(best_decode, decode * 1000 / len(files))
                best_transform = min(best_transform, resize * 1000 / len(files))
        print(json.dumps({"bench": "pil", "format": fmt, "files": len(files),
                          "mean_megapixels": round(pixels / 1e6 / len(files), 2),
                          "decode_cpu_ms_per_image": round(best_decode, 2),
                          "resize_center_crop_cpu_ms_per_image": round(best_transform, 2),
                          "images_per_cpu_s": round(1000 / (best_decode + best_transform), 2)}))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["make", "time"])
    p.add_argument("folder")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--image-size", type=int, default=224)
    a = p.parse_args()
    if a.command == "make":
        make(a.folder)
    else:
        time_folder(a.folder, a.repeats, a.image_size)


if __name__ == "__main__":
    main()
