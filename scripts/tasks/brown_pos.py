"""brown-pos: part-of-speech tagging on the Brown corpus, base tag set, CoNLL files.
Split by document (a document's sentences share names and topics), then capped."""

import os

from brown_corpus import simplify_tag
from common import SPLITS, cap, hash_order, split_of, tagging_stats, write_conll, write_labels


def build(docs, out_dir, seed, train_cap, eval_cap):
    splits = {s: [] for s in SPLITS}
    for fid, _genre, sents in docs:
        split = split_of(seed, "brown-doc\x1f" + fid)
        for i, sent in enumerate(sents):
            splits[split].append((f"{fid}:{i}", [(w, simplify_tag(t)) for w, t in sent]))
    caps = {"train": train_cap, "dev": eval_cap, "test": eval_cap}
    out = {}
    for s in SPLITS:
        chosen = cap(hash_order(splits[s], seed, lambda it: it[0]), caps[s])
        out[s] = [sent for _, sent in chosen]
    os.makedirs(out_dir, exist_ok=True)
    for s in SPLITS:
        write_conll(os.path.join(out_dir, f"{s}.conll"), out[s])
    write_labels(out_dir, [tag for s in SPLITS for sent in out[s] for _, tag in sent])
    return tagging_stats("brown-pos (tagging, CoNLL)", out)
