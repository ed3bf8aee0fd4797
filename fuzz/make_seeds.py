#!/usr/bin/env python3
"""Writes the small seed corpus of every fuzz target into fuzz/corpus/<target>/ (committed).
Python standard library only; formats built from their specifications, not from our code:
the shard layout documented in data/shards.h, the safetensors layout (8-byte LE header
length, JSON header, raw bytes), HF vocab.json / merges.txt.
Usage: python3 fuzz/make_seeds.py"""
import json
import os
import shutil
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "corpus")


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def crc32c(data):
    """CRC-32C by its definition (reflected polynomial 0x82F63B78), bit by bit."""
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def shard(docs):
    """docs: list of documents, each a list of sentences (lists of uint16 ids). Shard format 4
    (data/shards.h); these seeds fit one token block and one index block per offset array."""
    sent_off, doc_off, tokens = [0], [0], []
    for doc in docs:
        for s in doc:
            tokens += s
            sent_off.append(len(tokens))
        doc_off.append(len(sent_off) - 1)
    block_bytes = 64 << 10  # data/shards.h kShardBlockBytes
    index_block_entries = 8192  # data/shards.h kIndexBlockEntries
    sentences = b"".join(struct.pack("<Q", o) for o in sent_off)
    documents = b"".join(struct.pack("<Q", o) for o in doc_off)
    document_tokens = b"".join(struct.pack("<Q", sent_off[o]) for o in doc_off)
    tok = b"".join(struct.pack("<H", t) for t in tokens)
    tables = struct.pack("<QQQ", sent_off[0], doc_off[0], 0)
    for array in (sentences, documents, document_tokens):
        tables += struct.pack("<I", crc32c(array)) + b"\0" * 4
    if tok:
        tables += struct.pack("<I", crc32c(tok)) + b"\0" * 4
    tok += b"\0" * (-len(tok) % 8)
    body = sentences + documents + document_tokens + tables + tok
    header = b"RBTSHARD" + struct.pack("<IIQQQQQQ", 4, 2, len(tokens), len(sent_off) - 1,
                                       len(doc_off) - 1, crc32c(tables), block_bytes, index_block_entries)
    assert len(header) == 64
    return header + body


def byte_chars():
    """GPT-2's bytes_to_unicode table, in byte order."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    table = dict(zip(bs, cs))
    return [chr(table[b]) for b in range(256)]


def safetensors(tensors, header_extra=None):
    header, data = {}, b""
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if header_extra:
        header.update(header_extra)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    # tokenizer encode: plain bytes
    put("fuzz_tokenizer_encode", "ascii", "Hello world, it's 2024! The quick brown fox.")
    put("fuzz_tokenizer_encode", "unicode", "Grüße, 東京 — naïve café 🙂  \t\n tabs")
    put("fuzz_tokenizer_encode", "invalid_utf8", b"ab\xff\xfe\xc3(\xe2\x82 \xf0\x28\x8c\xbc end")
    put("fuzz_tokenizer_encode", "specials", "<s>Paris is <mask>.</s></s><pad><unk>")
    put("fuzz_tokenizer_encode", "long_piece", "a" * 300 + " " + "xy" * 200)
    # vocab files: first byte even = vocab.json follows, odd = merges.txt follows
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for c in byte_chars():
        vocab[c] = len(vocab)
    vocab["Ġt"] = len(vocab)
    vocab["Ġth"] = len(vocab)
    put("fuzz_vocab_files", "vocab", b"\0" + json.dumps(vocab, ensure_ascii=False).encode())
    put("fuzz_vocab_files", "merges", b"\1" + "#version: 0.2\nĠ t\nĠt h\nt h\n".encode())
    put("fuzz_vocab_files", "merges_bad", b"\1" + "#version: 0.2\nĠ\nx y z\n".encode())
    # dataset: first byte 0 = dataset.json, 1 = shard, 2 = shard with the checksum fixed up
    docs = [[[5, 6, 7], [8]], [[9, 10]]]
    valid = shard(docs)  # what fuzz_dataset_manifest's DatasetWriter writes for these documents
    _, _, tokens, sentences, documents, index_crc, block_bytes, _ = struct.unpack("<IIQQQQQQ", valid[8:64])
    manifest = {"format": "roberta-token-shards", "version": 2,
                "special": {"bos_id": 0, "pad_id": 1, "eos_id": 2, "unk_id": 3, "mask_id": 4,
                            "vocab_size": 100},
                "dtype": "uint16", "shards": ["shard-00000.bin"],
                "shard_info": [{"tokens": tokens, "sentences": sentences, "documents": documents,
                                "bytes": len(valid), "block_bytes": block_bytes, "dtype_bytes": 2,
                                "index_crc": index_crc}],
                "documents": 2, "sentences": 3, "tokens": 6}
    put("fuzz_dataset_manifest", "manifest", b"\0" + json.dumps(manifest).encode())
    put("fuzz_dataset_manifest", "shard", b"\1" + shard(docs))
    put("fuzz_dataset_manifest", "shard_fixup", b"\2" + shard(docs))
    put("fuzz_dataset_manifest", "shard_empty", b"\2" + shard([]))
    # config
    for src, name in [("tests/fixtures/config/experiment.yaml", "experiment"),
                      ("configs/pretrain/demo.yaml", "demo")]:
        with open(os.path.join(ROOT, src), "rb") as f:
            put("fuzz_config", name, f.read())
    put("fuzz_config", "flow", "model: {layers: 2, hidden: 64, heads: 2, ffn: 128}\noptim: {betas: [0.9, 0.98]}\n")
    put("fuzz_config", "anchors", "a: &x {lr: 1}\noptim: *x\n")
    # safetensors
    f32 = struct.pack("<4f", 1, 2, 3, 4)
    put("fuzz_safetensors", "two", safetensors([("a", "F32", [2, 2], f32), ("b", "I64", [1], struct.pack("<q", 7))],
                                               {"__metadata__": {"format": "pt"}}))
    put("fuzz_safetensors", "bf16", safetensors([("w", "BF16", [2], b"\x80\x3f\x00\x40")]))
    put("fuzz_safetensors", "empty", safetensors([]))
    put("fuzz_safetensors", "scalar", safetensors([("s", "F64", [], struct.pack("<d", 1.5))]))


if __name__ == "__main__":
    main()
