"""brown-genre: which of the 15 Brown genres a passage of consecutive sentences comes from.
Documents are split per genre with exact counts, so each genre has at least one document in
dev and in test and no document contributes to two splits."""

from brown_corpus import detokenize
from common import SPLITS, cap, classification_stats, hash_order, split_groups_exactly, write_splits_jsonl

SENTENCES_PER_PASSAGE = 3


def build(docs, out_dir, seed, train_cap, eval_cap):
    by_genre = {}
    for fid, genre, _ in docs:
        by_genre.setdefault(genre, []).append(fid)
    doc_split = {}
    for genre, fids in sorted(by_genre.items()):
        doc_split.update(split_groups_exactly(seed, [f"{genre}/{f}" for f in fids]))
    pools = {s: [] for s in SPLITS}
    for fid, genre, sents in docs:
        split = doc_split[f"{genre}/{fid}"]
        # Non-overlapping windows; a short tail window is dropped.
        for start in range(0, len(sents) - SENTENCES_PER_PASSAGE + 1, SENTENCES_PER_PASSAGE):
            words = [w for sent in sents[start : start + SENTENCES_PER_PASSAGE] for w, _ in sent]
            pools[split].append({"id": f"{fid}:{start}", "text": detokenize(words), "label": genre})
    caps = {"train": train_cap, "dev": eval_cap, "test": eval_cap}
    out = {s: cap(hash_order(pools[s], seed, lambda r: r["id"]), caps[s]) for s in SPLITS}
    write_splits_jsonl(out_dir, out)
    return classification_stats(f"brown-genre (classification, {SENTENCES_PER_PASSAGE}-sentence passages)", out)
