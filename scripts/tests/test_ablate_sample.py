"""scripts/ablate's masking-regime sample (write_document_sample): whole documents of the
source, in the source's order, about the asked size, the same for the same seed (standard
library only; run by ctest as scripts_ablate)."""
import importlib.machinery
import importlib.util
import os
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
_loader = importlib.machinery.SourceFileLoader("ablate", os.path.join(HERE, "..", "ablate"))
_spec = importlib.util.spec_from_loader("ablate", _loader)
ablate = importlib.util.module_from_spec(_spec)
_loader.exec_module(ablate)


def corpus(n):
    """n documents of different sizes (doc i: i % 7 + 1 lines), each naming itself."""
    return ["\n".join(f"document {i} line {j} with some words" for j in range(i % 7 + 1))
            for i in range(n)]


class DocumentSample(unittest.TestCase):
    def sample(self, docs, budget, seed):
        with tempfile.TemporaryDirectory() as tmp:
            src, dest = os.path.join(tmp, "src.txt"), os.path.join(tmp, "sub", "dest.txt")
            with open(src, "w") as f:
                f.write("\n\n".join(docs) + "\n")
            ablate.write_document_sample(src, dest, budget, seed)
            with open(dest) as f:
                text = f.read()
        return [d.strip("\n") for d in text.split("\n\n") if d.strip()]

    def test_whole_documents_in_source_order_near_the_budget(self):
        docs = corpus(400)
        total = sum(len(d) + 2 for d in docs)
        got = self.sample(docs, total // 10, seed=1)
        # Every kept document is one of the source's, unchanged, and they keep the source order.
        index = {d: i for i, d in enumerate(docs)}
        self.assertTrue(all(d in index for d in got))
        positions = [index[d] for d in got]
        self.assertEqual(positions, sorted(positions))
        self.assertEqual(len(set(positions)), len(positions))
        size = sum(len(d) + 2 for d in got)
        self.assertLessEqual(size, total // 10)
        self.assertGreaterEqual(size, 0.9 * (total // 10))
        # A sample, not a prefix: drawn from across the corpus.
        self.assertGreater(max(positions) - min(positions), 300)

    def test_seeded(self):
        docs = corpus(200)
        budget = sum(len(d) + 2 for d in docs) // 5
        self.assertEqual(self.sample(docs, budget, 1), self.sample(docs, budget, 1))
        self.assertNotEqual(self.sample(docs, budget, 1), self.sample(docs, budget, 2))

    def test_at_least_two_documents(self):
        # The pair formats need two documents (random next segments): a tiny budget still
        # gives two.
        self.assertEqual(len(self.sample(corpus(50), 10, seed=3)), 2)


if __name__ == "__main__":
    unittest.main()
