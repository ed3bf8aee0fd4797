"""debian-section: the Debian archive section of a package from its description.
Inputs are apt's own lists: Packages (Package, Source, Section, Description-md5) joined with
Translation-en (Description-md5 -> full English description). Packages built from one
source share most of their text, so each source package contributes one example and the
split is by source package; identical descriptions across sources are dropped too."""

import re

from common import SPLITS, cap, classification_stats, hash_order, split_of, write_splits_jsonl

# Topical sections only: language ecosystems (python, perl, libs, ...) are about packaging,
# not about what the software does.
SECTIONS = (
    "admin", "database", "editors", "electronics", "games", "graphics", "hamradio", "mail",
    "math", "net", "science", "sound", "text", "utils", "video", "web",
)

# Placeholder packages say nothing about their topic.
_SKIP = re.compile(r"transitional (dummy )?package|dummy package|metapackage", re.I)


def read_stanzas(path):
    """Deb822 stanzas as dicts; continuation lines are kept with their leading space."""
    stanza, key = {}, None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                if stanza:
                    yield stanza
                stanza, key = {}, None
            elif line[0] in " \t" and key is not None:
                stanza[key] += "\n" + line
            else:
                key, _, value = line.partition(":")
                stanza[key] = value.strip()
    if stanza:
        yield stanza


def description_text(desc):
    """'short\\n long line\\n .\\n more' -> 'short. long line more' on one line."""
    lines = desc.split("\n")
    short = lines[0].strip()
    body = []
    for line in lines[1:]:
        line = line.strip()
        if line == ".":
            continue
        body.append(line)
    long_text = " ".join(" ".join(body).split())
    short = short.rstrip(".")
    return f"{short}. {long_text}" if long_text else short


def build(packages_path, translation_path, out_dir, seed, train_cap, eval_cap):
    descriptions = {}
    for st in read_stanzas(translation_path):
        md5, desc = st.get("Description-md5"), st.get("Description-en")
        if md5 and desc:
            descriptions[md5] = desc
    by_source = {}
    for st in read_stanzas(packages_path):
        section = st.get("Section", "")
        if section not in SECTIONS:
            continue
        md5 = st.get("Description-md5")
        desc = descriptions.get(md5) if md5 else st.get("Description")
        if not desc or "\n" not in desc or _SKIP.search(desc):
            continue  # no long description, or a placeholder
        pkg = st["Package"]
        source = st.get("Source", pkg).split(" ")[0]
        by_source.setdefault((source, section), []).append((pkg, desc))
    # One package per (source, section): the one named like the source, else the shortest name.
    seen_text = set()
    pools = {s: {sec: [] for sec in SECTIONS} for s in SPLITS}
    for (source, section), pkgs in sorted(by_source.items()):
        pkg, desc = min(pkgs, key=lambda pd: (pd[0] != source, len(pd[0]), pd[0]))
        text = description_text(desc)
        norm = " ".join(text.lower().split())
        if norm in seen_text:
            continue
        seen_text.add(norm)
        split = split_of(seed, "debian-source\x1f" + source)
        pools[split][section].append({"id": pkg, "text": text, "label": section})
    # Balance: no section may hold more than twice its equal share of a split's cap
    # (utils would otherwise be a fifth of the data); small sections keep all they have.
    caps = {"train": train_cap, "dev": eval_cap, "test": eval_cap}
    out = {}
    for s in SPLITS:
        per_class = None if not caps[s] or caps[s] <= 0 else max(1, 2 * caps[s] // len(SECTIONS))
        rows = []
        for sec in SECTIONS:
            rows += cap(hash_order(pools[s][sec], seed, lambda r: r["id"]), per_class)
        out[s] = cap(hash_order(rows, seed, lambda r: r["id"]), caps[s])
    write_splits_jsonl(out_dir, out)
    return classification_stats("debian-section (classification, balanced per section)", out)
