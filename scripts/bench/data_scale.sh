#!/usr/bin/env bash
# The data path as the corpus grows: corpora of 100 MB, 1 GB and 10 GB made from the bundled
# corpus (corpus/train.txt, its documents reshuffled on every repeat: the text repeats, its
# order does not), each preprocessed, then each step in a process of its own with the page
# cache dropped first (where the machine allows it): the first start (builds the sample plan
# cache), a later start (maps it), loader tokens/s with dynamic masking while blocks are checked
# as first read and once all are checked, `verify-data`'s rate, a resume in the middle of the
# epoch, RSS (anonymous and mapped), and for 2 ranks the share of the token blocks each reads in
# a whole epoch. Prints one Markdown table (docs/performance.md, "Data at scale").
#
# Usage: scripts/bench/data_scale.sh [BUILD_DIR] [SIZE_MB ...]     (default sizes: 100 1000 10000)
# Needs: the `roberta` binary, corpus/train.txt (scripts/corpus/fetch.sh), python3, and disk for
# about 1.7x the largest size under ${DATA_SCALE_DIR:-${TMPDIR:-/tmp}/roberta-data-scale}. The
# corpora are kept between runs; the shards are made again unless DATA_SCALE_REUSE=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
shift || true
sizes=("$@")
((${#sizes[@]})) || sizes=(100 1000 10000)
roberta="$build/roberta"
tokenizer=tests/fixtures/tokenizer/roberta  # GPT-2's 50,265-id vocabulary: uint16 shards
source_text=corpus/train.txt
work=${DATA_SCALE_DIR:-${TMPDIR:-/tmp}/roberta-data-scale}
threads=$(nproc)
[ -x "$roberta" ] || { echo "data_scale: $roberta not built (cmake --build $build --target roberta)" >&2; exit 1; }
[ -s "$source_text" ] || { echo "data_scale: $source_text missing (scripts/corpus/fetch.sh)" >&2; exit 1; }
mkdir -p "$work"

# Whether this machine lets us drop the page cache (root, not in a restricted container).
cold=no
if sync && echo 3 2>/dev/null > /proc/sys/vm/drop_caches; then cold=yes; fi
drop_cache() { if [ "$cold" = yes ]; then sync; echo 3 > /proc/sys/vm/drop_caches; fi; }

make_corpus() {  # $1 = MB, $2 = output file
  python3 - "$source_text" "$1" "$2" <<'PY'
import random, sys
source, mb, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
docs = [d.strip("\n") for d in open(source, encoding="utf-8").read().split("\n\n") if d.strip()]
target, written, rng = mb * 1000 * 1000, 0, random.Random(1)
with open(out, "w", encoding="utf-8") as f:
    while written < target:
        rng.shuffle(docs)
        for d in docs:
            f.write(d + "\n\n")
            written += len(d.encode("utf-8")) + 2
            if written >= target:
                break
PY
}

field() {  # $1 = key, $2 = file: the first number after "key: "
  sed -n "s/^$1: \([0-9.]*\).*/\1/p" "$2" | head -1
}

rows=()
for mb in "${sizes[@]}"; do
  text="$work/corpus-${mb}MB.txt"
  shards="$work/shards-${mb}MB"
  log="$work/log-${mb}MB"
  mkdir -p "$log"
  if [ ! -s "$text" ]; then
    echo "data_scale: writing $text" >&2
    make_corpus "$mb" "$text"
  fi
  if [ "${DATA_SCALE_REUSE:-0}" != 1 ] || [ ! -s "$shards/dataset.json" ] || [ ! -s "$log/preprocess.txt" ]; then
    echo "data_scale: preprocessing ${mb} MB on $threads threads" >&2
    rm -rf "$shards"
    "$roberta" bench data --keep "$shards" --text "$text" --tokenizer "$tokenizer" --threads "$threads" \
      | tee "$log/preprocess.txt" >&2
  fi
  pre_rate=$(sed -n 's/.*= \([0-9.]*\) MB\/s.*/\1/p' "$log/preprocess.txt")
  tokens=$(sed -n 's/.*sentences, \([0-9]*\) tokens.*/\1/p' "$log/preprocess.txt")
  bytes_per_token=$(sed -n 's/.*= \([0-9.]*\) bytes per token.*/\1/p' "$log/preprocess.txt")
  pre_rss=$(field peak_rss_mb "$log/preprocess.txt")

  echo "data_scale: start-up, loader and resume on ${mb} MB" >&2
  rm -rf "$shards/plans"
  drop_cache
  "$roberta" bench data --dataset "$shards" --seq-len 512 --micro 16 --workers "$threads" --seconds 1 \
    | tee "$log/first-start.txt" >&2
  first_build=$(field first_batch_s "$log/first-start.txt")
  drop_cache
  "$roberta" bench data --dataset "$shards" --seq-len 512 --micro 16 --workers "$threads" --seconds 5 --verify \
    | tee "$log/loader.txt" >&2
  first=$(field first_batch_s "$log/loader.txt")
  open_s=$(sed -n 's/.*(open \([0-9.]*\),.*/\1/p' "$log/loader.txt")
  order_s=$(field epoch_order_s "$log/loader.txt")
  rate=$(field loader_tokens_per_s "$log/loader.txt")
  checked_rate=$(field loader_checked_tokens_per_s "$log/loader.txt")
  verify_rate=$(sed -n 's/^verify_s: .*, \([0-9.]*\) GB\/s.*/\1/p' "$log/loader.txt")
  resume=$(field resume_s "$log/loader.txt")
  rss=$(sed -n 's/^rss_loading_mb: \([0-9]*\) anonymous, \([0-9]*\) mapped.*/\1 + \2/p' "$log/loader.txt")

  reads=""
  for split in blocks strided; do
    for rank in 0 1; do
      "$roberta" bench data --dataset "$shards" --seq-len 512 --micro 16 --workers 1 --seconds 0.2 \
        --world-size 2 --rank "$rank" --rank-split "$split" --read-epoch 1 > "$log/read-$split-$rank.txt"
      pct=$(sed -n 's/^blocks_read: .* = \([0-9.]*\)%.*/\1/p' "$log/read-$split-$rank.txt")
      reads+="${reads:+ / }$pct"
    done
    [ "$split" = blocks ] && blocks_reads=$reads && reads=""
  done
  strided_reads=$reads
  rows+=("| $mb MB | $((tokens / 1000000))M | $pre_rate | $pre_rss | $bytes_per_token | $first_build | $first ($open_s; order $order_s) | $rate / $checked_rate | $verify_rate | $resume | $rss | $blocks_reads | $strided_reads |")
done

echo
echo "$(date -u +%Y-%m-%d), $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), page cache dropped before the start-up: $cold"
echo
echo "| corpus | tokens | preprocess MB/s ($threads threads) | preprocess peak RSS MB | disk bytes/token | first start: s to the first batch (builds the plan cache) | later starts: s to the first batch (open; epoch order) | loader tokens/s: first 5 s / every block checked | verify-data GB/s | resume s | loader RSS MB: anonymous + mapped | blocks read per rank, 2 ranks, blocks split (%) | same, strided split (%) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
