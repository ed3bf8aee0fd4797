#!/usr/bin/env python3
"""Masked-LM interop with Hugging Face transformers, both ways, judged by fill-mask top-5.

  import: a transformers-initialised RobertaForMaskedLM (random, seeded; 2 layers, hidden 128;
          the RoBERTa tokenizer files of tests/fixtures/tokenizer/roberta, so no download) ->
          save_pretrained -> `roberta import-hf` -> `roberta fill-mask` on the imported
          checkpoint must give transformers' own top-5 for every <mask>.
  export: `roberta export-hf` of a checkpoint of ours (--checkpoint) -> from_pretrained must
          load it with no missing, unexpected or mismatched keys, and transformers' top-5 on
          it must equal `roberta fill-mask` on the original checkpoint.

Needs torch + transformers (the GPU machine's python3; a CPU is enough; transformers runs in
fp32 on the CPU, eval mode):
    python3 scripts/reference/check_hf_masked_lm.py --binary build/roberta --work /tmp/hf-mlm \\
        [--checkpoint runs/x/checkpoint-last]      # without it: the import direction only
Exit 1 when a top-5 token differs or a probability differs by more than --tolerance.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

import torch
import transformers

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "..", "tests", "fixtures", "tokenizer", "roberta")
TEXTS = ["The capital of France is <mask>.",
         "In the beginning God created the heaven and the <mask>.",
         "He opened the <mask> and walked into the <mask>."]


def fill_mask_ours(binary, model_dir, top_k):
    out = subprocess.run([binary, "fill-mask", "--model", model_dir, "--top-k", str(top_k), "--json"] + TEXTS,
                         check=True, stdout=subprocess.PIPE, text=True).stdout.strip().splitlines()
    rows = [json.loads(line) for line in out if line.startswith("[")]
    if len(rows) != len(TEXTS):
        sys.exit("expected %d JSON lines from fill-mask, got:\n%s" % (len(TEXTS), "\n".join(out)))
    return rows


def compare(label, model, tokenizer, ours, top_k, tolerance):
    """Prints one line per mask; returns the number of masks that differ."""
    failures, worst = 0, 0.0
    for text, our_masks in zip(TEXTS, ours):
        enc = tokenizer(text, return_tensors="pt")
        with torch.no_grad():
            logits = model(**enc).logits[0]  # [T,V]
        positions = (enc["input_ids"][0] == tokenizer.mask_token_id).nonzero().flatten().tolist()
        for m, pos in enumerate(positions):
            top = logits[pos].float().softmax(-1).topk(top_k)
            want = [(int(i), float(p)) for p, i in zip(top.values, top.indices)]
            got = [(int(f["token_id"]), float(f["score"])) for f in our_masks[m]]
            diff = max(abs(w[1] - g[1]) for w, g in zip(want, got))
            worst = max(worst, diff)
            ok = [w[0] for w in want] == [g[0] for g in got] and diff <= tolerance
            failures += not ok
            print("%s | %-56s mask %d: %s transformers %s roberta %s max|dp| %.1e" % (
                label, text, m + 1, "ok  " if ok else "DIFF", [w[0] for w in want], [g[0] for g in got], diff))
    print("%s: %s (worst probability difference %.2e)" % (label, "PASSED" if not failures else "FAILED", worst))
    return failures


def check_import(a):
    hf_dir, ours_dir = os.path.join(a.work, "import-hf-model"), os.path.join(a.work, "import-ours")
    torch.manual_seed(0)
    config = transformers.RobertaConfig(vocab_size=50265, hidden_size=128, num_hidden_layers=2,
                                        num_attention_heads=4, intermediate_size=512,
                                        max_position_embeddings=514, type_vocab_size=1,
                                        pad_token_id=1, bos_token_id=0, eos_token_id=2)
    model = transformers.RobertaForMaskedLM(config).eval()
    tokenizer = transformers.RobertaTokenizerFast(vocab_file=os.path.join(FIXTURE, "vocab.json"),
                                                  merges_file=os.path.join(FIXTURE, "merges.txt"))
    model.save_pretrained(hf_dir, safe_serialization=True)
    tokenizer.save_pretrained(hf_dir)
    for name in ("vocab.json", "merges.txt"):
        if not os.path.exists(os.path.join(hf_dir, name)):
            shutil.copy(os.path.join(FIXTURE, name), hf_dir)
    subprocess.run([a.binary, "import-hf", "--input", hf_dir, "--output", ours_dir], check=True)
    return compare("import", model, tokenizer, fill_mask_ours(a.binary, ours_dir, a.top_k), a.top_k, a.tolerance)


def check_export(a):
    hf_dir = os.path.join(a.work, "export-hf")
    subprocess.run([a.binary, "export-hf", "--checkpoint", a.checkpoint, "--output", hf_dir], check=True)
    model, info = transformers.RobertaForMaskedLM.from_pretrained(hf_dir, output_loading_info=True)
    bad = {k: v for k, v in info.items() if v}
    if bad:
        print("export: FAILED: %s does not load cleanly as RobertaForMaskedLM: %s" % (hf_dir, bad))
        return 1
    tokenizer = transformers.RobertaTokenizerFast.from_pretrained(hf_dir)
    return compare("export", model.eval(), tokenizer, fill_mask_ours(a.binary, a.checkpoint, a.top_k),
                   a.top_k, a.tolerance)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default="build/roberta")
    ap.add_argument("--work", default="/tmp/roberta-hf-mlm")
    ap.add_argument("--checkpoint", help="a checkpoint of ours for the export direction")
    ap.add_argument("--top-k", type=int, default=5)
    ap.add_argument("--tolerance", type=float, default=1e-4)
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    failures = check_import(a)
    if a.checkpoint:
        failures += check_export(a)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
