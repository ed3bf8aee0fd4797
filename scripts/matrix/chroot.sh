#!/usr/bin/env bash
# A clean Debian root for a build-matrix entry, made with debootstrap from this machine's apt
# mirror: runs COMMAND inside it, in a fresh clone of this checkout's HEAD at /project.
# Usage (as root): scripts/matrix/chroot.sh SUITE COMMAND     e.g. trixie scripts/matrix/debian13-cpu.sh
# The root is ${MATRIX_ROOT:-/var/tmp/roberta-matrix}/SUITE; its debootstrap base is kept as a
# tarball next to it and unpacked afresh every time, so no earlier install survives.
# Exit status 3: the root could not be made here (no debootstrap, mirror or mounts); anything
# else is COMMAND's own status.
set -euo pipefail
suite=$1; shift
src=$(cd "$(dirname "$0")/../.." && pwd)
top=${MATRIX_ROOT:-/var/tmp/roberta-matrix}
base=$top/base-$suite.tar
root=$top/$suite
mkdir -p "$top"
[ "$(id -u)" = 0 ] || { echo "matrix/chroot: run as root (debootstrap, chroot, mount)" >&2; exit 3; }

mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || { echo "matrix/chroot: no Debian mirror found in this machine's apt sources" >&2; exit 3; }
if [ ! -f "$base" ]; then
  command -v debootstrap >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; } ||
    { echo "matrix/chroot: cannot install debootstrap" >&2; exit 3; }
  make=$top/make-$suite
  rm -rf "$make"
  echo "matrix/chroot: debootstrap $suite from $mirror"
  debootstrap --variant=minbase "$suite" "$make" "$mirror" >"$top/debootstrap-$suite.log" 2>&1 ||
    { tail -20 "$top/debootstrap-$suite.log" >&2; exit 3; }
  printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main contrib non-free\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$mirror" "$suite" "$suite" >"$make/etc/apt/sources.list.d/debian.sources"
  : >"$make/etc/apt/sources.list"
  tar -C "$make" -cf "$base" . && rm -rf "$make"
fi

cleanup() { for m in dev/pts dev sys proc; do umount -l "$root/$m" 2>/dev/null || true; done; }
cleanup
rm -rf "$root"
mkdir -p "$root"
tar -C "$root" -xf "$base"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# This machine's trust store: package mirrors and the npm registry may sit behind a TLS proxy.
[ -f /etc/ssl/certs/ca-certificates.crt ] && cp /etc/ssl/certs/ca-certificates.crt "$root/etc/host-ca.crt"
mkdir -p "$root/usr/local/share/ca-certificates"
cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
git clone -q "$src" "$root/project"
trap cleanup EXIT
{ mount -t proc proc "$root/proc" && mount --rbind /sys "$root/sys" && mount --rbind /dev "$root/dev"; } ||
  { echo "matrix/chroot: cannot mount /proc, /sys, /dev in $root" >&2; exit 3; }
rc=0
chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  TERM=dumb NODE_EXTRA_CA_CERTS=/etc/host-ca.crt bash -lc "cd /project && $*" || rc=$?
[ "$rc" = 3 ] && rc=1  # 3 means "no root here"; COMMAND's own 3 is a plain failure
exit "$rc"
