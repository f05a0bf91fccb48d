#!/usr/bin/env python3
"""Golden values for tests/test_family_tree.c: the loss and its gradient for the
family-tree network on fixed weights, all 104 cases, computed by PyTorch
(float64, autograd).  Run: /usr/bin/python3 tests/golden/make_family_tree_golden.py

Weights: flat parameter i (the order of rn_family_weights: W_p (6,24), b_p,
W_r (6,12), b_r, W_h (12,12), b_h, W_d (6,12), b_d, W_o (24,6), b_o) is
0.9 * sin(1.7 * i + 0.3), a formula the C test recomputes.
Output: family_tree_gradient.txt, one block per loss kind:
  loss KIND TOLERANCE VALUE
  then 630 lines, one gradient value each.
"""
import math
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "data", "family-tree", "facts.tsv")
PEOPLE = ("Christopher Penelope Andrew Christine Margaret Arthur Victoria James Jennifer Charles Colin "
          "Charlotte Roberto Maria Pierro Francesca Gina Emilio Lucia Marco Angela Tomaso Alfonso Sophia").split()
RELATIONS = "father mother husband wife son daughter uncle aunt brother sister nephew niece".split()
SHAPES = [(6, 24), (6,), (6, 12), (6,), (12, 12), (12,), (6, 12), (6,), (24, 6), (24,)]


def cases():
    answers = {}
    with open(DATA) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            a, r, b = line.rstrip("\n").split("\t")
            answers.setdefault((PEOPLE.index(a), RELATIONS.index(r)), set()).add(PEOPLE.index(b))
    keys = sorted(answers)
    assert len(keys) == 104
    person = torch.zeros(104, 24, dtype=torch.float64)
    relation = torch.zeros(104, 12, dtype=torch.float64)
    target = torch.zeros(104, 24, dtype=torch.float64)
    for i, (p, r) in enumerate(keys):
        person[i, p] = 1
        relation[i, r] = 1
        for b in answers[(p, r)]:
            target[i, b] = 1
    return person, relation, target


def parameters():
    params, i = [], 0
    for shape in SHAPES:
        n = math.prod(shape)
        values = [0.9 * math.sin(1.7 * (i + k) + 0.3) for k in range(n)]
        params.append(torch.tensor(values, dtype=torch.float64).reshape(shape).requires_grad_())
        i += n
    return params


def loss_of(y, t, kind, tolerance):
    on, off = 1 - tolerance, tolerance
    below = torch.relu(on - y)  # how far an on-unit is below its band
    above = torch.relu(y - off)  # how far an off-unit is above its band
    if kind == "tolerance":
        return (t * below + (1 - t) * above).sum()
    if kind == "squared-boundary":
        return 0.5 * (t * below**2 + (1 - t) * above**2).sum()
    outside = torch.where(t > 0.5, y < on, y > off).double()
    return 0.5 * (outside * (y - t) ** 2).sum()


def main():
    person, relation, target = cases()
    lines = []
    for kind, tolerance in (("tolerance", 0.2), ("squared-boundary", 0.2), ("squared", 0.2)):
        Wp, bp, Wr, br, Wh, bh, Wd, bd, Wo, bo = params = parameters()
        a_p = torch.sigmoid(person @ Wp.T + bp)
        a_r = torch.sigmoid(relation @ Wr.T + br)
        a_h = torch.sigmoid(torch.cat([a_p, a_r], 1) @ Wh.T + bh)
        a_d = torch.sigmoid(a_h @ Wd.T + bd)
        y = torch.sigmoid(a_d @ Wo.T + bo)
        loss = loss_of(y, target, kind, tolerance)
        loss.backward()
        lines.append(f"loss {kind} {tolerance} {loss.item():.12g}")
        for p in params:
            lines.extend(f"{g:.9g}" for g in p.grad.reshape(-1).tolist())
    with open(os.path.join(HERE, "family_tree_gradient.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
