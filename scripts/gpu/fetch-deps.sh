#!/usr/bin/env bash
# Companion of scripts/gpu/check.sh, run on a Debian 12 machine with apt (no root needed):
# downloads the libraries a GPU machine without apt or network lacks (yaml-cpp, CLI11,
# nlohmann-json, PCRE2, Catch2 v2, fmt) as Debian 12 packages and unpacks them into
# .gpu-deps/root (git-ignored), which travels to the GPU machine with the tree.
# Debian 12's builds (glibc 2.36, libstdc++ of GCC 12, C++11 ABI) load on newer systems.
# fmt goes to .gpu-deps/fmt-root, a fallback only: check.sh prefers the fmt headers inside the
# pip torch, which its own headers include, so that one fmt is compiled into the program.
# Usage: scripts/gpu/fetch-deps.sh [DIR]      (default .gpu-deps)
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-.gpu-deps}
packages=(libyaml-cpp-dev libyaml-cpp0.7 libcli11-dev nlohmann-json3-dev libpcre2-dev libpcre2-8-0 catch2)
fmt_packages=(libfmt-dev libfmt9)
debian=$(. /etc/os-release 2>/dev/null && echo "${VERSION_ID:-}")
[ "$debian" = 12 ] || echo "fetch-deps: warning: Debian 12 packages are the ones tested; this is '${debian:-unknown}'" >&2

rm -rf "$dir"
mkdir -p "$dir/debs" "$dir/root" "$dir/fmt-debs" "$dir/fmt-root"
(cd "$dir/debs" && apt-get download "${packages[@]}" >/dev/null)
(cd "$dir/fmt-debs" && apt-get download "${fmt_packages[@]}" >/dev/null)
for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$dir/root"; done
for deb in "$dir"/fmt-debs/*.deb; do dpkg-deb -x "$deb" "$dir/fmt-root"; done
rm -rf "$dir"/root/usr/share/doc "$dir"/root/usr/share/man "$dir"/fmt-root/usr/share/doc "$dir"/fmt-root/usr/share/man
ls "$dir"/debs "$dir"/fmt-debs >"$dir/packages.txt"
rm -rf "$dir/debs" "$dir/fmt-debs"
echo "fetch-deps: unpacked into $dir ($(du -sh "$dir" | cut -f1)):"
grep deb "$dir/packages.txt" | sed 's/^/  /'
