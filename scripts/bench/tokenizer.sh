#!/usr/bin/env bash
# Tokenizer benchmark: ours vs Hugging Face tokenizers (node) on the same 20 MB of dictionary
# text (GCIDE, from Debian's dict-gcide; installed here if missing, never committed).
# Usage: scripts/bench/tokenizer.sh [BUILD_DIR] [extra `roberta bench tokenizer` options]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
shift || true

gcide=/usr/share/dictd/gcide.dict.dz
if [ ! -f "$gcide" ]; then
  echo "bench: installing dict-gcide (the benchmark text)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dict-gcide >/dev/null
fi
text=${TMPDIR:-/tmp}/roberta-bench-gcide.txt
# GCIDE has a few non-UTF-8 bytes; the reference cannot read them, so both get them removed.
if [ ! -s "$text" ]; then  # zcat is stopped by head's SIGPIPE: not an error
  { zcat "$gcide" || true; } | head -c 25000000 | iconv -f utf-8 -t utf-8 -c > "$text"
fi

if [ ! -d scripts/reference/node_modules/tokenizers ]; then
  (cd scripts/reference && npm install --no-audit --no-fund >/dev/null) || echo "bench: npm install failed; reference skipped" >&2
fi

"$build/roberta" bench tokenizer --text "$text" --tokenizer tests/fixtures/tokenizer/gpt2 \
  --mb 20 --train-mb 6 --train-vocab 8000 --reference scripts/reference "$@"
