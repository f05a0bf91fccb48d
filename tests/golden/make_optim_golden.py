#!/usr/bin/python3
"""Golden trajectories of torch.optim for tests/test_optim.c.

Each optimiser runs 10 steps on a fixed problem: 12 parameters θ (fixed
values), and the gradient of a fixed loss computed in float32,

    L(θ) = Σ_i  c_i (θ_i − t_i)² / 2 + 0.025 θ_i⁴      g = c (θ − t) + 0.1 θ³

which test_optim.c computes the same way.  The parameters after every step
go into optim_golden.json.  Run with /usr/bin/python3 (Debian's python3-torch).
"""
import json
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))

initial = [0.5, -1.25, 2.0, 0.0, -0.3, 1.1, -2.2, 0.75, 3.0, -0.05, 0.01, -1.7]
target = [1.0, 0.5, -1.0, 0.25, 0.0, 2.0, -1.5, 0.8, 1.0, 0.3, -0.2, 0.1]
curvature = [1.0, 0.5, 2.0, 0.1, 3.0, 0.7, 1.5, 0.05, 0.9, 2.5, 1.2, 0.3]

# name, torch optimiser, keyword arguments (also the C config fields)
CASES = [
    ("sgd", torch.optim.SGD, dict(lr=0.1)),
    ("sgd_wd", torch.optim.SGD, dict(lr=0.1, weight_decay=0.05)),
    ("momentum", torch.optim.SGD, dict(lr=0.05, momentum=0.9)),
    ("momentum_dampening_wd", torch.optim.SGD, dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01)),
    ("nesterov", torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("adagrad", torch.optim.Adagrad, dict(lr=0.1)),
    ("adagrad_decay", torch.optim.Adagrad, dict(lr=0.1, lr_decay=0.05, weight_decay=0.01, initial_accumulator_value=0.1, eps=1e-6)),
    ("rmsprop", torch.optim.RMSprop, dict(lr=0.01)),
    ("rmsprop_momentum_centered", torch.optim.RMSprop, dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.01)),
    ("rmsprop_momentum", torch.optim.RMSprop, dict(lr=0.005, momentum=0.9)),
    ("adam", torch.optim.Adam, dict(lr=0.05)),
    ("adam_wd", torch.optim.Adam, dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("adamw", torch.optim.AdamW, dict(lr=0.05, weight_decay=0.1)),
]


def gradient(theta):
    c = torch.tensor(curvature, dtype=torch.float32)
    t = torch.tensor(target, dtype=torch.float32)
    return c * (theta - t) + 0.1 * theta * theta * theta


def run(optimizer_class, kwargs):
    theta = torch.tensor(initial, dtype=torch.float32, requires_grad=True)
    optimizer = optimizer_class([theta], **kwargs)
    trajectory = []
    for _ in range(10):
        with torch.no_grad():
            g = gradient(theta.detach())
        theta.grad = g.clone()
        optimizer.step()
        trajectory.append([float(x) for x in theta.detach()])
    return trajectory


def main():
    cases = []
    for name, optimizer_class, kwargs in CASES:
        config = dict(kwargs)
        if "betas" in config:
            config["beta1"], config["beta2"] = config.pop("betas")
        config["kind"] = {torch.optim.SGD: "sgd", torch.optim.Adagrad: "adagrad",
                          torch.optim.RMSprop: "rmsprop", torch.optim.Adam: "adam",
                          torch.optim.AdamW: "adamw"}[optimizer_class]
        cases.append(dict(name=name, config=config, trajectory=run(optimizer_class, kwargs)))
    out = dict(torch_version=torch.__version__, initial=initial, target=target,
               curvature=curvature, cases=cases)
    with open(os.path.join(HERE, "optim_golden.json"), "w") as f:
        json.dump(out, f, indent=None, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
