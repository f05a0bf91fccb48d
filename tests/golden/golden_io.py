"""Helpers shared by the golden-fixture scripts and the PyTorch benchmarks.

write_tensors  the text fixtures tests/golden_io.h reads (autograd_*.txt, conv_*.txt):
                   # PyTorch VERSION reference for redes WHAT: CASE
                   name ndim d0 d1 ...
                   v0 v1 v2 ...        (floats with 9 significant digits, which
                                        round-trip float32 exactly; integer
                                        tensors are written the same way, exactly)
leaf           a random float32 leaf tensor that wants its gradient.
read_idx       an MNIST-style IDX .gz file as a numpy uint8 array.

Scripts outside tests/golden add this folder to sys.path first.
"""
import gzip
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def write_tensors(family, what, case, tensors):
    """Writes tests/golden/FAMILY_CASE.txt atomically (NAME.tmp, then rename)."""
    path = os.path.join(HERE, f"{family}_{case}.txt")
    with open(path + ".tmp", "w") as f:
        f.write(f"# PyTorch {torch.__version__} reference for redes {what}: {case}\n")
        for name, t in tensors:
            t = t.detach().to(torch.float64).reshape(t.shape if t.dim() else (1,))
            f.write(f"{name} {t.dim()} {' '.join(str(d) for d in t.shape)}\n")
            f.write(" ".join(f"{v:.9g}" for v in t.flatten().tolist()) + "\n")
    os.replace(path + ".tmp", path)


def leaf(*shape, scale=1.0):
    return (torch.randn(*shape) * scale).requires_grad_()


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)
