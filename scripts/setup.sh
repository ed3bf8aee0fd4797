#!/usr/bin/env bash
# Installs every dependency from Debian 12 packages (idempotent; run as root) and builds
# into build/. Usage: scripts/setup.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates
  libtorch-dev            # LibTorch 1.13 (CPU), found by find_package(Torch)
  libopenblas0-openmp     # without it every matmul runs on the reference BLAS, 20x slower
  libgloo-dev             # c10d's Gloo backend headers
  libyaml-cpp-dev libfmt-dev nlohmann-json3-dev libcli11-dev libpcre2-dev
  catch2                  # Catch2 v2
  python3-protobuf        # tests: decodes our TensorBoard event files with Google's runtime
  clang libclang-rt-14-dev  # scripts/fuzz.sh: libFuzzer (-fsanitize=fuzzer) and its runtimes
  python3-matplotlib      # scripts/ablate, scripts/plot: loss curves and bar charts (PNG)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing packages: ${missing[*]}; run as root (or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ "${1:-}" = "--no-build" ] && exit 0

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE=Release
fi
cmake --build build --parallel "$(nproc)"
