#!/usr/bin/env bash
# Each rank reads its part, inside data-parallel training: 2 Gloo ranks pretrain a 1-layer model
# for N updates on a set made by scripts/bench/data_scale.sh, once per data.rank_split, page
# cache dropped first where the machine allows it; rank 0's last lines say the share of the
# token blocks each rank read and the share both read (docs/performance.md, "Data at scale").
# Usage: scripts/bench/rank_blocks.sh [BUILD_DIR] [SIZE_MB] [UPDATES]   (default build 1000 125)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build} mb=${2:-1000} updates=${3:-125}
roberta="$build/roberta"
scale=${DATA_SCALE_DIR:-${TMPDIR:-/tmp}/roberta-data-scale}
shards="$scale/shards-${mb}MB"
[ -x "$roberta" ] || { echo "rank_blocks: $roberta not built" >&2; exit 1; }
[ -s "$shards/dataset.json" ] || { echo "rank_blocks: $shards missing (scripts/bench/data_scale.sh $build $mb)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/roberta-rank-blocks.XXXXXX")
trap 'rm -rf "$work"' EXIT
ln -s "$shards" "$work/train"  # pretraining reads data.shard_dir/train
cat > "$work/config.yaml" <<YAML
model: {layers: 1, hidden: 32, heads: 2, ffn: 64, vocab_size: 50265, dropout: 0.0, attention_dropout: 0.0}
tokenizer: {dir: $PWD/tests/fixtures/tokenizer/roberta}
data: {shard_dir: $work, format: full_sentences, seq_len: 512, workers: 1}
optim: {lr: 1.0e-3}
schedule: {warmup_steps: 2}
batch: {sequences: 32, micro: 16}
train: {max_steps: $updates, log_every: 25, eval_every: 0, save_every: 0, keep_last: 1, device: cpu, tensorboard: false}
YAML
for split in blocks strided; do
  if sync && echo 3 2>/dev/null > /proc/sys/vm/drop_caches; then :; fi
  echo "rank_blocks: $mb MB, $updates updates, data.rank_split $split"
  "$roberta" launch --nproc 2 --threads-per-rank 1 -- pretrain "$work/config.yaml" \
    --set "train.out_dir=$work/run-$split" --set "data.rank_split=$split" 2>&1 | grep -E "data: token blocks|done:"
done
