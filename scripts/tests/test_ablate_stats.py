"""scripts/ablate's statistics against hand-computed textbook values and the t distribution's
known properties (standard library only; run by ctest as scripts_ablate)."""
import importlib.machinery
import importlib.util
import math
import os
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
_loader = importlib.machinery.SourceFileLoader("ablate", os.path.join(HERE, "..", "ablate"))
_spec = importlib.util.spec_from_loader("ablate", _loader)
ablate = importlib.util.module_from_spec(_spec)
_loader.exec_module(ablate)


class PairedTest(unittest.TestCase):
    def test_textbook_example(self):
        # d = 1..5: mean 3, sd sqrt(2.5) = 1.5811, se 0.7071, t = 4.2426; df 4: t_.975 = 2.776,
        # t_.80 = 0.941, so the detectable difference is (2.776 + 0.941) x 0.7071 = 2.628.
        mean, sd, t, crit, mde = ablate.paired_test([1, 2, 3, 4, 5])
        self.assertAlmostEqual(mean, 3.0)
        self.assertAlmostEqual(sd, math.sqrt(2.5))
        self.assertAlmostEqual(t, 3.0 / (math.sqrt(2.5) / math.sqrt(5)))
        self.assertAlmostEqual(crit, 2.776)
        self.assertAlmostEqual(mde, (2.776 + 0.941) * math.sqrt(2.5) / math.sqrt(5))
        self.assertGreater(abs(t), crit)  # significant: "reproduced"

    def test_no_difference_is_not_significant(self):
        mean, sd, t, crit, _ = ablate.paired_test([0.5, -0.5, 0.25, -0.25])
        self.assertAlmostEqual(mean, 0.0)
        self.assertLess(abs(t), crit)

    def test_too_few_pairs(self):
        self.assertIsNone(ablate.paired_test([1.0]))

    def test_t_quantiles_fall_towards_the_normals(self):
        # Never rising with the degrees of freedom, ending just above the normal quantile.
        for table, normal in ((ablate.T975, 1.960), (ablate.T80, 0.842)):
            self.assertEqual(len(table), 30)
            for a, b in zip(table, table[1:]):
                self.assertGreaterEqual(a, b)  # three decimals: some neighbours round alike
            self.assertGreater(table[-1], normal)
            self.assertLess(table[-1] - normal, 0.1)
        # df = 1 is the Cauchy distribution: its quantiles are tan(pi (p - 1/2)).
        self.assertAlmostEqual(ablate.T975[0], math.tan(math.pi * 0.475), places=3)
        self.assertAlmostEqual(ablate.T80[0], math.tan(math.pi * 0.30), places=3)
        # df = 2 has a closed form too: t_p = (2p - 1) sqrt(2 / (1 - (2p - 1)^2)).
        for p, table in ((0.975, ablate.T975), (0.80, ablate.T80)):
            a = 2 * p - 1
            self.assertAlmostEqual(table[1], a * math.sqrt(2 / (1 - a * a)), places=3)


class SingleRunTest(unittest.TestCase):
    """single_run_test: two single runs against a pooled replicate sd (a two-sample t with the
    variance known from other groups)."""

    def test_textbook_pooled_sd(self):
        # Groups 1,2,3 and 2,3,4: each variance 1, so the pooled sd is 1 on 2 + 2 = 4 degrees of
        # freedom; the difference of two single runs has sd sqrt(2); df 4: t_.975 = 2.776.
        t, crit, mde, pooled, df = ablate.single_run_test(4.0, [[1, 2, 3], [2, 3, 4]])
        self.assertAlmostEqual(pooled, 1.0)
        self.assertEqual(df, 4)
        self.assertAlmostEqual(crit, 2.776)
        self.assertAlmostEqual(t, 4.0 / math.sqrt(2))
        self.assertAlmostEqual(mde, (2.776 + 0.941) * math.sqrt(2))
        self.assertGreater(abs(t), crit)  # 4 > 2.776 x 1.414 = 3.93: separable
        t, crit, *_ = ablate.single_run_test(3.5, [[1, 2, 3], [2, 3, 4]])
        self.assertLess(abs(t), crit)     # 3.5 < 3.93: not

    def test_unequal_groups_weigh_by_degrees_of_freedom(self):
        # Variances 1 (df 2) and 4 (df 1: 0 and 2.828...): pooled (2 x 1 + 1 x 4) / 3 = 2.
        _, _, _, pooled, df = ablate.single_run_test(0.0, [[1, 2, 3], [0, 2 * math.sqrt(2)]])
        self.assertEqual(df, 3)
        self.assertAlmostEqual(pooled, math.sqrt(2))

    def test_no_replicates_no_test(self):
        self.assertIsNone(ablate.single_run_test(1.0, [[5.0], []]))


class PairedUnits(unittest.TestCase):
    """Study.paired_diffs: with several pretraining seeds the unit of replication is the
    pretraining seed, not the fine-tuning run."""

    def study(self, paired):
        s = ablate.Study.__new__(ablate.Study)
        s.paired = paired
        return s

    def test_one_difference_per_pretraining_seed(self):
        # Pretraining seed 1: a - b = +1, +3 over two fine-tuning seeds (mean 2); seed 2: -1, +1
        # (mean 0); seed 3: +4, +2 (mean 3). Three differences, not six.
        a = {(1, 1): 11, (1, 2): 13, (2, 1): 9, (2, 2): 11, (3, 1): 14, (3, 2): 12}
        b = {(1, 1): 10, (1, 2): 10, (2, 1): 10, (2, 2): 10, (3, 1): 10, (3, 2): 10}
        diffs, unit = self.study({("a", "t"): a, ("b", "t"): b}).paired_diffs("a", "b", "t")
        self.assertEqual(sorted(diffs), [0.0, 2.0, 3.0])
        self.assertIn("pretraining seeds", unit)

    def test_one_pretrained_model_pairs_fine_tuning_seeds(self):
        a = {(1, 1): 11, (1, 2): 13, (1, 3): 12}
        b = {(0, 1): 10, (0, 2): 10, (0, 3): 10}  # e.g. the random-init row: pretraining seed 0
        diffs, unit = self.study({("a", "t"): a, ("b", "t"): b}).paired_diffs("a", "b", "t")
        self.assertEqual(diffs, [1, 3, 2])
        self.assertEqual(unit, "fine-tuning seeds")


if __name__ == "__main__":
    unittest.main()
