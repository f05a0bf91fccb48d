#!/usr/bin/env python3
"""PyTorch reference values for redes's CNN layers (tests/test_conv_golden.c).

Two fixtures, in the format of make_autograd_golden.py (one tensor per block:
a line `name ndim d0 d1 ...`, then the values with 9 significant digits):

conv_layers.txt  each layer alone on small random inputs, with a random output
                 gradient dy: conv2d (stride 2, padding 1), conv2d (dilation 2,
                 groups 2, unequal padding), conv_transpose2d (stride 2,
                 padding 1, output padding 1, groups 2), max_pool2d (3, 2, 1),
                 avg_pool2d (3, 2, 1), adaptive_avg_pool2d(1), a 16 -> 16 3x3
                 conv2d with padding 1 (Winograd in redes), max_pool2d(2) on
                 odd sizes.
conv_cnn.txt     a small CNN with every layer kind, its loss and every gradient:
    x (3,2,10,10) -> conv 2->4 3x3 pad 1 (no bias) -> batch norm (training) -> relu
      -> max pool 2 -> conv 4->6 3x3 pad 2 dilation 2 groups 2 -> relu
      -> avg pool 2 -> conv_transpose 6->4 2x2 stride 2 -> relu
      -> conv 4->8 3x3 stride 2 pad 1 = h (3,8,2,2)
    logits = linear(dropout(flatten(h)), fixed mask, p = 0.25) + linear(global_avg_pool(h))
    loss = cross_entropy(logits, labels)

Regenerate with `make golden` or: /usr/bin/python3 tests/golden/make_conv_golden.py
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden_io  # noqa: E402
from golden_io import leaf  # noqa: E402

torch.set_default_dtype(torch.float32)


def write(case, tensors):
    golden_io.write_tensors("conv", "CNN layers", case, tensors)


def layer(prefix, fn, inputs):
    """Runs fn(*inputs), back-propagates a random dy; returns the named tensors."""
    y = fn(*inputs)
    dy = torch.randn_like(y)
    gs = torch.autograd.grad(y, inputs, dy)
    out = [(f"{prefix}_in{i}", t) for i, t in enumerate(inputs)]
    out += [(f"{prefix}_y", y), (f"{prefix}_dy", dy)]
    out += [(f"{prefix}_d{i}", g) for i, g in enumerate(gs)]
    return out


def case_layers():
    torch.manual_seed(7)
    tensors = []
    tensors += layer("conv", lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
                     [leaf(2, 3, 5, 6), leaf(4, 3, 3, 3, scale=0.5), leaf(4)])
    tensors += layer("dilated", lambda x, w, b: F.conv2d(x, w, b, padding=(2, 1), dilation=2, groups=2),
                     [leaf(1, 4, 7, 6), leaf(6, 2, 3, 3, scale=0.5), leaf(6)])
    tensors += layer("transposed",
                     lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1, groups=2),
                     [leaf(1, 4, 3, 4), leaf(4, 3, 3, 3, scale=0.5), leaf(6)])
    tensors += layer("maxpool", lambda x: F.max_pool2d(x, 3, 2, 1), [leaf(2, 2, 7, 6)])
    tensors += layer("avgpool", lambda x: F.avg_pool2d(x, 3, 2, 1), [leaf(2, 2, 7, 6)])
    tensors += layer("global", lambda x: F.adaptive_avg_pool2d(x, 1).flatten(1), [leaf(2, 3, 3, 4)])
    # 16 -> 16 channels, 3x3, stride 1: redes computes this one by Winograd F(2x2, 3x3)
    tensors += layer("winograd", lambda x, w, b: F.conv2d(x, w, b, padding=1),
                     [leaf(1, 16, 4, 5), leaf(16, 16, 3, 3, scale=0.3), leaf(16)])
    # 2x2 stride 2 on odd sizes: redes's vector fast path
    tensors += layer("maxpool2", lambda x: F.max_pool2d(x, 2), [leaf(2, 3, 7, 9)])
    write("layers", tensors)


def case_cnn():
    torch.manual_seed(11)
    x = leaf(3, 2, 10, 10)
    labels = torch.tensor([0, 3, 4])
    p = 0.25
    params = {
        "w1": leaf(4, 2, 3, 3, scale=0.4),  # no bias: batch norm would cancel it (its gradient is 0)
        "gamma": (1 + 0.2 * torch.randn(4)).requires_grad_(), "beta": leaf(4, scale=0.1),
        "w2": leaf(6, 2, 3, 3, scale=0.4), "b2": leaf(6, scale=0.1),
        "wt": leaf(6, 4, 2, 2, scale=0.4), "bt": leaf(4, scale=0.1),
        "w3": leaf(8, 4, 3, 3, scale=0.3), "b3": leaf(8, scale=0.1),
        "wl1": leaf(5, 32, scale=0.3), "bl1": leaf(5, scale=0.1),
        "wl2": leaf(5, 8, scale=0.3), "bl2": leaf(5, scale=0.1),
    }
    P = params
    mask = (torch.rand(3, 32) >= p).float()
    h = F.conv2d(x, P["w1"], None, padding=1)
    h = F.batch_norm(h, None, None, P["gamma"], P["beta"], training=True, eps=1e-5)
    h = F.max_pool2d(F.relu(h), 2)
    h = F.relu(F.conv2d(h, P["w2"], P["b2"], padding=2, dilation=2, groups=2))
    h = F.avg_pool2d(h, 2)
    h = F.relu(F.conv_transpose2d(h, P["wt"], P["bt"], stride=2))
    h = F.conv2d(h, P["w3"], P["b3"], stride=2, padding=1)
    flat = h.flatten(1) * mask / (1 - p)
    pooled = F.adaptive_avg_pool2d(h, 1).flatten(1)
    logits = F.linear(flat, P["wl1"], P["bl1"]) + F.linear(pooled, P["wl2"], P["bl2"])
    loss = F.cross_entropy(logits, labels)
    names = list(P)
    gs = torch.autograd.grad(loss, [x] + [P[n] for n in names])
    tensors = [("x", x), ("labels", labels), ("mask", mask)] + [(n, P[n]) for n in names]
    tensors += [("h", h), ("logits", logits), ("loss", loss), ("dx", gs[0])]
    tensors += [("d" + n, g) for n, g in zip(names, gs[1:])]
    write("cnn", tensors)


if __name__ == "__main__":
    case_layers()
    case_cnn()
