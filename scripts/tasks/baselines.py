#!/usr/bin/env python3
"""Reference points above the majority baseline, so a fine-tuned checkpoint's score on the
local suite can be read: multinomial naive Bayes over lower-cased word unigrams for the
single-text classification tasks (add-one smoothing), trained on train, scored on test.
Usage: python3 scripts/tasks/baselines.py [TASKS_DIR]   (default tasks/; a few seconds)"""

import collections
import json
import math
import os
import re
import sys

_WORD = re.compile(r"[a-z0-9']+")


def words(text):
    return _WORD.findall(text.lower())


def read(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def naive_bayes_accuracy(train, test):
    class_docs = collections.Counter(r["label"] for r in train)
    counts = {c: collections.Counter() for c in class_docs}
    for r in train:
        counts[r["label"]].update(words(r["text"]))
    vocab = set().union(*counts.values())
    totals = {c: sum(cnt.values()) for c, cnt in counts.items()}
    n = len(train)
    correct = 0
    for r in test:
        ws = [w for w in words(r["text"]) if w in vocab]

        def score(c):
            denom = totals[c] + len(vocab)
            return math.log(class_docs[c] / n) + sum(math.log((counts[c][w] + 1) / denom) for w in ws)

        best = max(sorted(class_docs), key=score)
        correct += best == r["label"]
    return correct / len(test)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "tasks"
    for task in ("brown-genre", "debian-section"):
        d = os.path.join(root, task)
        if not os.path.isdir(d):
            continue
        acc = naive_bayes_accuracy(read(os.path.join(d, "train.jsonl")), read(os.path.join(d, "test.jsonl")))
        print(f"{task}: naive Bayes (word unigrams) test accuracy {acc:.4f}")


if __name__ == "__main__":
    main()
