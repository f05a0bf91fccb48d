#!/usr/bin/python3
"""Independent check of the numbers in tests/test_perceptron.c: Rosenblatt's rule
in numpy float32 on the two-input gates, w = 0, b = 0, eta = 1, rows in the
order (0,0), (0,1), (1,0), (1,1), step(s) = 1 for s >= 0.

    /usr/bin/python3 tests/golden/perceptron_gates_reference.py
prints, e.g.:  and epochs 6 converged True updates 11 w [2. 1.] b -3.0
"""
import numpy as np

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
GATES = {"and": [0, 0, 0, 1], "or": [0, 1, 1, 1], "nand": [1, 1, 1, 0], "nor": [1, 0, 0, 0], "xor": [0, 1, 1, 0]}

for gate, targets in GATES.items():
    w, b, updates = np.zeros(2, np.float32), np.float32(0), 0
    for epoch in range(1, 101):
        mistakes = 0
        for x, t in zip(X, targets):
            e = t - (1 if float(w @ x) + float(b) >= 0 else 0)
            if e:
                w, b, mistakes = w + np.float32(e) * x, b + np.float32(e), mistakes + 1
        updates += mistakes
        if mistakes == 0:
            break
    print(gate, "epochs", epoch, "converged", mistakes == 0, "updates", updates, "w", w, "b", b)

# Iris, setosa (class 0) against the rest, all 4 features as float32, all 150
# examples in file order, same rule and start.
here = __import__("os").path.dirname(__import__("os").path.abspath(__file__))
rows = open(here + "/../../data/sklearn/iris.csv").read().split("\n")[1:]
data = np.array([[float(v) for v in r.split(",")] for r in rows if r.strip()], dtype=np.float32)
X, targets = data[:, :4], (data[:, 4] == 0).astype(int)
w, b, updates = np.zeros(4, np.float32), np.float32(0), 0
for epoch in range(1, 101):
    mistakes = 0
    for x, t in zip(X, targets):
        net = float(np.dot(w.astype(np.float64), x.astype(np.float64))) + float(b)
        e = t - (1 if net >= 0 else 0)
        if e:
            w, b, mistakes = w + np.float32(e) * x, b + np.float32(e), mistakes + 1
    updates += mistakes
    if mistakes == 0:
        break
print("iris setosa epochs", epoch, "converged", mistakes == 0, "updates", updates, "w", w, "b", b)
