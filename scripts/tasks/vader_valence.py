"""vader-valence: regression from a lexicon entry (word, emoticon or slang) to its mean
valence rating (-4 .. +4, ten raters) in VADER's lexicon, as shipped by npm vader-sentiment.
Lines are `token<TAB>mean<TAB>sd<TAB>[ten ratings]`. Split by entry."""

from common import SPLITS, cap, hash_order, regression_stats, split_of, write_splits_jsonl


def read_lexicon(path):
    entries = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 2:
                raise ValueError(f"{path}:{n}: expected token<TAB>mean..., found {line!r}")
            try:
                mean = float(parts[1])
            except ValueError:
                raise ValueError(f"{path}:{n}: mean rating is not a number: {parts[1]!r}") from None
            entries.append((parts[0], mean))
    return entries


def merge_duplicates(entries):
    """A few tokens (lol, ok, fav, :-p, ...) are listed twice with different ratings, each from
    ten raters: one example each, the mean of the listed means (rounded to 4 decimals)."""
    means = {}
    for token, mean in entries:
        means.setdefault(token, []).append(mean)
    return [(token, round(sum(ms) / len(ms), 4)) for token, ms in means.items()]


def build(lexicon_path, out_dir, seed, train_cap, eval_cap):
    pools = {s: [] for s in SPLITS}
    for token, mean in merge_duplicates(read_lexicon(lexicon_path)):
        pools[split_of(seed, "vader\x1f" + token)].append({"id": token, "text": token, "label": mean})
    caps = {"train": train_cap, "dev": eval_cap, "test": eval_cap}
    out = {s: cap(hash_order(pools[s], seed, lambda r: r["id"]), caps[s]) for s in SPLITS}
    write_splits_jsonl(out_dir, out)
    return regression_stats("vader-valence (regression, mean rating -4..4)", out)
