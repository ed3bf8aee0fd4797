"""Shared helpers of the local task suite: seeded splits that do not depend on Python's
random module (so the output is byte-identical on every Python 3), JSONL/CoNLL writers,
and the per-task statistics that go into README.md."""

import collections
import hashlib
import json
import math
import os

SPLITS = ("train", "dev", "test")


def stable_hash(seed, key):
    """A 64-bit integer fixed by (seed, key) forever: sha256, not hash() (salted per run)."""
    digest = hashlib.sha256(f"{seed}\x1f{key}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def split_of(seed, key, dev_frac=0.1, test_frac=0.1):
    """Assigns a group key (a document, a source package, ...) to train/dev/test."""
    u = stable_hash(seed, "split\x1f" + key) / 2.0**64
    if u < test_frac:
        return "test"
    if u < test_frac + dev_frac:
        return "dev"
    return "train"


def split_groups_exactly(seed, keys, dev_frac=0.1, test_frac=0.1):
    """For few groups (Brown documents of one genre): exact counts, at least one group in
    dev and in test when there are three or more. Returns {key: split}."""
    ordered = sorted(keys, key=lambda k: (stable_hash(seed, "split\x1f" + k), k))
    n = len(ordered)
    n_dev = max(1, round(n * dev_frac)) if n >= 3 else 0
    n_test = max(1, round(n * test_frac)) if n >= 3 else 0
    out = {}
    for i, k in enumerate(ordered):
        out[k] = "test" if i < n_test else "dev" if i < n_test + n_dev else "train"
    return out


def hash_order(items, seed, key_fn):
    """A seeded shuffle: sort by the hash of each item's key (ties broken by the key)."""
    return sorted(items, key=lambda it: (stable_hash(seed, key_fn(it)), key_fn(it)))


def cap(items, limit):
    return items if limit is None or limit <= 0 else items[:limit]


def write_jsonl(path, rows):
    """rows: dicts with text, optional text_pair, label. One object per line, UTF-8, '\n'."""
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for r in rows:
            obj = {"text": r["text"]}
            if "text_pair" in r:
                obj["text_pair"] = r["text_pair"]
            obj["label"] = r["label"]
            f.write(json.dumps(obj, ensure_ascii=False) + "\n")


def write_conll(path, sentences):
    """sentences: lists of (token, tag). token<TAB>tag per line, blank line after each."""
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for sent in sentences:
            for tok, tag in sent:
                f.write(f"{tok}\t{tag}\n")
            f.write("\n")


def write_labels(out_dir, labels):
    """labels.txt: every label of every split, sorted, one per line, so that a label's index
    does not depend on which labels the (capped) train split happens to contain."""
    with open(os.path.join(out_dir, "labels.txt"), "w", encoding="utf-8", newline="\n") as f:
        for lab in sorted(set(labels)):
            f.write(lab + "\n")


def write_splits_jsonl(out_dir, splits):
    """train/dev/test.jsonl, plus labels.txt for classification (string labels)."""
    os.makedirs(out_dir, exist_ok=True)
    for s in SPLITS:
        write_jsonl(os.path.join(out_dir, f"{s}.jsonl"), splits[s])
    labels = [r["label"] for s in SPLITS for r in splits[s]]
    if labels and all(isinstance(lab, str) for lab in labels):
        write_labels(out_dir, labels)


def _pct(n, total):
    return f"{100.0 * n / total:.1f}%" if total else "n/a"


def classification_stats(name, splits):
    """Markdown lines: counts, train label distribution, test accuracy of the train majority."""
    counts = {s: len(splits[s]) for s in SPLITS}
    train_labels = collections.Counter(r["label"] for r in splits["train"])
    test_labels = collections.Counter(r["label"] for r in splits["test"])
    majority, _ = min(train_labels.items(), key=lambda kv: (-kv[1], kv[0]))
    base = test_labels.get(majority, 0) / max(1, counts["test"])
    dist = ", ".join(f"{lab} {n}" for lab, n in sorted(train_labels.items(), key=lambda kv: (-kv[1], kv[0])))
    return [
        f"### {name}",
        "",
        f"- examples: train {counts['train']}, dev {counts['dev']}, test {counts['test']}; "
        f"{len(train_labels)} labels",
        f"- train labels: {dist}",
        f"- majority baseline (train majority `{majority}` on test): accuracy {base:.4f}",
        "",
    ]


def regression_stats(name, splits):
    counts = {s: len(splits[s]) for s in SPLITS}
    ys = [float(r["label"]) for r in splits["train"]]
    mean = sum(ys) / len(ys)
    sd = math.sqrt(sum((y - mean) ** 2 for y in ys) / len(ys))
    test = [float(r["label"]) for r in splits["test"]]
    mse = sum((y - mean) ** 2 for y in test) / max(1, len(test))
    return [
        f"### {name}",
        "",
        f"- examples: train {counts['train']}, dev {counts['dev']}, test {counts['test']}",
        f"- train target: mean {mean:.4f}, sd {sd:.4f}, min {min(ys)}, max {max(ys)}",
        f"- constant baseline (train mean on test): MSE {mse:.4f} (Pearson/Spearman undefined)",
        "",
    ]


def tagging_stats(name, splits):
    def tokens(s):
        return [t for sent in splits[s] for t in sent]

    counts = {s: (len(splits[s]), len(tokens(s))) for s in SPLITS}
    train_tags = collections.Counter(tag for _, tag in tokens("train"))
    majority, _ = min(train_tags.items(), key=lambda kv: (-kv[1], kv[0]))
    test_tokens = tokens("test")
    base = sum(1 for _, tag in test_tokens if tag == majority) / max(1, len(test_tokens))
    # The classic lexical baseline: each word's most frequent train tag, unseen words the majority.
    per_word = collections.defaultdict(collections.Counter)
    for tok, tag in tokens("train"):
        per_word[tok.lower()][tag] += 1
    best = {w: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for w, c in per_word.items()}
    lex = sum(1 for tok, tag in test_tokens if best.get(tok.lower(), majority) == tag)
    top = ", ".join(f"{t} {n}" for t, n in sorted(train_tags.items(), key=lambda kv: (-kv[1], kv[0]))[:12])
    return [
        f"### {name}",
        "",
        "- sentences (tokens): " + ", ".join(f"{s} {counts[s][0]} ({counts[s][1]})" for s in SPLITS)
        + f"; {len(train_tags)} tags in train",
        f"- most frequent train tags: {top}, ...",
        f"- majority baseline (every token `{majority}`): test token accuracy {base:.4f}",
        f"- lexical baseline (most frequent train tag per word, unseen words `{majority}`): "
        f"test token accuracy {lex / max(1, len(test_tokens)):.4f}",
        "",
    ]
