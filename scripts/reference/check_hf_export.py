#!/usr/bin/env python3
"""Loads a `roberta export-hf` directory in Hugging Face transformers and checks it is whole.

Needs torch + transformers (the GPU machine's pip install; a CPU is enough):
    build/roberta export-hf --checkpoint runs/ft/best --output /tmp/hf-ft
    python3 scripts/reference/check_hf_export.py /tmp/hf-ft [--input dev.jsonl --predictions pred.jsonl]

Checks: the architecture in config.json loads with from_pretrained and reports no missing,
unexpected or mismatched keys; the tokenizer loads (RobertaTokenizer and the fast one agree on
a sample). With --input (a JSONL task file) and --predictions (what `roberta predict` wrote for
it, JSONL: {"label", "score"} or {"prediction"}), the argmax class (or regression value, within 1e-4) of transformers agrees with
ours on every line. Exit 1 on any disagreement.
"""
import argparse
import json
import sys

import torch
import transformers


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("--input")
    p.add_argument("--predictions")
    args = p.parse_args()

    config = json.load(open(f"{args.model}/config.json"))
    arch = config["architectures"][0]
    cls = getattr(transformers, arch)
    model, info = cls.from_pretrained(args.model, output_loading_info=True)
    model.eval()
    bad = {k: v for k, v in info.items() if v}
    print(f"{arch}: loading info {info}")
    if bad:
        sys.exit(f"FAIL: {args.model} does not load cleanly as {arch}: {bad}")

    slow = transformers.RobertaTokenizer.from_pretrained(args.model)
    fast = transformers.RobertaTokenizerFast.from_pretrained(args.model)
    sample = "Hello world, this is a test of the exported tokenizer."
    if slow(sample)["input_ids"] != fast(sample)["input_ids"]:
        sys.exit("FAIL: slow and fast tokenizers disagree")

    if not (args.input and args.predictions):
        print("OK (no --input/--predictions given: weights and tokenizer only)")
        return
    rows = [json.loads(line) for line in open(args.input) if line.strip()]
    ours = [json.loads(line) for line in open(args.predictions) if line.strip()]
    if len(rows) != len(ours):
        sys.exit(f"FAIL: {len(rows)} inputs but {len(ours)} predictions")
    id2label = {int(k): v for k, v in config.get("id2label", {}).items()}
    regression = config.get("problem_type") == "regression"
    mismatches = 0
    for i, (row, mine) in enumerate(zip(rows, ours), 1):
        enc = slow(row["text"], row.get("text_pair"), truncation="longest_first", max_length=512,
                   return_tensors="pt")
        with torch.no_grad():
            logits = model(**enc).logits[0]
        if regression:
            ok = abs(float(logits[0]) - float(mine["prediction"])) < 1e-4
        else:
            ok = id2label[int(logits.argmax())] == mine["label"]
        if not ok:
            mismatches += 1
            print(f"line {i}: transformers {logits.tolist()} vs ours {mine}")
    if mismatches:
        sys.exit(f"FAIL: {mismatches} of {len(rows)} predictions differ")
    print(f"OK: {len(rows)} predictions agree")


if __name__ == "__main__":
    main()
