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

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden"))
from family_tree_torch import SHAPES, cases, forward  # noqa: E402


def run(seed, person, relation, target, loss_kind):
    g = torch.Generator().manual_seed(seed)
    train = torch.randperm(104, generator=g)[4:]
    P, R, T = person[train], relation[train], target[train]
    params = [(torch.rand(*s, generator=g) * 2 - 1).requires_grad_() for s in SHAPES]
    velocity = [torch.zeros_like(p) for p in params]
    Wp, Wr, Wh, Wd, Wo = params[0::2]  # the weights (decay does not touch the biases)
    start = time.perf_counter()
    for sweep in range(10000):
        y = forward(params, P, R)
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
