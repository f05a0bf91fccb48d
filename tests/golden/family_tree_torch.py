"""The family-tree network in PyTorch, shared by tests/golden/make_family_tree_golden.py
(the gradient fixture) and bench/bench_family_tree_torch.py (the timing twin).

cases(dtype)        the 104 (person, relation) cases of data/family-tree/facts.tsv,
                    one-hot: person (104, 24), relation (104, 12), target (104, 24)
                    (a target row has a 1 for every right answer), keys sorted.
SHAPES              the parameter shapes in the order of rn_family_weights.
forward(params, P, R)  y = the output layer's sigmoid activations.
"""
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "data", "family-tree", "facts.tsv")
PEOPLE = ("Christopher Penelope Andrew Christine Margaret Arthur Victoria James Jennifer Charles Colin "
          "Charlotte Roberto Maria Pierro Francesca Gina Emilio Lucia Marco Angela Tomaso Alfonso Sophia").split()
RELATIONS = "father mother husband wife son daughter uncle aunt brother sister nephew niece".split()
# W_p (6,24), b_p, W_r (6,12), b_r, W_h (12,12), b_h, W_d (6,12), b_d, W_o (24,6), b_o
SHAPES = [(6, 24), (6,), (6, 12), (6,), (12, 12), (12,), (6, 12), (6,), (24, 6), (24,)]


def cases(dtype=torch.float32):
    answers = {}
    with open(DATA) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            a, r, b = line.rstrip("\n").split("\t")
            answers.setdefault((PEOPLE.index(a), RELATIONS.index(r)), set()).add(PEOPLE.index(b))
    keys = sorted(answers)
    assert len(keys) == 104
    person = torch.zeros(104, 24, dtype=dtype)
    relation = torch.zeros(104, 12, dtype=dtype)
    target = torch.zeros(104, 24, dtype=dtype)
    for i, (p, r) in enumerate(keys):
        person[i, p] = 1
        relation[i, r] = 1
        for b in answers[(p, r)]:
            target[i, b] = 1
    return person, relation, target


def forward(params, person, relation):
    """person -> a_p (6), relation -> a_r (6), [a_p a_r] -> a_h (12) -> a_d (6) -> y (24)."""
    Wp, bp, Wr, br, Wh, bh, Wd, bd, Wo, bo = params
    a_p = torch.sigmoid(person @ Wp.T + bp)
    a_r = torch.sigmoid(relation @ Wr.T + br)
    a_h = torch.sigmoid(torch.cat([a_p, a_r], 1) @ Wh.T + bh)
    a_d = torch.sigmoid(a_h @ Wd.T + bd)
    return torch.sigmoid(a_d @ Wo.T + bo)
