#!/usr/bin/env bash
# The ablation study (scripts/ablate --gpu, docs/ablations.md) on one GPU, one prepared command
# for the machine scripts/gpu/check.sh is for (pip torch 2.x with CUDA, nvcc, cmake, ninja; no
# network, no apt). Budget: about 8 minutes of study on one H100/H200, not yet measured.
#
# What must travel with the tree (git-ignored; the device tool's `carry`): written on a CPU
# machine by `scripts/corpus/fetch.sh && scripts/ablate --prepare-only` (about a minute), then
#   .gpu-deps  runs/ablations/local/tokenizer  runs/ablations/local/shards
#   runs/ablations/local/masking-shards  runs/ablations/tasks/brown-pos
#   runs/ablations/tasks/debian-section  runs/ablations/tasks/wordnet-synonym
# (7 of carry's 8 paths, 61.6 MiB of its 64 with .gpu-deps' 9 MiB, measured 2026-12-03:
# the 61 MiB corpus text does not fit, so its shards stand in; --prepare-only removes the
# shards' plan caches, ~7 MB per format, and prints the total; the task folder's .cache, 97 MB
# of npm and apt downloads, stays here).
# Builds build-gpu/roberta (configures when build-gpu has no build.ninja, as check.sh does;
# an up-to-date build is a no-op), then runs the study; the report (runs, figures, commands,
# wall times) goes to RESULTS_DIR/ablations.md and each run's metrics.jsonl to
# RESULTS_DIR/runs/. A device call may last 10 minutes: on a fresh machine give the build its
# own call (--build-only, ~3-5 min), then the study; a study cut short resumes where it stopped.
# Usage: scripts/gpu/ablate.sh [--build-only] [RESULTS_DIR]
#        (RESULTS_DIR default: $OUT when set, else build-gpu/ablate)
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
build_only=0
if [ "${1:-}" = --build-only ]; then build_only=1; shift; fi
results=${1:-${OUT:-build-gpu/ablate}}
build=build-gpu
python=${PYTHON:-python3}
mkdir -p "$results"
start=$(date +%s)

for path in runs/ablations/local/tokenizer/merges.txt runs/ablations/local/shards/train/dataset.json \
    runs/ablations/local/masking-shards/train/dataset.json runs/ablations/tasks/brown-pos/task.json \
    runs/ablations/tasks/debian-section/task.json runs/ablations/tasks/wordnet-synonym/task.json; do
  [ -f "$path" ] || { echo "ablate.sh: $path is missing: carry it (see the header of $0)" >&2; exit 1; }
done

. scripts/gpu/env.sh || { echo "ablate.sh: .gpu-deps is missing: run scripts/gpu/fetch-deps.sh on a Debian 12 machine and carry it" >&2; exit 1; }
echo "== build ($build/roberta)"
{ { [ -f "$build/build.ninja" ] || configure; } && cmake --build "$build" --parallel "$(nproc)" --target roberta; } \
  >"$results/build.log" 2>&1 ||
  { tail -30 "$results/build.log"; echo "ablate.sh: the build failed; see $results/build.log" >&2; exit 1; }
[ "$build_only" = 1 ] && { echo "ablate.sh: built in $(( $(date +%s) - start )) s"; exit 0; }

"$python" scripts/ablate --gpu --roberta "$build/roberta" --report "$results/ablations.md" 2>&1 |
  tee "$results/ablate.log"
status=${PIPESTATUS[0]}
mkdir -p "$results/runs"
for m in runs/ablations/gpu/*/metrics.jsonl; do
  [ -f "$m" ] && cp "$m" "$results/runs/$(basename "$(dirname "$m")").jsonl"
done
echo "ablate.sh: $(( $(date +%s) - start )) s in all, study exit $status; report $results/ablations.md"
exit "$status"
