#!/usr/bin/env bash
# The GPU check, one prepared command for a single-GPU Linux machine with no network that has
# python3 with torch 2.x (CUDA), transformers, nvcc, cmake and ninja, but none of yaml-cpp,
# CLI11, nlohmann-json, PCRE2 or Catch2: those come from .gpu-deps (scripts/gpu/fetch-deps.sh,
# run beforehand on a Debian 12 machine; the folder travels with the tree). It builds only what
# it runs and writes every result into one Markdown file:
#   1. configure against the pip torch's LibTorch (build matrix entry (d)), build roberta and
#      the [cuda] tests;
#   2. the [cuda] tests;
#   3. 50 steps of the tiny preset on a one-rank NCCL process group (bf16);
#   4. transformers both ways: export-hf of step 3's checkpoint loads in transformers and gives
#      roberta's fill-mask top-5; a transformers-initialised model through import-hf gives
#      transformers' top-5;
#      and transformers' golden logits of a tiny model as a fixture for the CPU tests;
#   5. roberta bench train next to transformers' RobertaForMaskedLM training step (SDPA, bf16,
#      fused AdamW) on the same card in the same run: roberta-base and roberta-large, seq 512.
# Usage: scripts/gpu/check.sh [RESULTS_DIR]   (default: $OUT when set, else build-gpu/results)
# Budget: about 8 minutes on one H100/H200 with 16 cores. Each step's failure is recorded and the
# next step still runs; the exit status is non-zero when any step failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
results=${1:-${OUT:-build-gpu/results}}
mkdir -p "$results"
report=$results/gpu-check.md
build=build-gpu
python=${PYTHON:-python3}
jobs=$(nproc)
failed=0
start_all=$(date +%s)

note() { echo "$*" | tee -a "$report"; }
# step NAME COMMAND...: runs it with its output in $results/NAME.log, a row in the report.
step() {
  local name=$1; shift
  local t0=$(date +%s)
  echo "== $name: $*"
  if "$@" >"$results/$name.log" 2>&1; then local status=ok; else local status="FAILED ($?)"; failed=1; fi
  echo "| $name | $status | $(( $(date +%s) - t0 )) s | \`$name.log\` |" >>"$results/steps.md"
  echo "   $status in $(( $(date +%s) - t0 )) s"
  tail -5 "$results/$name.log"
}

: >"$results/steps.md"
{
  echo "# GPU check, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- card: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo 'nvidia-smi unavailable')"
  echo "- $( $python -c 'import torch, transformers; print("torch", torch.__version__, "CUDA", torch.version.cuda, "| transformers", transformers.__version__)' 2>&1)"
  echo "- nvcc: $(nvcc --version 2>/dev/null | tail -1); cmake: $(cmake --version | head -1); cores: $jobs"
  echo
} >"$report"

. scripts/gpu/env.sh ||
  { note "- **.gpu-deps missing**: run scripts/gpu/fetch-deps.sh on a Debian 12 machine first"; exit 1; }
step configure configure
grep -h "roberta: " "$results/configure.log" | sed 's/^-- /- configure: /' >>"$report"
step build cmake --build "$build" --parallel "$jobs" --target roberta test_cuda
bin=$build/roberta

step cuda_tests "$build/tests/test_cuda" --reporter console --durations yes "[cuda]"
grep -E "test cases|assertions|SKIPPED" "$results/cuda_tests.log" | sed 's/^/    /' >>"$results/steps.md"

# 3. The tiny preset for 50 steps on a one-rank NCCL group (dist.backend named explicitly).
work=$build/work
rm -rf "$work"; mkdir -p "$work"
tiny() {
  "$bin" preprocess --quiet --input tests/fixtures/data/brown_sample.txt --output "$work/shards/train" \
    --tokenizer tests/fixtures/tokenizer/roberta &&
  printf 'preset: tiny\nname: gpu-check-tiny\n' >"$work/tiny.yaml" &&
  "$bin" pretrain "$work/tiny.yaml" --set data.shard_dir="$work/shards" --set tokenizer.dir=tests/fixtures/tokenizer/roberta \
    --set data.seq_len=128 --set batch.sequences=32 --set batch.micro=32 --set train.max_steps=50 \
    --set train.log_every=10 --set train.eval_every=0 --set train.out_dir="$work/tiny" --set train.device=cuda \
    --set train.precision=bf16 --set dist.backend=nccl --set dist.timeout_s=120
}
step tiny_nccl tiny
grep -E "^pretrain:|^done:" "$results/tiny_nccl.log" | sed 's/^/    /' >>"$results/steps.md"

# transformers' own golden logits for tests/roberta/tasks/huggingface_test.cpp: commit the folder
# $results/hf_golden as tests/fixtures/model/hf_golden (the CPU test skips until it is there).
step hf_golden "$python" scripts/reference/make_hf_golden.py "$results/hf_golden"
step transformers_interop "$python" scripts/reference/check_hf_masked_lm.py --binary "$bin" --work "$work/hf" \
  --checkpoint "$work/tiny/checkpoint-last"
grep -E "PASSED|FAILED" "$results/transformers_interop.log" | sed 's/^/    /' >>"$results/steps.md"

# 5. Speed: ours and transformers' RobertaForMaskedLM step, interleaved, same card.
bench() {
  local preset=$1 batch=$2
  "$python" scripts/bench/train_table.py --binary "$bin" --config "configs/presets/$preset.yaml" \
    --set train.device=cuda train.precision=bf16 --device cuda --bf16 --hf-transformers --python "$python" \
    --batch "$batch" --seq-len 512 --rounds 2 --steps 10 --warmup 3 --matmul-size 8192 --threads 4 --markdown
}
step bench_base bench roberta-base 32
step bench_large bench roberta-large 16

{
  echo
  echo "## Steps"
  echo
  echo "| step | status | time | log |"
  echo "|---|---|---|---|"
  cat "$results/steps.md"
  for b in base large; do
    echo
    echo "## roberta-$b, seq 512, bf16 (MFU against the measured 8192^3 bf16 matmul; H100/H200 spec peak 989 TFLOP/s)"
    echo
    grep -E "^\||^shape" "$results/bench_$b.log" || echo "(no table: see bench_$b.log)"
  done
  echo
  echo "Total $(( $(date +%s) - start_all )) s; $([ $failed = 0 ] && echo 'every step passed' || echo 'SOME STEPS FAILED')."
} >>"$report"
cat "$report"
exit $failed
