"""Tests of the task-suite builders: hand-computed cases for every parser and mapping, split
statistics with stated bounds, and an end-to-end run on tiny hand-written inputs checking the
invariants (no group in two splits, balanced pairs, same bytes on a second run).
Run: python3 -m unittest discover -s scripts/tasks -p 'test_*.py'   (about a second)"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import baselines  # noqa: E402
import brown_corpus  # noqa: E402
import common  # noqa: E402
import debian_section  # noqa: E402
import vader_valence  # noqa: E402
import wordnet  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


class TagSimplification(unittest.TestCase):
    def test_brown_manual_cases(self):
        cases = {
            "nn": "NN", "np-tl": "NP", "nn-hl": "NN", "jj-tl-hl": "JJ", "fw-nn": "NN",
            "fw-in-tl": "IN", "ppss+bem": "PPSS", "md*": "MD", "do*": "DO", "bez*": "BEZ",
            "*": "*", "np$": "NP$", "nns$-tl": "NNS$", "pp$$": "PP$$", "--": "--", ".": ".",
            "``": "``", "''": "''", "nn-nc": "NN", "md*-hl": "MD", "fw-at+nn-tl": "AT",
        }
        for raw, want in cases.items():
            self.assertEqual(brown_corpus.simplify_tag(raw), want, raw)

    def test_token_splits_at_last_slash(self):
        self.assertEqual(brown_corpus.parse_token("1/2/cd"), ("1/2", "cd"))
        self.assertEqual(brown_corpus.parse_token("Atlanta's/np$"), ("Atlanta's", "np$"))
        with self.assertRaises(ValueError):
            brown_corpus.parse_token("notag")


class Detokenize(unittest.TestCase):
    def test_quotes_and_punctuation(self):
        words = "`` Only a handful '' , the jury said ; ; `` it is n't over '' .".split()
        self.assertEqual(brown_corpus.detokenize(words),
                         '"Only a handful", the jury said; "it isn\'t over".')

    def test_brackets_and_money(self):
        words = "a tractor ( $ 300 to $ 500 ) ? ?".split()
        self.assertEqual(brown_corpus.detokenize(words), "a tractor ($300 to $500)?")


class Splits(unittest.TestCase):
    def test_fractions_within_five_sigma(self):
        # 20000 keys, p = 0.1: sd = sqrt(20000 * 0.1 * 0.9) = 42.4, so |n - 2000| < 212.
        counts = {s: 0 for s in common.SPLITS}
        for i in range(20000):
            counts[common.split_of(7, f"key{i}")] += 1
        self.assertLess(abs(counts["dev"] - 2000), 212)
        self.assertLess(abs(counts["test"] - 2000), 212)

    def test_seed_changes_assignment_but_not_stability(self):
        a = [common.split_of(1, f"k{i}") for i in range(200)]
        self.assertEqual(a, [common.split_of(1, f"k{i}") for i in range(200)])
        self.assertNotEqual(a, [common.split_of(2, f"k{i}") for i in range(200)])

    def test_exact_group_split(self):
        got = common.split_groups_exactly(3, [f"d{i}" for i in range(6)])
        self.assertEqual(sorted(got.values()).count("dev"), 1)
        self.assertEqual(sorted(got.values()).count("test"), 1)
        got = common.split_groups_exactly(3, [f"d{i}" for i in range(80)])
        self.assertEqual(list(got.values()).count("dev"), 8)
        self.assertEqual(list(got.values()).count("test"), 8)


class DebianDescriptions(unittest.TestCase):
    def test_long_description_flattened(self):
        desc = "tool to do X\n First paragraph\n line two.\n .\n Second  paragraph."
        self.assertEqual(debian_section.description_text(desc),
                         "tool to do X. First paragraph line two. Second paragraph.")

    def test_stanzas(self):
        with tempfile.NamedTemporaryFile("w", delete=False, suffix=".txt") as f:
            f.write("Package: a\nDescription-en: short\n long\n .\n more\n\nPackage: b\nSection: net\n")
        try:
            got = list(debian_section.read_stanzas(f.name))
        finally:
            os.unlink(f.name)
        self.assertEqual(got, [{"Package": "a", "Description-en": "short\n long\n .\n more"},
                               {"Package": "b", "Section": "net"}])


class WordNetLines(unittest.TestCase):
    def test_noun_line(self):
        line = ("02084071 05 n 03 dog 0 domestic_dog 0 Canis_familiaris 0 002 @ 02083346 n 0000 "
                "@i 01317541 n 0000 | a member of the genus Canis; \"the dog barked all night\"  \n")
        s = wordnet.parse_line("n", line)
        self.assertEqual(s.key, "n:02084071")
        self.assertEqual(s.words, ["dog", "domestic dog", "Canis familiaris"])
        self.assertEqual(s.pointers, [("@", "n:02083346"), ("@i", "n:01317541")])
        self.assertEqual(s.definition, "a member of the genus Canis")
        self.assertEqual(s.describe(2), "dog, domestic dog: a member of the genus Canis")

    def test_verb_frames_and_satellites(self):
        line = ("00002325 29 v 01 respire 1 002 $ 00001740 v 0000 & 00002573 s 0000 01 + 02 00 "
                "| undergo respiration  \n")
        s = wordnet.parse_line("v", line)
        self.assertEqual(s.pointers, [("$", "v:00001740"), ("&", "a:00002573")])
        self.assertEqual(s.definition, "undergo respiration")
        adj = wordnet.parse_line("a", "00001740 00 a 01 big(a) 0 000 | large  \n")
        self.assertEqual(adj.words, ["big"])


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def tiny_inputs(root):
    """Hand-written inputs in each source's real layout, small enough to reason about."""
    brown = os.path.join(root, "brown")
    genres = ["news", "lore", "humor"]
    cats = []
    for g, genre in enumerate(genres):
        for d in range(5):
            fid = f"c{'abc'[g]}{d:02d}"
            cats.append(f"{fid} {genre}")
            sents = [f"\n\n\tThe/at {genre}/nn-tl number/nn {d}/cd-hl sentence/nn {i}/cd ./.\n" for i in range(7)]
            write(os.path.join(brown, fid), "".join(sents))
    write(os.path.join(brown, "cats.txt"), "\n".join(cats) + "\n")
    write(os.path.join(root, "vader.txt"),  # word0 is listed twice, as lol and ok are upstream
          "".join(f"word{i}\t{(i % 9) - 4:.1f}\t0.5\t[0]\n" for i in range(60)) + "word0\t3.0\t0.1\t[3]\n")
    # WordNet: root R; hypernyms H0..H3 under R; leaves L<h><j> under each H<h>.
    wn = os.path.join(root, "wordnet")
    lines = ["  1 This is a licence header line.\n"]
    off = lambda k: f"{k:08d}"  # noqa: E731
    lines.append(f"{off(1)} 03 n 01 root 0 000 | the root concept  \n")
    for h in range(4):
        lines.append(f"{off(10 + h)} 03 n 02 hyper{h} 0 hypername{h} 0 001 @ {off(1)} n 0000 | hypernym {h}  \n")
        for j in range(6):
            k = 100 + 10 * h + j
            lines.append(f"{off(k)} 03 n 02 leaf{h}x{j} 0 leafname{h}x{j} 0 001 @ {off(10 + h)} n 0000 "
                         f"| leaf {j} of {h}; \"an example\"  \n")
    write(os.path.join(wn, "data.noun"), "".join(lines))
    write(os.path.join(wn, "data.verb"),
          f"{off(5)} 29 v 02 run 0 sprint 0 000 01 + 02 00 | move fast  \n"
          f"{off(6)} 29 v 02 walk 0 stroll 0 001 @ {off(5)} v 0000 01 + 02 00 | move slowly  \n"
          f"{off(9)} 29 v 02 run 1 sprint 1 000 01 + 02 00 | race  \n")  # the same pair again
    write(os.path.join(wn, "data.adj"), f"{off(7)} 00 a 02 big(a) 0 large 0 000 | of size  \n")
    write(os.path.join(wn, "data.adv"), f"{off(8)} 02 r 02 fast 0 quickly 0 000 | at speed  \n")
    pk, tr = [], []
    for i in range(120):
        section = ["net", "games", "science", "libs"][i % 4]
        src = f"src{i // 2}"  # two packages per source: they must land in one split
        pk.append(f"Package: pkg{i}\nSource: {src} (1.0)\nSection: {section}\nDescription-md5: m{i}\n")
        tr.append(f"Package: pkg{i}\nDescription-md5: m{i}\nDescription-en: {section} tool {i}\n"
                  f" It does {section} thing number {i}.\n .\n Second paragraph.\n")
    pk.append("Package: dummy\nSection: net\nDescription-md5: md\n")
    tr.append("Package: dummy\nDescription-md5: md\nDescription-en: x\n transitional dummy package\n")
    write(os.path.join(root, "Packages"), "\n".join(pk))
    write(os.path.join(root, "Translation-en"), "\n".join(tr))


