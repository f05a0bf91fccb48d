#!/usr/bin/python3
"""Twin of bench_ch2.c with scikit-learn: the same work, median of R runs in ms.
    /usr/bin/python3 bench/bench_ch2_sklearn.py [R]"""
import os
import sys
import time
import warnings

import numpy as np
from sklearn import metrics
from sklearn.linear_model import Perceptron

R = int(sys.argv[1]) if len(sys.argv) > 1 else 11
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def median_ms(fn):
    times = []
    for _ in range(R):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1e3)
    return float(np.median(times)), result


rng = np.random.default_rng(1)
N, K = 1_000_000, 10
y_true = rng.integers(0, K, N)
y_pred = np.where(rng.random(N) < 0.7, y_true, rng.integers(0, K, N))
labels = list(range(K))


def report():
    metrics.confusion_matrix(y_true, y_pred, labels=labels)
    metrics.accuracy_score(y_true, y_pred)
    metrics.precision_recall_fscore_support(y_true, y_pred, labels=labels)
    for average in ("macro", "micro", "weighted"):
        f = metrics.precision_recall_fscore_support(y_true, y_pred, labels=labels, average=average)
    return f


ms, _ = median_ms(lambda: metrics.confusion_matrix(y_true, y_pred, labels=labels))
print(f"confusion  sklearn {ms:8.3f} ms  (confusion_matrix alone)")
ms, _ = median_ms(report)
macro = metrics.f1_score(y_true, y_pred, average="macro")
print(f"metrics    sklearn {ms:8.3f} ms  (1e6 labels, 10 classes; macro F1 {macro:.6f})")

rows = open(os.path.join(ROOT, "data/sklearn/breast_cancer.csv")).read().split("\n")[1:]
data = np.array([[float(v) for v in r.split(",")] for r in rows if r.strip()])
X, t = data[:, :-1], data[:, -1].astype(int)
X = ((X - X.mean(0)) / X.std(0)).astype(np.float32)
# Rosenblatt's rule as SGD on the perceptron loss: constant eta 1, no penalty,
# file order, 100 epochs (tol=None: no early stop), as bench_ch2.c.
model = Perceptron(penalty=None, alpha=0, eta0=1.0, max_iter=100, tol=None, shuffle=False)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    ms, fitted = median_ms(lambda: model.fit(X, t))
errors = int((fitted.predict(X) != t).sum())
print(f"perceptron sklearn {ms:8.3f} ms  (breast-cancer, {fitted.n_iter_} epochs, {errors} errors left)")
