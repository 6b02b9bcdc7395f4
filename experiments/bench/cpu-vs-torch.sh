#!/usr/bin/env bash
# tfjs (wasm) vs PyTorch on this CPU, same shapes, one run: PyTorch CPU references at the `speed` preset's shapes
# (experiments/bench/torch_reference.py, N threads), then `experiments:speed --reference` on the wasm backend,
# whose speed.csv, report and printed table hold tfjs ms/step, PyTorch ms/step and the ratio per model.
#
#   bash experiments/bench/cpu-vs-torch.sh [--threads N] [--preset default|smoke] [--out DIR] [-- extra speed flags]
#
# --threads: PyTorch's thread count, default 1 = what our wasm step uses (wasm runs one thread in Node).
# Installs Debian's python3-torch when /usr/bin/python3 cannot import torch (apt; it installs for /usr/bin/python3,
# not for a python3 earlier on PATH). Writes under --out (default results/cpu-vs-torch/<time>): torch.jsonl,
# torch.err, speed.log and the speed run's folder (speed.csv, manifest, report).
set -euo pipefail
cd "$(dirname "$0")/../.."
threads=1
preset=default
out="results/cpu-vs-torch/$(date -u +%Y%m%dT%H%M%SZ)"
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --preset) preset="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "unknown flag $1 (use --threads N, --preset P, --out DIR, -- speed flags)" >&2; exit 2 ;;
  esac
done
py=/usr/bin/python3
if ! "$py" -c 'import torch' 2>/dev/null; then
  echo "installing Debian's python3-torch for $py"
  apt-get install -y --no-install-recommends python3-torch >/dev/null ||
    { apt-get update >/dev/null && apt-get install -y --no-install-recommends python3-torch >/dev/null; }
fi
mkdir -p "$out"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; PyTorch threads: $threads; $(date -u +%F)" | tee "$out/machine.txt"

# The preset's shapes, from speed.ts itself (model, channels, layers, batch, size, levels per line).
: > "$out/torch.jsonl"
npx tsx experiments/src/speed.ts --preset "$preset" --torch-args "$@" | while read -r args; do
  [[ "$args" == --model* ]] || continue
  # shellcheck disable=SC2086  # the arguments are meant to split
  "$py" experiments/bench/torch_reference.py $args --device cpu --threads "$threads" --steps 20 \
    >> "$out/torch.jsonl" 2>> "$out/torch.err" || echo "torch_reference.py $args failed (see $out/torch.err)"
done
cat "$out/torch.jsonl"

npx tsx experiments/src/speed.ts --preset "$preset" --backends wasm --reference "$out/torch.jsonl" \
  --out "$out" --reports "$out" --run-id speed "$@" 2>&1 | tee "$out/speed.log"
