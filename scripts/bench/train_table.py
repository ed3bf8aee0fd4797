#!/usr/bin/python3
"""Runs `roberta bench train` and the Python reference (reference_train.py: Hugging Face's
RobertaForMaskedLM training step in plain torch) on the same shapes, interleaved round by
round so that background load hits both alike, and prints one table:
implementation, step ms (median of all timed steps over all rounds), tokens/s, MFU, ratio.

    /usr/bin/python3 scripts/bench/train_table.py --binary build/roberta \
        --config configs/presets/tiny.yaml --batch 16 --seq-len 128 --rounds 3 --threads 2

MFU = docs/roberta.md's model FLOPs per step / step time / the fp32 matmul rate (median of the
rates each process measured in its own run). Ratio = reference step ms / that row's step ms.
--markdown prints the table as Markdown (for docs/performance.md).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run_json(cmd, env):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if proc.returncode != 0:
        sys.exit("failed (%d): %s\n%s" % (proc.returncode, " ".join(cmd), proc.stderr[-2000:]))
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default="build/roberta")
    ap.add_argument("--config", default="configs/presets/tiny.yaml")
    ap.add_argument("--set", nargs="*", default=[], help="config overrides for the C++ side")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seq-len", type=int, default=128)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--matmul-size", type=int, default=2048,
                    help="n of the n^3 matmul both sides time as their peak (8192 on a big GPU)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--no-masked-only", action="store_true", help="skip the masked-only Python variant")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--device", default="cpu", help="the Python side's device (set train.device with --set for ours)")
    ap.add_argument("--bf16", action="store_true", help="Python side under bf16 autocast")
    ap.add_argument("--hf-transformers", action="store_true",
                    help="the reference row is transformers' RobertaForMaskedLM (GPU machine)")
    a = ap.parse_args()

    env = dict(os.environ, OMP_NUM_THREADS=str(a.threads))
    shape = ["--batch", str(a.batch), "--seq-len", str(a.seq_len), "--steps", str(a.steps),
             "--warmup", str(a.warmup), "--matmul-size", str(a.matmul_size)]
    ours_cmd = [a.binary, "--threads", str(a.threads), "bench", "train", a.config] + shape + ["--json"]
    if a.set:
        ours_cmd += ["--set"] + a.set
    runs = {}
    order = []

    def record(key, result):
        if key not in runs:
            runs[key] = []
            order.append(key)
        runs[key].append(result)

    for r in range(a.rounds):
        ours = run_json(ours_cmd, env)
        record("ours", ours)
        model = ["--vocab", str(ours["vocab_size"]), "--layers", str(ours["layers"]),
                 "--hidden", str(ours["hidden"]), "--heads", str(ours["heads"]), "--ffn", str(ours["ffn"]),
                 "--dropout", str(ours["dropout"]), "--attention-dropout", str(ours["attention_dropout"])]
        ref_cmd = [a.python, os.path.join(HERE, "reference_train.py"), "--threads", str(a.threads),
                   "--json", "--device", a.device] + shape + model + \
            (["--bf16"] if a.bf16 else []) + (["--hf-transformers"] if a.hf_transformers else [])
        record("hf", run_json(ref_cmd, env))
        if not a.no_masked_only and not a.hf_transformers:
            record("hf_masked", run_json(ref_cmd + ["--masked-only"], env))
        print("round %d/%d: %s" % (r + 1, a.rounds, ", ".join(
            "%s %.1f ms" % (k, runs[k][-1]["step_ms"]) for k in order)), file=sys.stderr)

    rows = []
    ref_ms = statistics.median(t for run in runs["hf"] for t in run["step_ms_all"])
    for key in order:
        first = runs[key][0]
        ms = statistics.median(t for run in runs[key] for t in run["step_ms_all"])
        peak = statistics.median(run["matmul_gflops"] for run in runs[key])
        tokens = first["batch"] * first["seq_len"]
        mfu = first["model_gflop_per_step"] / (ms * 1e-3) / peak
        rows.append((first["implementation"], ms, tokens / (ms * 1e-3), mfu, peak, ref_ms / ms,
                     max(run["peak_rss_mb"] for run in runs[key]),
                     max(run.get("cuda_peak_mb", 0) for run in runs[key])))

    first = runs["ours"][0]
    head = ("shape B=%d T=%d, vocab %d, %d layers x %d hidden, %d masked/step, %d threads, "
            "%d rounds x %d timed steps; model %.2f GFLOP/step" % (
                first["batch"], first["seq_len"], first["vocab_size"], first["layers"], first["hidden"],
                first["masked"], a.threads, a.rounds, a.steps, first["model_gflop_per_step"]))
    gpu = any(r[7] for r in rows)
    cols = ("implementation", "step ms", "tokens/s", "MFU", "matmul GFLOP/s", "ratio vs HF",
            "peak GPU MB" if gpu else "peak RSS MB")
    rows = [r[:6] + ((r[7],) if gpu else (r[6],)) for r in rows]
    print(head)
    if a.markdown:
        print("| " + " | ".join(cols) + " |")
        print("|" + "---|" * len(cols))
        for r in rows:
            print("| %s | %.1f | %.0f | %.1f%% | %.1f | %.2fx | %d |" % (r[0], r[1], r[2], 100 * r[3], r[4], r[5], r[6]))
    else:
        print("%-52s %9s %10s %7s %15s %12s %12s" % cols)
        for r in rows:
            print("%-52s %9.1f %10.0f %6.1f%% %15.1f %11.2fx %12d" % (r[0], r[1], r[2], 100 * r[3], r[4], r[5], r[6]))


if __name__ == "__main__":
    main()
