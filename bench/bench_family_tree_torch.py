#!/usr/bin/env python3
"""PyTorch twin of bench/bench_family_tree.c: the family-tree network, the default
recipe of redes (weights and biases uniform +-1, squared distance to the
0.2/0.8 band, eps 0.02 on the summed gradient, momentum 0.5 -> 0.9 at sweep 20,
decay 0.1 % of the weights per sweep from sweep 1500, 10,000 sweeps), float32,
one thread, full batch of 100 cases.  Prints the median seconds per run.

  /usr/bin/python3 bench/bench_family_tree_torch.py [runs] [--loss tolerance|squared-boundary]
"""
import os
import statistics
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data", "family-tree", "facts.tsv")
PEOPLE = ("Christopher Penelope Andrew Christine Margaret Arthur Victoria James Jennifer Charles Colin "
          "Charlotte Roberto Maria Pierro Francesca Gina Emilio Lucia Marco Angela Tomaso Alfonso Sophia").split()
RELATIONS = "father mother husband wife son daughter uncle aunt brother sister nephew niece".split()


def cases():
    answers = {}
    with open(DATA) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            a, r, b = line.rstrip("\n").split("\t")
            answers.setdefault((PEOPLE.index(a), RELATIONS.index(r)), set()).add(PEOPLE.index(b))
    keys = sorted(answers)
    person, relation, target = torch.zeros(104, 24), torch.zeros(104, 12), torch.zeros(104, 24)
    for i, (p, r) in enumerate(keys):
        person[i, p], relation[i, r] = 1, 1
        for b in answers[(p, r)]:
            target[i, b] = 1
    return person, relation, target


def run(seed, person, relation, target, loss_kind):
    g = torch.Generator().manual_seed(seed)
    train = torch.randperm(104, generator=g)[4:]
    P, R, T = person[train], relation[train], target[train]
    shapes = [(6, 24), (6,), (6, 12), (6,), (12, 12), (12,), (6, 12), (6,), (24, 6), (24,)]
    params = [(torch.rand(*s, generator=g) * 2 - 1).requires_grad_() for s in shapes]
    velocity = [torch.zeros_like(p) for p in params]
    Wp, bp, Wr, br, Wh, bh, Wd, bd, Wo, bo = params
    start = time.perf_counter()
    for sweep in range(10000):
        a_p = torch.sigmoid(P @ Wp.T + bp)
        a_r = torch.sigmoid(R @ Wr.T + br)
        a_h = torch.sigmoid(torch.cat([a_p, a_r], 1) @ Wh.T + bh)
        a_d = torch.sigmoid(a_h @ Wd.T + bd)
        y = torch.sigmoid(a_d @ Wo.T + bo)
        below, above = torch.relu(0.8 - y), torch.relu(y - 0.2)
        if loss_kind == "tolerance":
            loss = (T * below + (1 - T) * above).sum()
        else:
            loss = 0.5 * (T * below**2 + (1 - T) * above**2).sum()
        for p in params:
            p.grad = None
        loss.backward()
        alpha = 0.5 if sweep < 20 else 0.9
        with torch.no_grad():
            for p, v in zip(params, velocity):
                v.mul_(alpha).sub_(0.02 * p.grad)
                p.add_(v)
            if sweep >= 1500:
                for w in (Wp, Wr, Wh, Wd, Wo):
                    w.mul_(0.999)
    seconds = time.perf_counter() - start
    with torch.no_grad():
        right = ((y > 0.5) == (T > 0.5)).all(1).float().mean().item()
    return seconds, right


def main():
    torch.set_num_threads(1)
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    loss_kind = "tolerance" if "--loss" in sys.argv and sys.argv[sys.argv.index("--loss") + 1] == "tolerance" \
        else "squared-boundary"
    runs = int(args[0]) if args and args[0].isdigit() else 3
    person, relation, target = cases()
    results = [run(seed, person, relation, target, loss_kind) for seed in range(1, runs + 1)]
    median = statistics.median(s for s, _ in results)
    accuracy = statistics.mean(r for _, r in results)
    print(f"pytorch {torch.__version__}: {median:.3f} s per run (median of {runs}; loss {loss_kind}; "
          f"train accuracy {accuracy:.3f})")


if __name__ == "__main__":
    main()
