#!/usr/bin/env python3
"""PyTorch reference values for redes's autograd ops (tests/test_autograd_golden.c).

Each case builds small fixed inputs (torch.manual_seed), runs the layer in
float32, back-propagates a fixed output gradient `dy` (random, or 1 for scalar
losses) and writes every input, output and gradient to autograd_<case>.txt.

Format (plain text, one tensor per block; floats with 9 significant digits,
which round-trip float32 exactly):
    name ndim d0 d1 ...
    v0 v1 v2 ...
Integer tensors (labels, indices) are written the same way and are exact.

Regenerate with `make golden` or: /usr/bin/python3 tests/golden/make_autograd_golden.py
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
    golden_io.write_tensors("autograd", "autograd", case, tensors)


def grads(y, inputs, dy):
    return torch.autograd.grad(y, inputs, dy)


def case_matmul():
    torch.manual_seed(1)
    a, b = leaf(3, 4), leaf(4, 5)
    y = a @ b
    dy = torch.randn_like(y)
    da, db = grads(y, (a, b), dy)
    write("matmul", [("a", a), ("b", b), ("y", y), ("dy", dy), ("da", da), ("db", db)])


def case_linear():
    torch.manual_seed(2)
    x, w, b = leaf(4, 5), leaf(3, 5), leaf(3)
    y = F.linear(x, w, b)
    dy = torch.randn_like(y)
    dx, dw, db = grads(y, (x, w, b), dy)
    write("linear", [("x", x), ("w", w), ("b", b), ("y", y), ("dy", dy), ("dx", dx), ("dw", dw),
                     ("db", db)])


ACTIVATIONS = {
    "identity": lambda x: x,
    "step": lambda x: (x >= 0).to(x.dtype) + 0 * x,
    "sign": torch.sign,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": F.relu,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.01),
    "elu": lambda x: F.elu(x, 1.0),
    "softplus": F.softplus,
    "gelu": F.gelu,
}


def case_activations():
    torch.manual_seed(3)
    x = leaf(4, 6, scale=2.0)
    out = [("x", x)]
    dy = torch.randn(4, 6)
    out.append(("dy", dy))
    for name, f in ACTIVATIONS.items():
        y = f(x)
        (dx,) = grads(y, (x,), dy)
        out += [(f"y_{name}", y), (f"dx_{name}", dx)]
    write("activations", out)


def case_softmax():
    torch.manual_seed(4)
    x = leaf(3, 5, scale=2.0)
    dy = torch.randn(3, 5)
    s = torch.softmax(x, -1)
    (ds,) = grads(s, (x,), dy)
    l = torch.log_softmax(x, -1)
    (dl,) = grads(l, (x,), dy)
    write("softmax", [("x", x), ("dy", dy), ("softmax", s), ("dx_softmax", ds), ("log_softmax", l),
                      ("dx_log_softmax", dl)])


def case_losses():
    torch.manual_seed(5)
    prediction, target = leaf(4, 3), torch.randn(4, 3)
    mse = F.mse_loss(prediction, target)
    (d_mse,) = grads(mse, (prediction,), None)
    logits_b, target_b = leaf(4, 3, scale=2.0), torch.rand(4, 3)
    bce = F.binary_cross_entropy_with_logits(logits_b, target_b)
    (d_bce,) = grads(bce, (logits_b,), None)
    logits, labels = leaf(4, 5, scale=2.0), torch.tensor([2, 0, 4, 1])
    ce = F.cross_entropy(logits, labels)
    (d_ce,) = grads(ce, (logits,), None)
    log_probs = torch.log_softmax(torch.randn(4, 5), -1).requires_grad_()
    nll = F.nll_loss(log_probs, labels)
    (d_nll,) = grads(nll, (log_probs,), None)
    write("losses", [("prediction", prediction), ("target", target), ("mse", mse), ("d_mse", d_mse),
                     ("logits_b", logits_b), ("target_b", target_b), ("bce", bce), ("d_bce", d_bce),
                     ("logits", logits), ("labels", labels), ("ce", ce), ("d_ce", d_ce),
                     ("log_probs", log_probs), ("nll", nll), ("d_nll", d_nll)])


def batch_norm_case(name, shape, training):
    torch.manual_seed(6 + len(shape) + training)
    channels = shape[1]
    x = leaf(*shape, scale=1.5)
    with torch.no_grad():
        x += torch.arange(channels).reshape(1, channels, *([1] * (len(shape) - 2)))  # per-channel offsets
    gamma, beta = leaf(channels), leaf(channels)
    running_mean, running_var = torch.randn(channels) * 0.1, torch.rand(channels) + 0.5
    rm0, rv0 = running_mean.clone(), running_var.clone()
    y = F.batch_norm(x, running_mean, running_var, gamma, beta, training=training, momentum=0.1,
                     eps=1e-5)
    dy = torch.randn_like(y)
    dx, dgamma, dbeta = grads(y, (x, gamma, beta), dy)
    write(name, [("x", x), ("gamma", gamma), ("beta", beta), ("running_mean0", rm0),
                 ("running_var0", rv0), ("y", y), ("dy", dy), ("dx", dx), ("dgamma", dgamma),
                 ("dbeta", dbeta), ("running_mean", running_mean), ("running_var", running_var)])


def case_layer_norm():
    torch.manual_seed(10)
    x, gamma, beta = leaf(3, 2, 5, scale=2.0), leaf(5), leaf(5)
    y = F.layer_norm(x, (5,), gamma, beta, eps=1e-5)
    dy = torch.randn_like(y)
    dx, dgamma, dbeta = grads(y, (x, gamma, beta), dy)
    write("layer_norm", [("x", x), ("gamma", gamma), ("beta", beta), ("y", y), ("dy", dy), ("dx", dx),
                         ("dgamma", dgamma), ("dbeta", dbeta)])


def case_embedding():
    torch.manual_seed(11)
    w, indices = leaf(6, 4), torch.tensor([3, 1, 3, 0, 5, 3])
    y = F.embedding(indices, w)
    dy = torch.randn_like(y)
    (dw,) = grads(y, (w,), dy)
    write("embedding", [("w", w), ("indices", indices), ("y", y), ("dy", dy), ("dw", dw)])


def case_elementwise():
    torch.manual_seed(12)
    a, b = leaf(2, 3, 4), (torch.rand(3, 1) + 0.5).requires_grad_()
    out = [("a", a), ("b", b)]
    for name, f in [("add", torch.add), ("sub", torch.sub), ("mul", torch.mul), ("div", torch.div)]:
        y = f(a, b)
        dy = torch.randn_like(y)
        da, db = grads(y, (a, b), dy)
        out += [(f"y_{name}", y), (f"dy_{name}", dy), (f"da_{name}", da), (f"db_{name}", db)]
    for name, f in [("sum1", lambda x: x.sum(1)), ("mean2", lambda x: x.mean(-1)),
                    ("max0", lambda x: x.max(0).values), ("sum", lambda x: x.sum().reshape(1)),
                    ("mean", lambda x: x.mean().reshape(1))]:
        y = f(a)
        dy = torch.randn_like(y)
        (da,) = grads(y, (a,), dy)
        out += [(f"y_{name}", y), (f"dy_{name}", dy), (f"da_{name}", da)]
    c = leaf(2, 2, 4)
    y = torch.cat([a.transpose(0, 1).reshape(3, 2, 4)[1:3], c], 0)  # (4, 2, 4)
    dy = torch.randn_like(y)
    da, dc = grads(y, (a, c), dy)
    out += [("c", c), ("y_shape", y), ("dy_shape", dy), ("da_shape", da), ("dc_shape", dc)]
    write("elementwise", out)


def case_mlp():
    """784-style MLP in miniature: Linear-BN-ReLU-Dropout-Linear-Tanh-Linear-CE.

    The first linear layer has no bias: batch norm subtracts the mean, so that
    bias's gradient is exactly zero and only rounding noise would be compared."""
    torch.manual_seed(13)
    x, labels = torch.randn(8, 10), torch.tensor([0, 3, 1, 2, 3, 0, 1, 2])
    w1 = leaf(16, 10, scale=0.3)
    gamma, beta = (torch.rand(16) + 0.5).requires_grad_(), leaf(16, scale=0.1)
    w2, b2 = leaf(12, 16, scale=0.3), leaf(12, scale=0.1)
    w3, b3 = leaf(4, 12, scale=0.3), leaf(4, scale=0.1)
    mask = (torch.rand(8, 16) >= 0.5).to(torch.float32)
    running_mean, running_var = torch.zeros(16), torch.ones(16)
    h = F.linear(x, w1)
    h = F.batch_norm(h, running_mean, running_var, gamma, beta, training=True, momentum=0.1, eps=1e-5)
    h = F.relu(h) * mask / (1 - 0.5)
    h = torch.tanh(F.linear(h, w2, b2))
    logits = F.linear(h, w3, b3)
    loss = F.cross_entropy(logits, labels)
    params = [w1, gamma, beta, w2, b2, w3, b3]
    names = ["w1", "gamma", "beta", "w2", "b2", "w3", "b3"]
    g = torch.autograd.grad(loss, params)
    write("mlp", [("x", x), ("labels", labels), ("mask", mask)] + list(zip(names, params)) +
          [("logits", logits), ("loss", loss), ("running_mean", running_mean),
           ("running_var", running_var)] + [("d" + n, t) for n, t in zip(names, g)])


if __name__ == "__main__":
    case_matmul()
    case_linear()
    case_activations()
    case_softmax()
    case_losses()
    batch_norm_case("batch_norm_2d", (6, 4), True)
    batch_norm_case("batch_norm_4d", (3, 2, 2, 3), True)
    batch_norm_case("batch_norm_eval", (5, 3), False)
    case_layer_norm()
    case_embedding()
    case_elementwise()
    case_mlp()
    print("wrote", len([f for f in os.listdir(golden_io.HERE) if f.startswith("autograd_")]), "autograd fixtures")
