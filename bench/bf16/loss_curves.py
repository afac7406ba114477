#!/usr/bin/env python3
"""bf16 against float32 over a training run (issue 23): reads the metrics.jsonl of runs named <precision>-s<seed>
(float32-s0, float32-s1, bf16-s0, bf16-s1) under RUNS_DIR and prints, per pair, the final loss (mean of the last
LAST steps, and the last step's) and the mean absolute difference of the loss curves, per step and smoothed over a
trailing window of WINDOW steps. The yardstick of "no further from float32 than float32 is from itself" is the
float32 pair with different seeds (another initialisation, data order and augmentation).

Usage: python3 bench/bf16/loss_curves.py RUNS_DIR [--last 20] [--window 20]
"""
import argparse, json, os, statistics


def losses(path):
    out = {}
    with open(os.path.join(path, "metrics.jsonl")) as f:
        for line in f:
            j = json.loads(line)
            if "loss" in j and "step" in j:
                out[j["step"]] = j["loss"]
    return [out[s] for s in sorted(out)]


def smooth(xs, w):
    return [statistics.fmean(xs[max(0, i - w + 1):i + 1]) for i in range(len(xs))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs")
    ap.add_argument("--last", type=int, default=20)
    ap.add_argument("--window", type=int, default=20)
    a = ap.parse_args()
    runs = {n: losses(os.path.join(a.runs, n)) for n in ("float32-s0", "float32-s1", "bf16-s0", "bf16-s1")
            if os.path.exists(os.path.join(a.runs, n, "metrics.jsonl"))}
    for n, xs in runs.items():
        print(f"{n:11s} steps {len(xs)}  final loss (mean of last {a.last}) {statistics.fmean(xs[-a.last:]):.4f}"
              f"  last step {xs[-1]:.4f}")
    pairs = [("bf16-s0", "float32-s0"), ("bf16-s1", "float32-s1"), ("float32-s1", "float32-s0"), ("bf16-s1", "bf16-s0")]
    for x, y in pairs:
        if x not in runs or y not in runs:
            continue
        p, q = runs[x], runs[y]
        n = min(len(p), len(q))
        raw = statistics.fmean(abs(p[i] - q[i]) for i in range(n))
        sp, sq = smooth(p[:n], a.window), smooth(q[:n], a.window)
        sm = statistics.fmean(abs(sp[i] - sq[i]) for i in range(n))
        fx, fy = statistics.fmean(p[n - a.last:n]), statistics.fmean(q[n - a.last:n])
        print(f"{x} vs {y}: final loss {100 * (fx - fy) / fy:+.2f}%  mean |difference| per step {raw:.4f},"
              f" smoothed over {a.window} steps {sm:.4f}")
    print(json.dumps({n: [round(v, 5) for v in xs] for n, xs in runs.items()}), file=open(os.path.join(a.runs, "loss_curves.json"), "w"))


if __name__ == "__main__":
    main()
