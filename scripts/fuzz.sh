#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang (ASan + UBSan) and runs each for a while,
# starting from the committed seed corpus (fuzz/corpus/<target>, copied: the tree is never
# written). Fails if any target crashes, leaks, hits a sanitizer report or lets an exception
# other than roberta::Error escape; the reproducer is left in BUILD_DIR/artifacts/.
#
# Usage: scripts/fuzz.sh [-t SECONDS_PER_TARGET] [-b BUILD_DIR] [-j JOBS] [TARGET...]
#   default: 20 s per target, build-fuzz/, every target (name targets to run a subset).
#   None needs LibTorch: fuzz_safetensors drives the header parser that read_safetensors
#   runs before it copies any byte.
# Needs clang and libclang-rt-14-dev (scripts/setup.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=20
build=build-fuzz
jobs=2
while getopts "t:b:j:" opt; do
  case $opt in
    t) seconds=$OPTARG ;;
    b) build=$OPTARG ;;
    j) jobs=$OPTARG ;;
    *) echo "usage: $0 [-t SECONDS] [-b BUILD_DIR] [-j JOBS] [TARGET...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(fuzz_tokenizer_encode fuzz_vocab_files fuzz_dataset_manifest fuzz_config fuzz_safetensors)
fi

command -v clang++ >/dev/null || { echo "fuzz: clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S fuzz -B "$build" "${generator[@]}" "${launcher[@]}" -DCMAKE_CXX_COMPILER=clang++ >/dev/null
fi
cmake --build "$build" --parallel "$jobs" --target "${targets[@]}"

mkdir -p "$build/artifacts"
status=0
summary=()
for t in "${targets[@]}"; do
  work="$build/corpus/$t"
  mkdir -p "$work"
  cp -n fuzz/corpus/"$t"/* "$work"/ 2>/dev/null || true
  log="$build/$t.log"
  echo "fuzz: $t for ${seconds}s"
  # -rss_limit_mb: a parser must not allocate gigabytes for a small hostile file.
  if ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     "$build/$t" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -timeout=60 \
       -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" "$work" >"$log" 2>&1; then
    result=ok
  else
    result=FAILED
    status=1
    grep -E "ERROR|runtime error|terminate|deadly signal|Test unit written" "$log" | head -5 >&2 || true
  fi
  execs=$(grep -Eo "stat::number_of_executed_units: *[0-9]+" "$log" | grep -Eo "[0-9]+$" || echo "?")
  cov=$(grep -Eo "cov: [0-9]+" "$log" | tail -1 | grep -Eo "[0-9]+" || echo "?")
  summary+=("$(printf '%-24s %-6s %10s execs  cov %s' "$t" "$result" "$execs" "$cov")")
done
printf '%s\n' "${summary[@]}"
exit $status
