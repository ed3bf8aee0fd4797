// Evaluation metrics of the GLUE tasks and the local suite: accuracy, F1 (binary and macro),
// Matthews correlation, Pearson and Spearman. Plain vectors in, a double out; undefined cases
// (no positives, constant inputs) give 0 rather than nan, as scikit-learn does for F1 and MCC,
// so "best checkpoint by dev metric" always compares numbers.
#pragma once

#include <cstdint>
#include <vector>

namespace roberta {

// Fraction of positions where prediction == label. Empty input: 0.
double accuracy(const std::vector<int64_t>& predictions, const std::vector<int64_t>& labels);

// F1 of class `positive` (GLUE MRPC / QQP: positive = 1): 2 TP / (2 TP + FP + FN).
double binary_f1(const std::vector<int64_t>& predictions, const std::vector<int64_t>& labels,
                 int64_t positive = 1);

// Unweighted mean of the per-class F1 over every class seen in labels or predictions.
double macro_f1(const std::vector<int64_t>& predictions, const std::vector<int64_t>& labels);

// Matthews correlation (CoLA), multi-class form (Gorodkin's R_K, scikit-learn's formula);
// for two classes it is (TP TN - FP FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN)).
double matthews_correlation(const std::vector<int64_t>& predictions,
                            const std::vector<int64_t>& labels);

// Pearson's r (STS-B). Constant input: 0.
double pearson(const std::vector<double>& x, const std::vector<double>& y);

// Spearman's rho: Pearson of the ranks, ties sharing their average rank (STS-B).
double spearman(const std::vector<double>& x, const std::vector<double>& y);

// 1-based ranks; equal values get the mean of the ranks they span: {10,20,10} -> {1.5,3,1.5}.
std::vector<double> average_ranks(const std::vector<double>& values);

}  // namespace roberta
