#!/usr/bin/python3
"""Golden values for tests/test_metrics.c and tests/cli/test_ch2.sh: scikit-learn's
metrics on fixed predictions.  Run with Debian's python3-sklearn:

    /usr/bin/python3 tests/golden/make_metrics_golden.py

Each case writes tests/golden/metrics_<case>.txt, one "key v1 v2 ..." per line:
n_classes, y_true, y_pred (class indices), then sklearn's results with
labels=range(K) (so a class that never occurs still counts in the macro
average, as in redes where the number of classes is explicit).  The string
case also writes metrics_strings_true.txt / _pred.txt (one label per line)
for the CLI test.
"""
import os
import warnings

import numpy as np
import sklearn
from sklearn import metrics

HERE = os.path.dirname(os.path.abspath(__file__))


def fmt(values):
    return " ".join(repr(float(v)) if isinstance(v, (float, np.floating)) else str(int(v))
                    for v in np.atleast_1d(values))


def write_case(name, y_true, y_pred, n_classes):
    labels = list(range(n_classes))
    lines = [f"# sklearn {sklearn.__version__}: make_metrics_golden.py case '{name}'",
             f"n_classes {n_classes}", f"y_true {fmt(y_true)}", f"y_pred {fmt(y_pred)}"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lines.append(f"confusion {fmt(metrics.confusion_matrix(y_true, y_pred, labels=labels).ravel())}")
        lines.append(f"accuracy {fmt(metrics.accuracy_score(y_true, y_pred))}")
        for beta, tag in ((1.0, "f1"), (0.5, "f0.5"), (2.0, "f2")):
            p, r, f, s = metrics.precision_recall_fscore_support(y_true, y_pred, beta=beta, labels=labels)
            if tag == "f1":
                lines += [f"precision {fmt(p)}", f"recall {fmt(r)}", f"support {fmt(s)}"]
            lines.append(f"{tag} {fmt(f)}")
            for average in ("macro", "micro", "weighted"):
                p, r, f, _ = metrics.precision_recall_fscore_support(
                    y_true, y_pred, beta=beta, labels=labels, average=average)
                if tag == "f1":
                    lines += [f"precision_{average} {fmt(p)}", f"recall_{average} {fmt(r)}"]
                lines.append(f"{tag}_{average} {fmt(f)}")
        lines.append(f"balanced_accuracy {fmt(metrics.balanced_accuracy_score(y_true, y_pred))}")
        lines.append(f"cohen_kappa {fmt(metrics.cohen_kappa_score(y_true, y_pred, labels=labels))}")
        lines.append(f"matthews {fmt(metrics.matthews_corrcoef(y_true, y_pred))}")
    ill_defined = any(issubclass(w.category, metrics._classification.UndefinedMetricWarning) for w in caught)
    lines.append(f"ill_defined {int(ill_defined)}")
    with open(os.path.join(HERE, f"metrics_{name}.txt"), "w") as out:
        out.write("\n".join(lines) + "\n")


def noisy(rng, y_true, n_classes, accuracy):
    """Predictions right with probability `accuracy`, else a random class."""
    wrong = rng.integers(0, n_classes, size=len(y_true))
    return np.where(rng.random(len(y_true)) < accuracy, y_true, wrong)


def main():
    rng = np.random.default_rng(20260101)
    # Binary: 40 samples, unbalanced.
    y = (rng.random(40) < 0.35).astype(int)
    write_case("binary", y, noisy(rng, y, 2, 0.7), 2)
    # Three classes, 60 samples.
    y = rng.integers(0, 3, 60)
    write_case("three", y, noisy(rng, y, 3, 0.6), 3)
    # Ten classes, 200 samples: class 7 never occurs in y_true (but is
    # predicted: recall ill-defined), class 3 is never predicted (precision
    # ill-defined), class 9 occurs in neither (F ill-defined).
    y = rng.integers(0, 9, 200)
    y[y == 7] = 8
    p = noisy(rng, y, 9, 0.55)
    p[p == 3] = 2
    p[:5] = 7
    write_case("ten", y, p, 10)
    # Perfect and all-wrong corner cases.
    y = np.array([0, 1, 2, 2, 1, 0])
    write_case("perfect", y, y.copy(), 3)
    write_case("all_wrong", y, (y + 1) % 3, 3)
    # String labels for the CLI: sorted byte-wise by sklearn's unique_labels.
    names = np.array(["cat", "dog", "bird", "Zebra"])
    t = rng.integers(0, 4, 30)
    q = noisy(rng, t, 4, 0.6)
    true_s, pred_s = names[t], names[q]
    classes = sorted(set(true_s) | set(pred_s))
    index = {c: i for i, c in enumerate(classes)}
    write_case("strings", np.array([index[c] for c in true_s]), np.array([index[c] for c in pred_s]),
               len(classes))
    for suffix, values in (("true", true_s), ("pred", pred_s)):
        with open(os.path.join(HERE, f"metrics_strings_{suffix}.txt"), "w") as out:
            out.write("\n".join(values) + "\n")
    # sklearn on the strings themselves must agree with the index encoding.
    assert np.isclose(metrics.f1_score(true_s, pred_s, average="macro"),
                      metrics.f1_score([index[c] for c in true_s], [index[c] for c in pred_s], average="macro"))


if __name__ == "__main__":
    main()
