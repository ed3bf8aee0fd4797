"""Reads WordNet 3.0 database files (Debian `wordnet-base`: data.noun, data.verb, data.adj,
data.adv; format in wndb(5WN)). A synset line is
  offset lex_filenum ss_type w_cnt(hex) [word lex_id]... p_cnt [symbol offset pos src/tgt]... | gloss
(verbs carry frames between the pointers and the gloss, which are not needed here)."""

import os
import re

POS_FILES = {"n": "data.noun", "v": "data.verb", "a": "data.adj", "r": "data.adv"}
_ADJ_MARKER = re.compile(r"\((a|p|ip)\)$")  # adjective position markers: big(a), galore(ip)


class Synset:
    __slots__ = ("key", "pos", "words", "pointers", "definition")

    def __init__(self, key, pos, words, pointers, definition):
        self.key = key  # "n:02084071", the file's POS and offset
        self.pos = pos  # n, v, a (satellites included), r
        self.words = words  # lemmas, underscores turned into spaces, file order
        self.pointers = pointers  # [(symbol, target key)]
        self.definition = definition  # the gloss without its quoted examples

    def describe(self, max_words=3):
        """'dog, domestic dog, Canis familiaris: a member of the genus Canis ...'"""
        return f"{', '.join(self.words[:max_words])}: {self.definition}"


def parse_line(pos, line):
    head, sep, gloss = line.partition(" | ")
    if not sep:
        head, gloss = line.rstrip().rstrip("|"), ""
    f = head.split()
    offset, w_cnt = f[0], int(f[3], 16)
    i = 4
    words = []
    for _ in range(w_cnt):
        w = _ADJ_MARKER.sub("", f[i]).replace("_", " ")
        if w not in words:
            words.append(w)
        i += 2
    p_cnt = int(f[i])
    i += 1
    pointers = []
    for _ in range(p_cnt):
        symbol, target, target_pos = f[i], f[i + 1], f[i + 2]
        target_pos = "a" if target_pos == "s" else target_pos
        pointers.append((symbol, f"{target_pos}:{target}"))
        i += 4
    definition = gloss.split('; "')[0].strip().rstrip(";").strip()
    return Synset(f"{pos}:{offset}", pos, words, pointers, definition)


def read_synsets(wordnet_dir, parts=("n", "v", "a", "r")):
    """{key: Synset} for the given parts of speech; the licence header lines are skipped."""
    synsets = {}
    for pos in parts:
        path = os.path.join(wordnet_dir, POS_FILES[pos])
        with open(path, encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                if line.startswith("  ") or not line.strip():
                    continue
                try:
                    s = parse_line(pos, line)
                except (IndexError, ValueError) as e:
                    raise ValueError(f"{path}:{n}: malformed synset line ({e})") from None
                synsets[s.key] = s
    return synsets
