#!/usr/bin/env bash
# Issue #6's GPU measurement in one run: PyTorch eager (torch_reference.py) and `experiments:speed --preset gpu`
# on the same GPU, same shapes (batch 64, 28x28, Q = 256, fp32, 64 channels, 8 layers), ratios per row.
#
# On a GPU host with Node and this repo installed:      bash experiments/gpu/h200-speed.sh TORCH_REFERENCE.py
# From a machine without Node, through a bare GPU host: bash ../shared/gpu-host/prepare.sh --with-node-modules
#   here, carry .gpu-host, and there run:               source .gpu-host/setup.sh; bash experiments/gpu/h200-speed.sh
# Writes under $OUT (default results/gpu-speed): torch.jsonl, speed.log, and the speed run's CSV and report.
set -uo pipefail
reference_py="${1:-.gpu-host/torch_reference.py}"
out="${OUT:-results/gpu-speed}"
mkdir -p "$out"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"

: > "$out/torch.jsonl"
for model in gated pixelcnn row-lstm diagonal-bilstm; do
  # PyTorch first, while the GPU is otherwise idle; a failed model is logged and skipped, not fatal.
  timeout 120 python3 "$reference_py" --model "$model" --steps 20 >> "$out/torch.jsonl" 2>> "$out/torch.err" ||
    echo "torch_reference.py --model $model failed (see $out/torch.err)"
done
cat "$out/torch.jsonl"

# webgpu only: wasm at these shapes takes ~10 s a step (see the README), tfjs-node-gpu is used when installed.
timeout 420 npx tsx experiments/src/speed.ts --preset gpu --backends tensorflow,webgpu \
  --reference "$out/torch.jsonl" --out "$out" --reports "$out" --run-id speed 2>&1 | tee "$out/speed.log"
