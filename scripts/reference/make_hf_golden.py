#!/usr/bin/env python3
"""Golden outputs from Hugging Face transformers itself, for the C++ model and import-hf.

Needs torch + transformers (the GPU machine's pip install; a CPU is enough to run it):
    python3 scripts/reference/make_hf_golden.py tests/fixtures/model/hf_golden
(scripts/gpu/check.sh runs it into its results; commit that folder as tests/fixtures/model/hf_golden,
where tests/roberta/tasks/huggingface_test.cpp reads it and skips, saying why, while it is absent.)
Builds a tiny random RobertaForMaskedLM (seeded), saves it with save_pretrained (config.json +
model.safetensors, the files `roberta import-hf` reads), and writes hf_golden_io.safetensors
with input_ids [B,T] (I64), logits [B,T,V] (F32, eval mode) and the sequence-classification
logits of a RobertaForSequenceClassification sharing the encoder. Both model folders get a
60-token vocab.json (the specials at RoBERTa's ids, <mask> last) and an empty merges.txt, so
they load as they are.
"""
import json
import os
import struct
import sys

import torch
import transformers


def write_safetensors(path, tensors):
    names = {torch.float32: "F32", torch.int64: "I64"}
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().cpu().numpy().tobytes()
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


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/model/hf_golden"
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(4321)
    config = transformers.RobertaConfig(
        vocab_size=60, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
        max_position_embeddings=26, type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2,
        layer_norm_eps=1e-5, hidden_act="gelu", initializer_range=0.2)
    mlm = transformers.RobertaForMaskedLM(config).eval()
    ids = torch.tensor([
        [0, 10, 11, 12, 13, 14, 15, 16, 17, 2],
        [0, 20, 21, 22, 2, 1, 1, 1, 1, 1],
        [0, 30, 31, 2, 2, 40, 41, 59, 2, 1],
    ], dtype=torch.int64)
    attention = ids.ne(config.pad_token_id).long()
    with torch.no_grad():
        logits = mlm(input_ids=ids, attention_mask=attention).logits
    model_dir = os.path.join(out, "hf_tiny")
    mlm.save_pretrained(model_dir, safe_serialization=True)
    cls_config = transformers.RobertaConfig(**{**config.to_dict(), "num_labels": 3})
    cls = transformers.RobertaForSequenceClassification(cls_config).eval()
    cls.roberta.load_state_dict(mlm.roberta.state_dict(), strict=False)
    with torch.no_grad():
        cls_logits = cls(input_ids=ids, attention_mask=attention).logits
    cls.save_pretrained(os.path.join(out, "hf_tiny_cls"), safe_serialization=True)
    # RoBERTa's special ids (<s> 0, <pad> 1, </s> 2, <unk> 3, <mask> last), single letters between.
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for i, ch in enumerate("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012"):
        vocab[ch] = 4 + i
    vocab["<mask>"] = config.vocab_size - 1
    assert len(vocab) == config.vocab_size and sorted(vocab.values()) == list(range(config.vocab_size))
    for folder in ("hf_tiny", "hf_tiny_cls"):
        with open(os.path.join(out, folder, "vocab.json"), "w") as f:
            json.dump(vocab, f)
        with open(os.path.join(out, folder, "merges.txt"), "w") as f:
            f.write("#version: 0.2\n")
    with open(os.path.join(out, "PROVENANCE.txt"), "w") as f:
        f.write(f"written by scripts/reference/make_hf_golden.py with transformers {transformers.__version__}, "
                f"torch {torch.__version__}\n")
    write_safetensors(os.path.join(out, "hf_golden_io.safetensors"),
                      {"input_ids": ids, "logits": logits.float(), "cls_logits": cls_logits.float()})
    print(f"wrote {out}: transformers {transformers.__version__}, torch {torch.__version__}")


if __name__ == "__main__":
    main()
