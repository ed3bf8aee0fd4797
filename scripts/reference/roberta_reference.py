#!/usr/bin/python3
"""Golden outputs for the C++ RoBERTa model, from an independent plain-torch implementation of
Hugging Face's RobertaForMaskedLM math (modeling_roberta.py: padding-aware position ids,
embeddings + LayerNorm, post-LN layers with exact GELU, LM head tied to the word embeddings).

Run with Debian's python (python3-torch 1.13):
    /usr/bin/python3 scripts/reference/roberta_reference.py tests/fixtures/model
Writes, with a tiny hand-written safetensors writer (the safetensors package may be missing):
    golden_weights.safetensors  HF state-dict names, incl. the tied lm_head.decoder.weight
    golden_io.safetensors       input_ids [B,T] I64, logits [B,T,V] F32 (eval mode)
and a golden_config.json with the shapes.
"""
import json
import math
import struct
import sys

import torch

CONFIG = dict(layers=2, hidden=32, heads=4, ffn=64, vocab_size=60, max_positions=24, pad_id=1, eps=1e-5)


def write_safetensors(path, tensors, metadata=None):
    names = {torch.float32: "F32", torch.int64: "I64"}
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        data = t.contiguous().numpy().tobytes()
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def make_weights(c, gen):
    h, f, v = c["hidden"], c["ffn"], c["vocab_size"]

    def normal(*shape):
        return torch.randn(*shape, generator=gen) * 0.2  # larger than 0.02 so every term matters

    w = {}
    w["roberta.embeddings.word_embeddings.weight"] = normal(v, h)
    w["roberta.embeddings.position_embeddings.weight"] = normal(c["max_positions"] + c["pad_id"] + 1, h)
    w["roberta.embeddings.token_type_embeddings.weight"] = normal(1, h)
    w["roberta.embeddings.LayerNorm.weight"] = 1 + normal(h)
    w["roberta.embeddings.LayerNorm.bias"] = normal(h)
    for i in range(c["layers"]):
        p = f"roberta.encoder.layer.{i}."
        for name in ("query", "key", "value"):
            w[p + f"attention.self.{name}.weight"] = normal(h, h)
            w[p + f"attention.self.{name}.bias"] = normal(h)
        w[p + "attention.output.dense.weight"] = normal(h, h)
        w[p + "attention.output.dense.bias"] = normal(h)
        w[p + "attention.output.LayerNorm.weight"] = 1 + normal(h)
        w[p + "attention.output.LayerNorm.bias"] = normal(h)
        w[p + "intermediate.dense.weight"] = normal(f, h)
        w[p + "intermediate.dense.bias"] = normal(f)
        w[p + "output.dense.weight"] = normal(h, f)
        w[p + "output.dense.bias"] = normal(h)
        w[p + "output.LayerNorm.weight"] = 1 + normal(h)
        w[p + "output.LayerNorm.bias"] = normal(h)
    w["lm_head.dense.weight"] = normal(h, h)
    w["lm_head.dense.bias"] = normal(h)
    w["lm_head.layer_norm.weight"] = 1 + normal(h)
    w["lm_head.layer_norm.bias"] = normal(h)
    w["lm_head.bias"] = normal(v)
    w["lm_head.decoder.weight"] = w["roberta.embeddings.word_embeddings.weight"]
    return w


def forward(w, ids, c):
    """HF RobertaForMaskedLM.forward in eval mode, written out in plain torch (float64)."""
    F = torch.nn.functional
    h, nh, pad, eps = c["hidden"], c["heads"], c["pad_id"], c["eps"]
    w = {k: v.double() for k, v in w.items()}
    mask = ids.ne(pad).int()
    positions = (torch.cumsum(mask, dim=1).type_as(mask) * mask).long() + pad
    x = (w["roberta.embeddings.word_embeddings.weight"][ids]
         + w["roberta.embeddings.position_embeddings.weight"][positions]
         + w["roberta.embeddings.token_type_embeddings.weight"][torch.zeros_like(ids)])
    x = F.layer_norm(x, (h,), w["roberta.embeddings.LayerNorm.weight"], w["roberta.embeddings.LayerNorm.bias"], eps)
    ext = (1.0 - ids.ne(pad).double())[:, None, None, :] * torch.finfo(torch.float64).min
    B, T = ids.shape
    d = h // nh
    for i in range(c["layers"]):
        p = f"roberta.encoder.layer.{i}."

        def lin(t, name):
            return F.linear(t, w[p + name + ".weight"], w[p + name + ".bias"])

        def heads(t):
            return t.view(B, T, nh, d).permute(0, 2, 1, 3)

        q, k, v = (heads(lin(x, f"attention.self.{n}")) for n in ("query", "key", "value"))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d) + ext
        ctx = torch.matmul(torch.softmax(scores, dim=-1), v).permute(0, 2, 1, 3).reshape(B, T, h)
        x = F.layer_norm(lin(ctx, "attention.output.dense") + x, (h,), w[p + "attention.output.LayerNorm.weight"],
                         w[p + "attention.output.LayerNorm.bias"], eps)
        inner = F.gelu(lin(x, "intermediate.dense"))
        x = F.layer_norm(lin(inner, "output.dense") + x, (h,), w[p + "output.LayerNorm.weight"],
                         w[p + "output.LayerNorm.bias"], eps)
    y = F.gelu(F.linear(x, w["lm_head.dense.weight"], w["lm_head.dense.bias"]))
    y = F.layer_norm(y, (h,), w["lm_head.layer_norm.weight"], w["lm_head.layer_norm.bias"], eps)
    return F.linear(y, w["lm_head.decoder.weight"]) + w["lm_head.bias"]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/model"
    c = CONFIG
    gen = torch.Generator().manual_seed(1234)
    w = make_weights(c, gen)
    # Three rows: full length, right-padded, and padded after a </s></s> pair.
    ids = torch.tensor([
        [0, 10, 11, 12, 13, 14, 15, 16, 17, 2],
        [0, 20, 21, 22, 2, 1, 1, 1, 1, 1],
        [0, 30, 31, 2, 2, 40, 41, 59, 2, 1],
    ], dtype=torch.int64)
    logits = forward(w, ids, c).float()
    write_safetensors(f"{out}/golden_weights.safetensors", w, {"format": "pt"})
    write_safetensors(f"{out}/golden_io.safetensors", {"input_ids": ids, "logits": logits})
    with open(f"{out}/golden_config.json", "w") as f:
        json.dump(c, f, indent=1)
    print(f"wrote {out}: logits {tuple(logits.shape)}, torch {torch.__version__}")


if __name__ == "__main__":
    main()
