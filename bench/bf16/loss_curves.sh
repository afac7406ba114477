#!/usr/bin/env bash
# precision bf16 against float32 over 300 steps of the demo's recipe (issue 23; docs/PERFORMANCE.md, "precision bf16"):
# the demo's data, vocabulary and model (RN-demo, or the demo preset named), its training options (batch 128, lr 1e-3,
# cosine, warmup 30, augmentation), float32 and bf16 at seeds 0 and 1, then bench/bf16/loss_curves.py over the four runs.
#   bench/bf16/loss_curves.sh [DIR (runs/bf16-loss)] [THREADS (2)] [DEMO_MODEL (the demo's default)]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="$(mkdir -p "${1:-runs/bf16-loss}" && cd "${1:-runs/bf16-loss}" && pwd)"
threads="${2:-2}"
model=(); [ -z "${3:-}" ] || model=(--model "$3")
# a 10-step demo writes the shards, the learned vocabulary, the model JSON and config.json
[ -f "$dir/demo/config.json" ] || "$root/clip" demo --output "$dir/demo" --steps 10 "${model[@]}"
python3 - "$dir" "$threads" <<'PY'
import json, sys
d, threads = sys.argv[1], int(sys.argv[2])
demo = json.load(open(f"{d}/demo/config.json"))
keep = ["model", "train-data", "vocab", "batch-size", "workers", "alpha-background", "aug-cfg", "lr", "wd", "lr-scheduler"]
for precision in ("float32", "bf16"):
    for seed in (0, 1):
        c = {k: demo[k] for k in keep}
        c.update({"steps": 300, "warmup": 30, "log-every": 1, "checkpoint-every": 300, "keep-checkpoints": 1,
                  "output": f"{d}/{precision}-s{seed}", "precision": precision, "seed": seed, "threads": threads})
        json.dump(c, open(f"{d}/{precision}-s{seed}.json", "w"), indent=1)
PY
for n in float32-s0 bf16-s0 float32-s1 bf16-s1; do
  [ -f "$dir/$n/model.safetensors" ] || "$root/clip" train --config "$dir/$n.json" > "$dir/$n.log" 2>&1
done
python3 "$root/bench/bf16/loss_curves.py" "$dir"
