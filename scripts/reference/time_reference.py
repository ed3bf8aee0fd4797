#!/usr/bin/python3
"""Times the same step as tests/roberta/model/bench_test.cpp in Python torch: forward +
backward of a faithful Hugging Face RobertaForMaskedLM (roberta_reference.py's math, float32,
dropout on) for the tiny preset, B=16, T=128, the LM head on 15% of positions (as HF computes
the head on all positions, both variants are timed).
    /usr/bin/python3 scripts/reference/time_reference.py [threads]
"""
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Layer(nn.Module):
    def __init__(self, h, nh, f):
        super().__init__()
        self.nh = nh
        self.q, self.k, self.v, self.o = (nn.Linear(h, h) for _ in range(4))
        self.ln1, self.ln2 = nn.LayerNorm(h, eps=1e-5), nn.LayerNorm(h, eps=1e-5)
        self.fc1, self.fc2 = nn.Linear(h, f), nn.Linear(f, h)
        self.drop = nn.Dropout(0.1)

    def forward(self, x, ext):
        B, T, H = x.shape
        d = H // self.nh
        heads = lambda t: t.view(B, T, self.nh, d).permute(0, 2, 1, 3)
        q, k, v = heads(self.q(x)), heads(self.k(x)), heads(self.v(x))
        p = self.drop(torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + ext, -1))
        ctx = (p @ v).permute(0, 2, 1, 3).reshape(B, T, H)
        x = self.ln1(x + self.drop(self.o(ctx)))
        return self.ln2(x + self.drop(self.fc2(F.gelu(self.fc1(x)))))


class MLM(nn.Module):
    def __init__(self, V=50265, h=256, L=4, nh=4, f=1024):
        super().__init__()
        self.word = nn.Embedding(V, h, padding_idx=1)
        self.pos = nn.Embedding(514, h, padding_idx=1)
        self.typ = nn.Embedding(1, h)
        self.ln = nn.LayerNorm(h, eps=1e-5)
        self.layers = nn.ModuleList(Layer(h, nh, f) for _ in range(L))
        self.dense, self.lnh = nn.Linear(h, h), nn.LayerNorm(h, eps=1e-5)
        self.bias = nn.Parameter(torch.zeros(V))
        self.drop = nn.Dropout(0.1)

    def forward(self, ids, positions=None):
        m = ids.ne(1).int()
        pos = (torch.cumsum(m, 1) * m).long() + 1
        x = self.drop(self.ln(self.word(ids) + self.pos(pos) + self.typ(torch.zeros_like(ids))))
        ext = (1.0 - m.float())[:, None, None, :] * torch.finfo(torch.float32).min
        for layer in self.layers:
            x = layer(x, ext)
        if positions is not None:
            x = x.reshape(-1, x.shape[-1])[positions]
        return F.linear(self.lnh(F.gelu(self.dense(x))), self.word.weight) + self.bias


def main():
    torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
    torch.manual_seed(0)
    model = MLM().train()
    ids = torch.randint(3, 50265, (16, 128))
    positions = torch.randperm(16 * 128)[: 16 * 128 * 15 // 100]
    targets = torch.randint(3, 50265, (positions.numel(),))
    for label, masked_only in (("masked positions only", True), ("all positions (HF)", False)):
        times = []
        for _ in range(7):
            start = time.perf_counter()
            model.zero_grad()
            if masked_only:
                loss = F.cross_entropy(model(ids, positions), targets)
            else:
                full_targets = torch.full((16 * 128,), -100, dtype=torch.long)
                full_targets[positions] = targets
                loss = F.cross_entropy(model(ids).view(-1, 50265), full_targets, ignore_index=-100)
            loss.backward()
            times.append((time.perf_counter() - start) * 1000)
        times = sorted(times[2:])
        print(f"python torch {torch.__version__}, {torch.get_num_threads()} threads, {label}: median {times[len(times) // 2]:.1f} ms")


if __name__ == "__main__":
    main()
