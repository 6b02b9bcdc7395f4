#!/usr/bin/env bash
# tfjs (wasm) vs PyTorch on this CPU, same shapes, in interleaved rounds: for each model and size of the `speed`
# preset, PyTorch's step (experiments/bench/torch_reference.py, N threads) and then ours (`experiments:speed
# --reference`, the same shape) back to back, so that the machine's drift over minutes hits both sides of a ratio
# alike; R rounds of that, and the median ratio per model (summarize.py).
#
#   bash experiments/bench/cpu-vs-torch.sh [--threads N] [--preset default|smoke] [--rounds R] [--out DIR] [-- extra speed flags]
#
# --threads: PyTorch's thread count, default 1 = what one wasm backend uses (speed runs one thread unless given
# `-- --kernel-threads N`). Installs Debian's python3-torch when /usr/bin/python3 cannot import torch (apt; it installs
# for /usr/bin/python3, not for a python3 earlier on PATH). Writes under --out (default
# results/cpu-vs-torch/<time>): machine.txt, round-<r>/ (torch.jsonl, torch.err, speed.log and one speed run folder
# per model and size: speed.csv with tfjs ms, PyTorch ms and the ratio, manifest, report) and summary.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
threads=1
preset=default
rounds=3
out="results/cpu-vs-torch/$(date -u +%Y%m%dT%H%M%SZ)"
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --preset) preset="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "unknown flag $1 (use --threads N, --preset P, --rounds R, --out DIR, -- speed flags)" >&2; exit 2 ;;
  esac
done
if [ -e "$out" ]; then echo "$out exists: results are never overwritten, pass another --out" >&2; exit 2; fi
py=/usr/bin/python3
if ! "$py" -c 'import torch' 2>/dev/null; then
  echo "installing Debian's python3-torch for $py"
  apt-get install -y --no-install-recommends python3-torch >/dev/null ||
    { apt-get update >/dev/null && apt-get install -y --no-install-recommends python3-torch >/dev/null; }
fi
mkdir -p "$out"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; PyTorch threads: $threads; $(date -u +%F)" | tee "$out/machine.txt"

# The preset's shapes, from speed.ts itself (model, channels, layers, batch, size, levels per line).
mapfile -t shapes < <(npx tsx experiments/src/speed.ts --preset "$preset" --torch-args "$@" | grep '^--model')
for ((r = 1; r <= rounds; r++)); do
  dir="$out/round-$r"
  mkdir -p "$dir"
  for args in "${shapes[@]}"; do
    read -r _ model _ _ _ _ _ _ _ size _ _ <<< "$args"
    # shellcheck disable=SC2086  # the arguments are meant to split
    if ! "$py" experiments/bench/torch_reference.py $args --device cpu --threads "$threads" --steps 20 \
      > "$dir/torch-$model-$size.jsonl" 2>> "$dir/torch.err"; then
      echo "torch_reference.py $args failed (see $dir/torch.err)"
      continue
    fi
    cat "$dir/torch-$model-$size.jsonl" >> "$dir/torch.jsonl"
    npx tsx experiments/src/speed.ts --preset "$preset" --backends wasm --models "$model" --sizes "$size" \
      --reference "$dir/torch-$model-$size.jsonl" --out "$dir" --reports "$dir" --run-id "$model-$size" "$@" \
      2>&1 | grep -v '^Warning\|^    at ' | tee -a "$dir/speed.log" | grep -E ' wasm [0-9]+x'
  done
done
"$py" experiments/bench/summarize.py "$out" | tee "$out/summary.md"
