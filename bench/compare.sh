#!/usr/bin/env bash
# Compares a jclip training step with PyTorch's on this machine, alternating A B A B so that drift in machine load
# hits both alike, and prints one line per configuration and thread count with the medians and their ratio.
#
#   bench/compare.sh [ROUNDS] [CONFIGS...]       e.g. bench/compare.sh 3 small medium rn-tiny
#                                                     bench/compare.sh 1 ViT-B-32 RN50   (presets, batch 8)
#
# Ends with one JSON line of the machine's facts from jclip's bench output (cpu_model, vector_isa, vector_bits,
# cpu_flags_isa, malloc: see docs/PERFORMANCE.md), so that tables from different machines are never mixed up.
# Needs Debian's python3-torch and libopenblas0-openmp (run by /usr/bin/python3). jclip runs through the ./clip
# launcher (its JDK choice, JVM options and thread settings; default JVM options from build/java-options, JCLIP_JAVA_OPTS as there).
# Refuses to run on a busy machine (1-minute load average above 0.5 per core) unless JCLIP_BENCH_FORCE=1.
# JCLIP_BENCH_PRECISION=float32|bf16 (float32): passed to both sides as --precision (PyTorch's bf16 is open_clip's amp_bf16:
# autocast, float32 weights); named in every row and in the JSON line so that bf16 and float32 figures are never mixed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-3}"; shift || true
configs=("${@:-small medium rn-tiny}")
read -r -a configs <<< "${configs[*]}"
declare -A batch=([small]=64 [medium]=128 [rn-tiny]=64 [ViT-B-32]=8 [RN50]=8)
steps="${JCLIP_BENCH_STEPS:-10}"
precision="${JCLIP_BENCH_PRECISION:-float32}"
case "$precision" in
  float32|bf16) ;;
  *) echo "compare.sh: JCLIP_BENCH_PRECISION must be float32 or bf16, not '$precision'" >&2; exit 1 ;;
esac
prec=(); [ "$precision" = float32 ] || prec=(--precision "$precision")   # float32 runs keep their exact command lines

load=$(cut -d' ' -f1 /proc/loadavg); cores=$(nproc)
if [ "${JCLIP_BENCH_FORCE:-0}" != 1 ] && awk -v l="$load" -v c="$cores" 'BEGIN{exit !(l > 0.5*c)}'; then
  echo "compare.sh: load average $load on $cores cores: the machine is busy, timings would be meaningless" >&2
  echo "            (set JCLIP_BENCH_FORCE=1 to run anyway)" >&2
  exit 1
fi
"$root/clip" --help > /dev/null   # builds the jar when it is missing or older than the sources

median() { sort -n | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
field() { python3 -c "import json,sys; print(json.loads(sys.stdin.readline())['$1'])"; }
machine=""

printf "%-8s %-7s %-9s %10s %10s %7s %9s %9s %9s\n" config threads precision jclip_ms torch_ms ratio jclip_rss torch_rss gflops
for cfg in "${configs[@]}"; do
  b=${batch[$cfg]:-64}
  json="$root/bench/configs/$cfg.json"
  [ -f "$json" ] || json="$root/clip-core/src/main/resources/dev/jclip/core/model_configs/$cfg.json"
  for t in 1 2; do
    j=(); p=(); jr=0; pr=0; gf=0
    for ((r = 0; r < rounds; r++)); do
      # through the launcher, so that jclip runs on the JDK and with the JVM options a user gets (Temurin 25 where present)
      out=$(OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=$t OMP_WAIT_POLICY=PASSIVE "$root/clip" \
            bench train --no-blocks --model "$json" --batch-size "$b" --steps "$steps" --threads "$t" "${prec[@]}" 2>/dev/null | tail -1)
      [ -n "$machine" ] || machine=$(echo "$out" | python3 -c "import json,sys; j=json.loads(sys.stdin.readline()); print(json.dumps({'machine': {k: j[k] for k in ('cpu_model', 'vector_isa', 'vector_bits', 'cpu_flags_isa', 'malloc')}, 'precision': sys.argv[1]}))" "$precision")
      [ "$(echo "$out" | field precision)" = "$precision" ] || { echo "compare.sh: clip bench train did not run at $precision" >&2; exit 1; }
      j+=("$(echo "$out" | field median_step_ms)"); jr=$(echo "$out" | field peak_rss_mb); gf=$(echo "$out" | field gflops_per_s)
      # PyTorch gets the launcher's thread settings too: with libgomp's default (spinning) wait policy its 2-thread
      # steps were 2-7x slower here (SMALL 194 ms instead of 29, MEDIUM 1,284 instead of 651: docs/PERFORMANCE.md)
      out=$(OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=$t OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 "$root/bench/pytorch_clip.py" "$json" \
            --batch-size "$b" --steps "$steps" --threads "$t" "${prec[@]}" | tail -1)
      [ "$(echo "$out" | field precision)" = "$precision" ] || { echo "compare.sh: pytorch_clip.py did not run at $precision" >&2; exit 1; }
      p+=("$(echo "$out" | field median_step_ms)"); pr=$(echo "$out" | field peak_rss_mb)
    done
    jm=$(printf "%s\n" "${j[@]}" | median); pm=$(printf "%s\n" "${p[@]}" | median)
    printf "%-8s %-7s %-9s %10.1f %10.1f %7.2f %9s %9s %9s\n" "$cfg" "$t" "$precision" "$jm" "$pm" "$(echo "$jm / $pm" | bc -l)" "$jr" "$pr" "$gf"
  done
done
echo "$machine"
