#!/usr/bin/env bash
# Set up (install + build), then run the whole test suite with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cd build
# ctest runs two test processes at once on this 2-core class of machine: one thread each, or
# OpenMP oversubscription makes torch-heavy tests many times slower.
export ROBERTA_THREADS=1 OMP_NUM_THREADS=1
ctest --output-on-failure --parallel "$(nproc)" "$@"
