# Sourced by scripts/gpu/check.sh and scripts/gpu/ablate.sh: where the pip torch's LibTorch and
# the .gpu-deps libraries are, and configure() for the build folder $build. Expects $root,
# $build and $python; returns 1 (configure() undefined) when .gpu-deps is missing.
torch_prefix=$($python -c 'import torch; print(torch.utils.cmake_prefix_path)')
deps=$root/.gpu-deps/root/usr
[ -d "$deps" ] || return 1
export LD_LIBRARY_PATH=$deps/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

# fmt: the copy inside the pip torch (its own c10d headers include it), else Debian 12's.
prefixes="$torch_prefix;$deps"
torch_include=$($python -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "include"))')
if [ ! -f "$torch_include/fmt/format-inl.h" ]; then
  prefixes="$prefixes;$root/.gpu-deps/fmt-root/usr"
  export LD_LIBRARY_PATH=$root/.gpu-deps/fmt-root/usr/lib/x86_64-linux-gnu:$LD_LIBRARY_PATH
fi
configure() {
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DROBERTA_CI_EXTRAS=OFF \
    -DCMAKE_PREFIX_PATH="$prefixes" -DCMAKE_CUDA_ARCHITECTURES=native
}
