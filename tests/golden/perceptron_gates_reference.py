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
