"""wordnet-hypernym: given the gloss of a noun or verb synset and a second gloss, is the
second its direct hypernym? Negatives, one per positive: half "hard" (a sibling of the true
hypernym: same neighbourhood, wrong concept), half a random synset of the same part of
speech; never an ancestor of the first synset. Split by the hypernym synset, so a concept
seen as a hypernym in train is never the hypernym side of a dev/test pair."""

from common import SPLITS, cap, classification_stats, hash_order, split_of, stable_hash, write_splits_jsonl

HYPERNYM_SYMBOLS = ("@", "@i")  # hypernym, instance hypernym


def build(synsets, out_dir, seed, train_cap, eval_cap):
    hypers = {k: [t for sym, t in s.pointers if sym in HYPERNYM_SYMBOLS and t in synsets]
              for k, s in synsets.items() if s.pos in ("n", "v")}
    hypos = {}
    for k, hs in hypers.items():
        for h in hs:
            hypos.setdefault(h, []).append(k)
    for v in hypos.values():
        v.sort()
    by_pos = {p: sorted(k for k in hypers if synsets[k].pos == p) for p in ("n", "v")}

    ancestor_cache = {}

    def ancestors(k):
        if k not in ancestor_cache:
            seen, stack = set(), list(hypers.get(k, ()))
            while stack:
                a = stack.pop()
                if a not in seen:
                    seen.add(a)
                    stack.extend(hypers.get(a, ()))
            ancestor_cache[k] = seen
        return ancestor_cache[k]

    def negative(a, h):
        banned = ancestors(a) | {a}
        if stable_hash(seed, f"hard\x1f{a}\x1f{h}") % 2 == 0:
            siblings = sorted({x for g in hypers.get(h, ()) for x in hypos.get(g, ()) if x not in banned})
            if siblings:
                return siblings[stable_hash(seed, f"sib\x1f{a}\x1f{h}") % len(siblings)]
        pool = by_pos[synsets[a].pos]
        for attempt in range(100):
            x = pool[stable_hash(seed, f"rand\x1f{a}\x1f{h}\x1f{attempt}") % len(pool)]
            if x not in banned:
                return x
        return None  # nothing to contrast with (tiny inputs): the pair is dropped

    positives = {s: [] for s in SPLITS}
    for a in sorted(hypers):
        for h in hypers[a]:
            positives[split_of(seed, "wn-hypernym\x1f" + h)].append((a, h))
    caps = {"train": train_cap, "dev": eval_cap, "test": eval_cap}
    out = {}
    for s in SPLITS:
        n_pos = None if not caps[s] or caps[s] <= 0 else caps[s] // 2
        rows = []
        for a, h in cap(hash_order(positives[s], seed, lambda p: p[0] + p[1]), n_pos):
            x = negative(a, h)
            if x is None:
                continue
            text = synsets[a].describe()
            rows.append({"id": f"{a}+{h}", "text": text, "text_pair": synsets[h].describe(), "label": "hypernym"})
            rows.append({"id": f"{a}-{x}", "text": text, "text_pair": synsets[x].describe(), "label": "other"})
        out[s] = hash_order(rows, seed, lambda r: r["id"])
    write_splits_jsonl(out_dir, out)
    return classification_stats("wordnet-hypernym (sentence pair, noun and verb synsets)", out)
