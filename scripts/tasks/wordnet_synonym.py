"""wordnet-synonym: are two words synonyms (do they share a synset)? Positives: two lemmas of
one synset. Negatives, one per positive: half "hard" (a lemma of a directly linked synset:
hypernym, hyponym, antonym, similar-to, ...), half a random lemma of the same part of speech;
in both cases the two words share no synset at all. Split by the positive's synset."""

from common import SPLITS, classification_stats, hash_order, split_of, stable_hash, write_splits_jsonl


def build(synsets, out_dir, seed, train_cap, eval_cap):
    senses = {}  # lower-cased word -> set of synset keys
    for k, s in synsets.items():
        for w in s.words:
            senses.setdefault(w.lower(), set()).add(k)
    words_by_pos = {}
    for k, s in synsets.items():
        words_by_pos.setdefault(s.pos, set()).update(w.lower() for w in s.words)
    words_by_pos = {p: sorted(ws) for p, ws in words_by_pos.items()}

    def distinct(s):
        out, seen = [], set()
        for w in s.words:
            if w.lower() not in seen:
                seen.add(w.lower())
                out.append(w)
        return out

    def is_negative(w, x):
        return not (senses[w.lower()] & senses[x.lower()])

    def negative(k, w):
        if stable_hash(seed, f"hard\x1f{k}") % 2 == 0:
            linked = sorted({x for _, t in synsets[k].pointers if t in synsets
                             for x in distinct(synsets[t]) if is_negative(w, x)})
            if linked:
                return linked[stable_hash(seed, f"link\x1f{k}") % len(linked)]
        pool = words_by_pos[synsets[k].pos]
        for attempt in range(100):
            x = pool[stable_hash(seed, f"rand\x1f{k}\x1f{attempt}") % len(pool)]
            if is_negative(w, x):
                return x
        return None  # nothing to contrast with (tiny inputs): the pair is dropped

    positives = {s: [] for s in SPLITS}
    for k in sorted(synsets):
        if len(distinct(synsets[k])) >= 2:
            positives[split_of(seed, "wn-synonym\x1f" + k)].append(k)
    caps = {"train": train_cap, "dev": eval_cap, "test": eval_cap}
    # Two synsets can share two words (senses of one pair), so a pair is used at most once in
    # the whole suite; test and dev choose first, train takes what is left.
    used = set()

    def pair_key(a, b):
        return tuple(sorted((a.lower(), b.lower())))

    out = {}
    for s in ("test", "dev", "train"):
        n_pos = None if not caps[s] or caps[s] <= 0 else caps[s] // 2
        rows = []
        for k in hash_order(positives[s], seed, lambda key: key):
            if n_pos is not None and len(rows) >= 2 * n_pos:
                break
            ws = hash_order(distinct(synsets[k]), seed, lambda w: k + "\x1f" + w)
            pos = next(((w, y) for i, w in enumerate(ws) for y in ws[i + 1:]
                        if pair_key(w, y) not in used), None)
            if pos is None:
                continue
            w, y = pos
            x = negative(k, w)
            if x is None or pair_key(w, x) in used:
                continue
            used.update((pair_key(w, y), pair_key(w, x)))
            rows.append({"id": f"{k}+", "text": w, "text_pair": y, "label": "synonym"})
            rows.append({"id": f"{k}-", "text": w, "text_pair": x, "label": "other"})
        out[s] = hash_order(rows, seed, lambda r: r["id"])
    write_splits_jsonl(out_dir, out)
    return classification_stats("wordnet-synonym (sentence pair, all parts of speech)", out)
