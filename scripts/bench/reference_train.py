#!/usr/bin/python3
"""The Python side of `roberta bench train`: one full training step of Hugging Face's
RobertaForMaskedLM (modeling_roberta.py's module structure and math, float32, dropout on:
separate query/key/value projections, additive attention mask, post-LN layers, exact GELU,
the LM head tied to the word embeddings and applied to EVERY position with -100 labels on the
unmasked ones, as HF does) + torch.optim.AdamW with HF Trainer's groups (no decay on biases and
LayerNorm weights). Random ids, a fixed 15% of positions as targets, timed after a warm-up.

Runs under Debian's python (python3-torch 1.13) on CPU, or any torch on CUDA:
    /usr/bin/python3 scripts/bench/reference_train.py --batch 16 --seq-len 128 --json
--masked-only runs the LM head on the masked rows only (what the C++ side does), to separate
that saving from the rest. On the GPU machine, --hf-transformers times transformers' own
RobertaForMaskedLM (SDPA attention, labels -100 on unmasked positions) and --bf16 wraps forward
and loss in bf16 autocast, with torch.optim.AdamW(fused=True) on CUDA: the step a Hugging Face
user runs. MFU uses docs/roberta.md's model FLOPs, the same formula as the C++ bench, against a matmul measured
in this process (fp32, or bf16 with --bf16).
"""
import argparse
import contextlib
import json
import math
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class SelfAttention(nn.Module):
    def __init__(self, h, heads, p):
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)
        self.dropout = nn.Dropout(p)

    def forward(self, x, ext_mask):  # x [B,T,H], ext_mask [B,1,1,T]
        b, t, h = x.shape
        d = h // self.heads
        split = lambda y: y.view(b, t, self.heads, d).permute(0, 2, 1, 3)  # [B,N,T,D]
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d) + ext_mask  # [B,N,T,T]
        probs = self.dropout(torch.softmax(scores, dim=-1))
        return torch.matmul(probs, v).permute(0, 2, 1, 3).reshape(b, t, h)  # [B,T,H]


class Layer(nn.Module):
    def __init__(self, h, heads, ffn, p, p_attn, eps):
        super().__init__()
        self.attention = SelfAttention(h, heads, p_attn)
        self.attention_dense, self.attention_ln = nn.Linear(h, h), nn.LayerNorm(h, eps=eps)
        self.intermediate = nn.Linear(h, ffn)
        self.output, self.output_ln = nn.Linear(ffn, h), nn.LayerNorm(h, eps=eps)
        self.dropout = nn.Dropout(p)

    def forward(self, x, ext_mask):
        x = self.attention_ln(self.dropout(self.attention_dense(self.attention(x, ext_mask))) + x)
        return self.output_ln(self.dropout(self.output(F.gelu(self.intermediate(x)))) + x)


