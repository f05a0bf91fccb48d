#!/usr/bin/python3
"""safetensors in both directions between PyTorch and redes.

1. Writes tests/golden/torch_written.safetensors from torch tensors (a small
   nn.Linear state_dict with fixed values, a 4-D tensor, a scalar, metadata);
   tests/test_safetensors.c reads it and checks every value.
2. With a redes build (argument: the build folder, default ./build), runs
   `tests/test_safetensors --write FILE`, loads FILE with torch into an
   nn.Linear(4, 3) state_dict and checks the same values both ways.
"""
import os
import subprocess
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def reference_tensors():
    """Values C recomputes in float32: (i - 5) / 7 and similar."""
    weight = (torch.arange(12, dtype=torch.float32) - 5) / 7
    bias = torch.tensor([0.5, -0.25, 1e-3], dtype=torch.float32)
    kernel = torch.arange(2 * 1 * 3 * 3, dtype=torch.float32).reshape(2, 1, 3, 3) * 0.125
    return {"fc.weight": weight.reshape(3, 4), "fc.bias": bias, "conv.weight": kernel,
            "step": torch.tensor(42.0)}


def main():
    tensors = reference_tensors()
    safetensors_io.save(os.path.join(HERE, "torch_written.safetensors"), tensors,
                        {"format": "pt", "made_by": "make_safetensors_golden.py"})
    build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "build")
    test = os.path.join(build, "tests", "test_safetensors")
    if not os.path.exists(test):
        print("no redes build at", build, "- skipped the redes -> torch direction")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "redes.safetensors")
        subprocess.run([test, "--write", path], check=True)
        loaded, metadata = safetensors_io.load(path)
    linear = torch.nn.Linear(4, 3)
    linear.load_state_dict({"weight": loaded["fc.weight"], "bias": loaded["fc.bias"]})
    for name, tensor in tensors.items():
        assert torch.equal(loaded[name], tensor), name
    assert metadata["made_by"] == "test_safetensors", metadata
    x = torch.ones(1, 4)
    print("redes -> torch: ok; Linear(ones) =", linear(x).detach().numpy().round(6).tolist())


if __name__ == "__main__":
    main()
