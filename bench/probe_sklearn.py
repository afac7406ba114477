#!/usr/bin/python3
"""scikit-learn's side of the full Fashion-MNIST raw-pixel probe (docs/EVALUATION.md).

Fits LogisticRegression(solver="lbfgs", C=C) on the same features `clip eval linear-probe --pixels` uses (pixels
scaled to 0..1, each image L2-normalised; all 60,000 training images, no validation split: the C given is the one
jclip's search chose) and prints one JSON line with the test accuracy, the iterations and the CPU time.

    /usr/bin/python3 bench/probe_sklearn.py --C 17.78 [--dir /usr/share/datasets/fashion-mnist] [--max-iter 1000] [--tol 1e-6]

Needs Debian's python3-sklearn (1.2) and dataset-fashion-mnist.
"""
import argparse
import gzip
import json
import os
import resource
import time

import numpy as np
from sklearn.linear_model import LogisticRegression


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def features(images):
    x = images.reshape(len(images), -1).astype(np.float64) / 255.0
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--C", type=float, required=True)
    p.add_argument("--dir", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--max-iter", type=int, default=1000)
    p.add_argument("--tol", type=float, default=1e-6)
    a = p.parse_args()
    x = features(idx(os.path.join(a.dir, "train-images-idx3-ubyte.gz")))
    y = idx(os.path.join(a.dir, "train-labels-idx1-ubyte.gz"))
    tx = features(idx(os.path.join(a.dir, "t10k-images-idx3-ubyte.gz")))
    ty = idx(os.path.join(a.dir, "t10k-labels-idx1-ubyte.gz"))
    cpu0, wall0 = time.process_time(), time.time()
    m = LogisticRegression(solver="lbfgs", C=a.C, max_iter=a.max_iter, tol=a.tol).fit(x, y)
    cpu, wall = time.process_time() - cpu0, time.time() - wall0
    print(json.dumps({
        "C": a.C, "train": len(y), "test": len(ty),
        "test_accuracy": float((m.predict(tx) == ty).mean()),
        "train_accuracy": float((m.predict(x) == y).mean()),
        "iterations": int(m.n_iter_[0]), "max_iter": a.max_iter, "tol": a.tol,
        "fit_cpu_s": round(cpu, 1), "fit_wall_s": round(wall, 1),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }))


if __name__ == "__main__":
    main()
