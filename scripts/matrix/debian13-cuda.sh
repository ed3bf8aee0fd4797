#!/usr/bin/env bash
# Build matrix (c): Debian 13 with the CUDA LibTorch (contrib libtorch-cuda-dev 2.6,
# libgloo-cuda-dev, libnccl-dev) and non-free nvidia-cuda-toolkit 12.4, on a machine with no GPU.
# Checks that configure finds CUDA and NCCL and that `roberta` and the [cuda] tests compile and
# link with the NCCL path on. Nothing runs: there is no GPU (and no cuDNN, below).
#
# cuDNN: Debian's nvidia-cudnn is an installer that downloads cuDNN from NVIDIA at install
# time. Without network (or to keep the check offline) an empty stand-in package of the same
# name is installed first, and the executables link with -Wl,--allow-shlib-undefined, since
# libtorch_cuda.so's libcudnn.so.9 is absent. On a real GPU machine install nvidia-cudnn and
# drop both (scripts/setup.sh --cuda). Run as root on a clean Debian 13 with contrib and non-free.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/matrix/common.sh
matrix_expect_debian 13

if ! dpkg-query -W -f='${Status}' nvidia-cudnn 2>/dev/null | grep -q "install ok installed"; then
  stub=$(mktemp -d)
  mkdir -p "$stub/DEBIAN"
  cat >"$stub/DEBIAN/control" <<'CONTROL'
Package: nvidia-cudnn
Version: 9.0.0.312~cuda12
Architecture: amd64
Maintainer: roberta build matrix <nobody@localhost>
Provides: libcudnn.so.9
Description: empty stand-in for the cuDNN downloader (compile-and-link check without network)
CONTROL
  dpkg-deb --build "$stub" "$stub.deb" >/dev/null
  dpkg -i "$stub.deb" >/dev/null
  rm -rf "$stub" "$stub.deb"
  echo "matrix: installed an empty nvidia-cudnn stand-in (no cuDNN on this machine)"
fi
# The CPU LibTorch conflicts with the CUDA one: remove it if an earlier run installed it.
if dpkg-query -W -f='${Status}' libtorch-dev 2>/dev/null | grep -q "install ok installed"; then
  DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq libtorch-dev libgloo-dev >/dev/null
fi
scripts/setup.sh --cuda --no-build

build=build-cuda
rm -rf "$build"
mkdir -p "$build"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DROBERTA_CI_EXTRAS=OFF \
  -DCMAKE_EXE_LINKER_FLAGS=-Wl,--allow-shlib-undefined 2>&1 | tee "$build/configure.log"
grep -q "CUDA ON, NCCL ON" "$build/configure.log" || matrix_fail "configure did not find CUDA and NCCL in this LibTorch"
cmake --build "$build" --parallel "$(nproc)" --target roberta test_cuda test_dist test_train
# What was compiled in, read from the objects rather than assumed. (Into files first: with
# pipefail, `nm | grep -q` fails when grep stops reading early and nm gets SIGPIPE.)
nm -C "$build/roberta_lib/libroberta_dist.a" >"$build/roberta_dist.nm"
readelf -d "$build/roberta" >"$build/roberta.dynamic"
grep -q "c10d::ProcessGroupNCCL::ProcessGroupNCCL" "$build/roberta_dist.nm" ||
  matrix_fail "libroberta_dist.a does not construct c10d::ProcessGroupNCCL: the NCCL path is not compiled in"
grep -q "c10d::ProcessGroupNCCL::shutdown" "$build/roberta_dist.nm" ||
  matrix_fail "libroberta_dist.a does not call ProcessGroupNCCL::shutdown"
grep -q "libtorch_cuda.so" "$build/roberta.dynamic" || matrix_fail "roberta is not linked against libtorch_cuda.so"
echo "matrix: roberta links libtorch_cuda.so; libroberta_dist.a constructs and shuts down c10d::ProcessGroupNCCL"
ldd "$build/tests/test_cuda" >"$build/test_cuda.ldd" || true
echo "matrix: [cuda] tests compiled and linked: $build/tests/test_cuda (not run: no GPU here, and" \
     "$(grep -c 'not found' "$build/test_cuda.ldd") shared libraries absent: $(awk '/not found/{print $1}' "$build/test_cuda.ldd" | tr '\n' ' '))"
matrix_report "(c) Debian 13, LibTorch CUDA + NCCL: compile and link (no GPU: nothing run)" "$build/configure.log"