class RobertaForMaskedLM(nn.Module):
    def __init__(self, vocab, h, layers, heads, ffn, p, p_attn, max_positions=512, pad=1, eps=1e-5):
        super().__init__()
        self.pad = pad
        self.word_embeddings = nn.Embedding(vocab, h, padding_idx=pad)
        self.position_embeddings = nn.Embedding(max_positions + pad + 1, h, padding_idx=pad)
        self.token_type_embeddings = nn.Embedding(1, h)
        self.embeddings_ln = nn.LayerNorm(h, eps=eps)
        self.dropout = nn.Dropout(p)
        self.layer = nn.ModuleList(Layer(h, heads, ffn, p, p_attn, eps) for _ in range(layers))
        self.lm_dense, self.lm_ln = nn.Linear(h, h), nn.LayerNorm(h, eps=eps)
        self.lm_bias = nn.Parameter(torch.zeros(vocab))
        for m in self.modules():  # HF's _init_weights
            if isinstance(m, (nn.Linear, nn.Embedding)):
                m.weight.data.normal_(0.0, 0.02)
            if isinstance(m, nn.Linear):
                m.bias.data.zero_()
            if isinstance(m, nn.Embedding) and m.padding_idx is not None:
                m.weight.data[m.padding_idx].zero_()

    def forward(self, ids, masked_positions=None):  # ids [B,T]
        real = ids.ne(self.pad).int()
        positions = (torch.cumsum(real, dim=1) * real).long() + self.pad
        x = self.word_embeddings(ids) + self.position_embeddings(positions) + \
            self.token_type_embeddings(torch.zeros_like(ids))
        x = self.dropout(self.embeddings_ln(x))  # [B,T,H]
        ext_mask = (1.0 - real[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in self.layer:
            x = layer(x, ext_mask)
        x = x.reshape(-1, x.shape[-1])  # [B*T,H]
        if masked_positions is not None:
            x = x[masked_positions]  # [M,H]
        x = self.lm_ln(F.gelu(self.lm_dense(x)))
        return F.linear(x, self.word_embeddings.weight) + self.lm_bias  # [B*T or M, V]


def hf_model(a):
    """transformers' own RobertaForMaskedLM of the same shape, SDPA attention where supported."""
    from transformers import AutoModelForMaskedLM, RobertaConfig
    cfg = RobertaConfig(vocab_size=a.vocab, hidden_size=a.hidden, num_hidden_layers=a.layers,
                        num_attention_heads=a.heads, intermediate_size=a.ffn,
                        hidden_dropout_prob=a.dropout, attention_probs_dropout_prob=a.attention_dropout,
                        max_position_embeddings=514, type_vocab_size=1, layer_norm_eps=1e-5,
                        pad_token_id=1, bos_token_id=0, eos_token_id=2)
    try:
        return AutoModelForMaskedLM.from_config(cfg, attn_implementation="sdpa")
    except (TypeError, ValueError):  # transformers before 4.36: no attn_implementation
        return AutoModelForMaskedLM.from_config(cfg)


def hf_version():
    import transformers
    return transformers.__version__


def matmul_gflops(n, device, dtype=torch.float32):
    a, b = torch.randn(n, n, device=device, dtype=dtype), torch.randn(n, n, device=device, dtype=dtype)
    c = torch.empty(n, n, device=device, dtype=dtype)
    times = []
    with torch.no_grad():
        for i in range(6):
            start = time.perf_counter()
            torch.mm(a, b, out=c)
            c.sum().item()
            if i > 0:
                times.append(time.perf_counter() - start)
    return 2.0 * n ** 3 / statistics.median(times) / 1e9


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seq-len", type=int, default=128)
    ap.add_argument("--vocab", type=int, default=50265)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--ffn", type=int, default=1024)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--attention-dropout", type=float, default=0.1)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--mask-prob", type=float, default=0.15)
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: leave)")
    ap.add_argument("--matmul-size", type=int, default=2048)
    ap.add_argument("--masked-only", action="store_true", help="LM head on masked rows only")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--bf16", action="store_true",
                    help="bf16 autocast, for CUDA (the peak becomes a bf16 matmul; torch 1.13 CPU autocast rejects LayerNorm)")
    ap.add_argument("--hf-transformers", action="store_true",
                    help="transformers.RobertaForMaskedLM with SDPA attention instead of the plain-torch copy")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--profile", type=int, default=0, metavar="N",
                    help="after timing, profile N more steps and print the per-op table (self CPU time)")
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    dev = torch.device(a.device)
    if a.hf_transformers:
        model = hf_model(a).to(dev).train()
        no_decay = lambda n: n.endswith("bias") or "LayerNorm." in n
    else:
        model = RobertaForMaskedLM(a.vocab, a.hidden, a.layers, a.heads, a.ffn, a.dropout,
                                   a.attention_dropout).to(dev).train()
        no_decay = lambda n: n.endswith("bias") or "_ln." in n
    groups = [{"params": [p for n, p in model.named_parameters() if not no_decay(n)], "weight_decay": 0.01},
              {"params": [p for n, p in model.named_parameters() if no_decay(n)], "weight_decay": 0.0}]
    fused = {"fused": True} if dev.type == "cuda" and "fused" in torch.optim.AdamW.__init__.__code__.co_varnames else {}
    opt = torch.optim.AdamW(groups, lr=7e-4, betas=(0.9, 0.98), eps=1e-6, **fused)
    autocast = (lambda: torch.autocast(device_type=dev.type, dtype=torch.bfloat16)) if a.bf16 else \
        contextlib.nullcontext

    tokens = a.batch * a.seq_len
    masked = max(1, int(a.mask_prob * tokens + 0.5))
    ids = torch.randint(4, a.vocab - 1, (a.batch, a.seq_len), device=dev)
    positions = torch.sort(torch.randperm(tokens)[:masked])[0].to(dev)
    targets = torch.randint(4, a.vocab - 1, (masked,), device=dev)
    labels = torch.full((tokens,), -100, dtype=torch.long, device=dev)  # HF: -100 = not masked
    labels[positions] = targets

    def step():
        opt.zero_grad(set_to_none=True)
        with autocast():
            if a.hf_transformers:
                loss = model(input_ids=ids, labels=labels.view(a.batch, a.seq_len)).loss
            elif a.masked_only:
                loss = F.cross_entropy(model(ids, positions).float(), targets)
            else:
                loss = F.cross_entropy(model(ids).view(-1, a.vocab).float(), labels, ignore_index=-100)
        loss.backward()
        opt.step()
        return loss.item()

    times = []
    for i in range(a.warmup + a.steps):
        start = time.perf_counter()
        loss_value = step()
        if i >= a.warmup:
            times.append((time.perf_counter() - start) * 1000)
    if a.profile > 0:
        with torch.autograd.profiler.profile() as prof:
            for _ in range(a.profile):
                step()
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=30))

    peak = matmul_gflops(a.matmul_size, dev, torch.bfloat16 if a.bf16 else torch.float32)
    params = sum(p.numel() for p in model.parameters())
    if a.hf_transformers:
        e = model.roberta.embeddings
        embedding = sum(m.weight.numel() for m in (e.word_embeddings, e.position_embeddings,
                                                   e.token_type_embeddings)) + model.lm_head.bias.numel()
    else:
        embedding = sum(m.weight.numel() for m in (model.word_embeddings, model.position_embeddings,
                                                   model.token_type_embeddings)) + model.lm_bias.numel()
    flops = 6.0 * (params - embedding) * tokens + 12.0 * a.layers * a.seq_len * a.hidden * tokens + \
        6.0 * a.hidden * a.vocab * masked
    ms = statistics.median(times)
    out = dict(implementation="python torch %s, %s%s%s" % (
                   torch.__version__,
                   "transformers %s RobertaForMaskedLM (sdpa)" % hf_version() if a.hf_transformers
                   else "HF RobertaForMaskedLM", " (masked-only head)" if a.masked_only else "",
                   " bf16" if a.bf16 else ""),
               threads=torch.get_num_threads(), batch=a.batch, seq_len=a.seq_len, masked=masked,
               steps=a.steps, step_ms=ms, step_ms_min=min(times), step_ms_all=times,
               tokens_per_s=tokens / (ms * 1e-3), model_gflop_per_step=flops / 1e9,
               achieved_gflops=flops / (ms * 1e-3) / 1e9, matmul_gflops=peak,
               mfu=flops / (ms * 1e-3) / 1e9 / peak, parameters=params,
               non_embedding_parameters=params - embedding, vocab_size=a.vocab,
               peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
               cuda_peak_mb=(torch.cuda.max_memory_allocated() // 2**20) if dev.type == "cuda" else 0,
               final_loss=loss_value)
    if a.json:
        print(json.dumps(out))
    else:
        print("%s: step_ms %.1f | tokens_per_s %.0f | mfu %.1f%% (matmul %.1f GFLOP/s) | peak_rss_mb %d" % (
            out["implementation"], ms, out["tokens_per_s"], 100 * out["mfu"], peak, out["peak_rss_mb"]))


if __name__ == "__main__":
    main()