def run_prepare(root, out, *extra):
    subprocess.run(
        [sys.executable, os.path.join(HERE, "prepare_tasks.py"), "--out", out,
         "--brown", os.path.join(root, "brown"), "--vader", os.path.join(root, "vader.txt"),
         "--wordnet", os.path.join(root, "wordnet"), "--packages", os.path.join(root, "Packages"),
         "--translations", os.path.join(root, "Translation-en"), *extra],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


class EndToEnd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.root = cls.tmp.name
        tiny_inputs(cls.root)
        cls.out = os.path.join(cls.root, "out")
        run_prepare(cls.root, cls.out)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def split_rows(self, task):
        return {s: read_jsonl(os.path.join(self.out, task, f"{s}.jsonl")) for s in common.SPLITS}

    def test_same_bytes_on_a_second_run(self):
        again = os.path.join(self.root, "again")
        run_prepare(self.root, again)
        with open(os.path.join(self.out, "SHA256SUMS")) as a, open(os.path.join(again, "SHA256SUMS")) as b:
            self.assertEqual(a.read(), b.read())

    def test_brown_pos_conll(self):
        with open(os.path.join(self.out, "brown-pos", "train.conll"), encoding="utf-8") as f:
            blocks = [b for b in f.read().split("\n\n") if b.strip()]
        self.assertTrue(blocks)
        for block in blocks:
            rows = [line.split("\t") for line in block.strip("\n").split("\n")]
            self.assertEqual([r[1] for r in rows], ["AT", "NN", "NN", "CD", "NN", "CD", "."])
        total = 0
        for s in common.SPLITS:
            with open(os.path.join(self.out, "brown-pos", f"{s}.conll"), encoding="utf-8") as f:
                total += sum(1 for b in f.read().split("\n\n") if b.strip())
        self.assertEqual(total, 15 * 7)  # every sentence, each in exactly one split

    def test_brown_genre_documents_do_not_cross_splits(self):
        rows = self.split_rows("brown-genre")
        # 5 documents per genre: 3 train, 1 dev, 1 test; 7 sentences -> 2 passages of 3 each.
        for s, n_docs in (("train", 3), ("dev", 1), ("test", 1)):
            self.assertEqual(len(rows[s]), 3 * n_docs * 2, s)
            for genre in ("news", "lore", "humor"):
                self.assertEqual(sum(r["label"] == genre for r in rows[s]), n_docs * 2)
        docs = {s: {r["text"].split(" sentence")[0] for r in rows[s]} for s in common.SPLITS}
        self.assertFalse(docs["train"] & docs["dev"] or docs["train"] & docs["test"] or docs["dev"] & docs["test"])
        self.assertEqual(rows["train"][0]["text"].count("."), 3)

    def test_debian_sections(self):
        rows = self.split_rows("debian-section")
        all_rows = [r for s in common.SPLITS for r in rows[s]]
        labels = {r["label"] for r in all_rows}
        self.assertEqual(labels, {"net", "games", "science"})  # libs is not topical
        self.assertFalse(any("dummy" in r["text"] for r in all_rows))
        # One package per source (source = i // 2, sections alternate, so each source has two
        # packages in two different sections: both kept, 120 - 30 libs = 90 rows).
        self.assertEqual(len(all_rows), 90)
        self.assertTrue(all(r["text"].endswith("Second paragraph.") for r in all_rows))

    def test_wordnet_hypernym_pairs(self):
        rows = self.split_rows("wordnet-hypernym")
        for s in common.SPLITS:
            pos = [r for r in rows[s] if r["label"] == "hypernym"]
            neg = [r for r in rows[s] if r["label"] == "other"]
            self.assertEqual(len(pos), len(neg))
            for r in pos:
                if r["text"].startswith("leaf"):
                    h = r["text"][4]
                    self.assertTrue(r["text_pair"].startswith(f"hyper{h}"), r)
            for r in neg:
                # Never the true hypernym nor the root (an ancestor of everything).
                if r["text"].startswith("leaf"):
                    self.assertFalse(r["text_pair"].startswith(f"hyper{r['text'][4]},"), r)
                self.assertFalse(r["text_pair"].startswith("root"), r)
        # Split by hypernym: a hypernym's gloss is the positive side in one split only.
        sides = {s: {r["text_pair"] for r in rows[s] if r["label"] == "hypernym"} for s in common.SPLITS}
        self.assertFalse(sides["train"] & sides["dev"] or sides["train"] & sides["test"])
        total_pos = sum(r["label"] == "hypernym" for s in common.SPLITS for r in rows[s])
        # Leaves, hypernyms under root, walk -> run (its only possible negative: "run, sprint: race").
        self.assertEqual(total_pos, 4 * 6 + 4 + 1)

    def test_wordnet_synonym_pairs(self):
        rows = self.split_rows("wordnet-synonym")
        synonyms = {("run", "sprint"), ("walk", "stroll"), ("big", "large"), ("fast", "quickly"),
                    ("root", None)}
        labels = [r["label"] for s in common.SPLITS for r in rows[s]]
        # Synsets with two distinct words: 4 hypernyms, 24 leaves, run, walk; the second
        # run/sprint synset repeats a pair already used, and big/large and fast/quickly are
        # dropped: their part of speech has no other word to contrast with.
        self.assertEqual(labels.count("synonym"), 30)
        self.assertEqual(labels.count("other"), 30)
        for s in common.SPLITS:
            for r in rows[s]:
                a, b = r["text"], r["text_pair"]
                same = (a.replace("name", "") == b.replace("name", "")
                        or (a, b) in synonyms or (b, a) in synonyms)
                self.assertEqual(r["label"] == "synonym", same, r)
        pairs = [tuple(sorted((r["text"].lower(), r["text_pair"].lower()))) for s in common.SPLITS for r in rows[s]]
        self.assertEqual(len(pairs), len(set(pairs)))  # no pair twice, in or across splits

    def test_vader_regression(self):
        rows = self.split_rows("vader-valence")
        got = sorted((r["text"], r["label"]) for s in common.SPLITS for r in rows[s])
        want = sorted((f"word{i}", float((i % 9) - 4)) for i in range(1, 60)) + [("word0", -0.5)]
        want.sort()
        self.assertEqual(got, want)
        self.assertFalse(os.path.exists(os.path.join(self.out, "vader-valence", "labels.txt")))

    def test_task_json_and_caps(self):
        capped = os.path.join(self.root, "capped")
        run_prepare(self.root, capped, "--train-cap", "4", "--eval-cap", "2", "--tasks", "vader-valence,brown-genre")
        self.assertEqual(sorted(os.listdir(capped)), ["README.md", "SHA256SUMS", "brown-genre", "vader-valence"])
        self.assertEqual(len(read_jsonl(os.path.join(capped, "vader-valence", "train.jsonl"))), 4)
        self.assertEqual(len(read_jsonl(os.path.join(capped, "brown-genre", "dev.jsonl"))), 2)
        with open(os.path.join(capped, "brown-genre", "task.json")) as f:
            meta = json.load(f)
        self.assertEqual((meta["type"], meta["num_labels"], meta["format"]), ("classification", 3, "jsonl"))


class NaiveBayes(unittest.TestCase):
    def test_hand_case(self):
        train = [{"text": "goal match goal", "label": "sport"}, {"text": "vote law", "label": "politics"},
                 {"text": "match team", "label": "sport"}]
        # Vocabulary of 5 words; "law vote unknown": politics 1/3 * (2/7)^2 = 0.027 beats sport
        # 2/3 * (1/10)^2 = 0.0067; "goal": sport 2/3 * 3/10 = 0.2 beats politics 1/3 * 1/7 = 0.048.
        test = [{"text": "law vote unknown", "label": "politics"}, {"text": "Goal!", "label": "sport"}]
        self.assertEqual(baselines.naive_bayes_accuracy(train, test), 1.0)


class Readers(unittest.TestCase):
    def test_vader_lexicon_errors_name_the_line(self):
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write("good\t1.9\t0.5\t[]\nbad\tx\n")
        try:
            with self.assertRaisesRegex(ValueError, r":2: mean rating is not a number"):
                vader_valence.read_lexicon(f.name)
        finally:
            os.unlink(f.name)


if __name__ == "__main__":
    unittest.main()
