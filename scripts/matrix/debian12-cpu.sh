#!/usr/bin/env bash
# Build matrix (a): Debian 12, LibTorch 1.13 (CPU), Catch2 v2. The README's test command on
# this machine: install, build everything, run the whole suite. Run as root on a clean
# Debian 12 (CI's machine, or scripts/matrix/chroot.sh bookworm scripts/matrix/debian12-cpu.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/matrix/common.sh
matrix_cpu_entry 12 "(a) Debian 12, LibTorch CPU: whole suite" "$@"
