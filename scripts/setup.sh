#!/usr/bin/env bash
# Installs every dependency from Debian packages (idempotent; run as root) and builds into
# build/. Debian 12 (LibTorch 1.13, Catch2 v2) and Debian 13 (LibTorch 2.6, Catch2 v3).
# Usage: scripts/setup.sh [--no-build] [--cuda] [--target TARGET]
#   --target T   build only T (scripts/demo.sh builds `roberta`, not the tests); default: all
#   --cuda   Debian 13: the CUDA LibTorch (contrib libtorch-cuda-dev + libnccl-dev, non-free
#            nvidia-cuda-toolkit) instead of the CPU one; they replace libtorch-dev/libgloo-dev.
#            Needs contrib and non-free in the apt sources, and cuDNN (nvidia-cudnn downloads it).
#            Without Debian packages (a pip torch), see docs/distributed.md "Building for GPUs".
set -euo pipefail
cd "$(dirname "$0")/.."

build=1 cuda=0 target=()
while (($#)); do
  case "$1" in
    --no-build) build=0 ;;
    --cuda) cuda=1 ;;
    --target) shift; target=(--target "${1:?--target needs a target name}") ;;
    *) echo "setup: unknown argument '$1' (expected --no-build, --cuda or --target T)" >&2; exit 2 ;;
  esac
  shift
done

debian=$(. /etc/os-release 2>/dev/null && echo "${VERSION_ID:-}")
case "$debian" in
  12) clang_rt=libclang-rt-14-dev ;;     # libFuzzer's runtime for clang 14
  13) clang_rt=libclang-rt-dev ;;        # clang 19's
  *) echo "setup: expected Debian 12 or 13 (/etc/os-release VERSION_ID), found '${debian:-nothing}';" \
          "install the equivalents of the packages below by hand, then build as the README says" >&2
     exit 1 ;;
esac
torch=(libtorch-dev libgloo-dev)        # LibTorch (CPU), found by find_package(Torch); c10d's Gloo
if ((cuda)); then
  if [ "$debian" != 13 ]; then
    echo "setup: --cuda expects Debian 13 (libtorch-cuda-dev is in its contrib), found Debian $debian" >&2
    exit 1
  fi
  torch=(libtorch-cuda-dev libgloo-cuda-dev libnccl-dev nvidia-cuda-toolkit)
fi

packages=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates
  "${torch[@]}"
  libopenblas0-openmp     # without it every matmul runs on the reference BLAS, 20x slower
  libyaml-cpp-dev libfmt-dev nlohmann-json3-dev libcli11-dev libpcre2-dev
  python3-matplotlib      # scripts/ablate, scripts/plot: loss curves and bar charts (PNG)
)
# What only the tests need; `--target roberta` (the demo) goes without them.
if ((${#target[@]} == 0)); then
  packages+=(
    catch2                # Catch2 v2 on Debian 12, v3 on 13 (tests/catch.h hides which)
    python3-protobuf      # tests: decodes our TensorBoard event files with Google's runtime
    clang "$clang_rt"     # scripts/fuzz.sh: libFuzzer (-fsanitize=fuzzer) and its runtimes
  )
fi

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

# libtorch-dev also pulls in libopenblas0-pthread, which wins Debian's BLAS alternatives: its
# own threads then fight LibTorch's OpenMP threads for the cores (the demo measured 1.9k
# tokens/s against 3.9k on a fresh machine). Point the runtime BLAS at the OpenMP build.
multiarch=$(gcc -print-multiarch)
for lib in libblas.so.3 liblapack.so.3 libopenblas.so.0; do
  choice=/usr/lib/$multiarch/openblas-openmp/$lib
  current=$(update-alternatives --query "$lib-$multiarch" 2>/dev/null | awk '/^Value:/{print $2}')
  if [ "$current" = "$choice" ] || [ ! -e "$choice" ]; then continue; fi
  if [ "$(id -u)" = 0 ]; then
    update-alternatives --set "$lib-$multiarch" "$choice" >/dev/null
  else
    echo "setup: $lib is $current; as root run: update-alternatives --set $lib-$multiarch $choice" >&2
  fi
done

((build)) || exit 0

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
# Tests (and Catch2) only when building everything; a build dir the demo configured without
# them gets them switched on when scripts/test.sh comes next.
tests=ON
((${#target[@]})) && tests=OFF
if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DROBERTA_TESTS=$tests
elif [ "$tests" = ON ] && grep -q '^ROBERTA_TESTS:BOOL=OFF' build/CMakeCache.txt; then
  cmake -S . -B build -DROBERTA_TESTS=ON
fi
cmake --build build --parallel "$(nproc)" "${target[@]}"
