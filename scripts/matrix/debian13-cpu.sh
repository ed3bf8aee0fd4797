#!/usr/bin/env bash
# Build matrix (b): Debian 13, LibTorch 2.6 (CPU), Catch2 v3, GCC 14, CMake 3.31. The README's
# test command on this machine: install, build everything, run the whole suite. Run as root on
# a clean Debian 13 (scripts/matrix/chroot.sh trixie scripts/matrix/debian13-cpu.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/matrix/common.sh
matrix_cpu_entry 13 "(b) Debian 13, LibTorch CPU: whole suite" "$@"
