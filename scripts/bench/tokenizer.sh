#!/usr/bin/env bash
# Tokenizer benchmark, ours vs Hugging Face tokenizers (node), in two parts:
#  1. 20 MB of dictionary prose (GCIDE, from Debian's dict-gcide): encode at 1 and all threads,
#     training time, merge parity;
#  2. one row per kind of text, 4 MB each, at 1 thread, with `roberta tokenizer encode` as a
#     whole process on the same file: prose (the bundled corpus), code (libstdc++'s headers and
#     Python's standard library), man pages (roff sources of section 1), CJK (Japanese and
#     Chinese man pages), Cyrillic (Russian man pages) and all of them concatenated.
# The texts come from Debian packages, installed here if missing, never committed; bytes that
# are not UTF-8 are dropped (the reference cannot read them) and each file ends at a line end.
# Usage: scripts/bench/tokenizer.sh [BUILD_DIR] [extra `roberta bench tokenizer` options for part 1]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
shift || true
work=${TMPDIR:-/tmp}/roberta-bench-tokenizer-texts
mkdir -p "$work"

need=()
[ -f /usr/share/dictd/gcide.dict.dz ] || need+=(dict-gcide)
[ -d /usr/share/man/ja ] && [ -n "$(find /usr/share/man/ja -name '*.gz' -print -quit)" ] || need+=(manpages-ja)
[ -d /usr/share/man/zh_CN ] || need+=(manpages-zh)
[ -n "$(find /usr/share/man/ru -name '*.gz' -print -quit 2>/dev/null)" ] || need+=(manpages-ru)
[ -d /usr/include/c++ ] || need+=(libstdc++-12-dev)
if ((${#need[@]})); then
  echo "bench: installing ${need[*]} (the benchmark texts)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# $1 = output file, $2 = MB; stdin = text: valid UTF-8 only, whole lines up to $2 MB. The
# producers are stopped by SIGPIPE once enough is taken: not an error (no pipefail here).
set +o pipefail
take() {
  iconv -f utf-8 -t utf-8 -c | python3 -c '
import sys
limit, out, n = int(float(sys.argv[2]) * 1e6), open(sys.argv[1], "wb"), 0
for line in sys.stdin.buffer:
    if n + len(line) > limit: break
    out.write(line); n += len(line)
' "$1" "$2"
}
zcat_all() { find "$@" -name '*.gz' 2>/dev/null | LC_ALL=C sort | xargs -r zcat 2>/dev/null || true; }

gcide=$work/gcide.txt
[ -s "$gcide" ] || { zcat /usr/share/dictd/gcide.dict.dz || true; } | take "$gcide" 25
[ -s "$work/prose.txt" ] || take "$work/prose.txt" 4 < corpus/train.txt
[ -s "$work/code.txt" ] || {
  find /usr/include/c++ -type f | LC_ALL=C sort | head -400 | xargs cat
  find /usr/lib/python3*/ -maxdepth 1 -name '*.py' | LC_ALL=C sort | xargs cat
} 2>/dev/null | take "$work/code.txt" 4
[ -s "$work/man.txt" ] || zcat_all /usr/share/man/man1 | take "$work/man.txt" 4
[ -s "$work/cjk.txt" ] || { zcat_all /usr/share/man/ja; zcat_all /usr/share/man/zh_CN /usr/share/man/zh_TW; } | take "$work/cjk.txt" 4
[ -s "$work/cyrillic.txt" ] || zcat_all /usr/share/man/ru | take "$work/cyrillic.txt" 4
cat "$work"/{prose,code,man,cjk,cyrillic}.txt > "$work/all.txt"
set -o pipefail
for kind in gcide prose code man cjk cyrillic; do
  [ -s "$work/$kind.txt" ] || { echo "bench: could not make the $kind text ($work/$kind.txt is empty)" >&2; exit 1; }
done

if [ ! -d scripts/reference/node_modules/tokenizers ]; then
  (cd scripts/reference && npm install --no-audit --no-fund >/dev/null) || echo "bench: npm install failed; reference skipped" >&2
fi

"$build/roberta" bench tokenizer --text "$gcide" --tokenizer tests/fixtures/tokenizer/gpt2 \
  --mb 20 --train-mb 6 --train-vocab 8000 --reference scripts/reference "$@"
echo
"$build/roberta" bench tokenizer --tokenizer tests/fixtures/tokenizer/gpt2 --reference scripts/reference --mb 25 \
  --text prose="$work/prose.txt" code="$work/code.txt" man="$work/man.txt" cjk="$work/cjk.txt" \
  cyrillic="$work/cyrillic.txt" all="$work/all.txt"
