#!/usr/bin/python3
"""Golden full-batch training run for tests/test_train.c.

An MLP "fc 8, tanh, bn, fc 3" (batch norm after the activation: a bias
right before batch norm has a zero gradient that Adam would turn into noise) (PyTorch's default initialisation, seed 0) is
trained full-batch with Adam (lr 0.01) for 6 steps on 24 fixed examples with
5 features.  train_golden.safetensors holds the initial weights (the model
file format of redes: metadata model.spec / model.input_shape /
model.classes), and in its metadata the data, the loss before each step and
the final weights, which the C test compares.
"""
import json
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402
from torch_model import Net  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = "fc 8, tanh, bn, fc 3"


def main():
    torch.manual_seed(0)
    net = Net(SPEC, [5, 1, 1])
    x = torch.randn(24, 5)
    y = torch.randint(0, 3, (24,))
    y[:3] = torch.tensor([0, 1, 2])  # every class present
    initial = {k: v.clone() for k, v in net.state_dict().items()}
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    losses = []
    net.train()
    for _ in range(6):
        loss = nn.functional.cross_entropy(net(x), y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    final = {k: v.flatten().tolist() for k, v in net.state_dict().items()}
    metadata = {"model.spec": SPEC, "model.input_shape": "5,1,1", "model.classes": "3",
                "golden.x": json.dumps(x.flatten().tolist()), "golden.y": json.dumps(y.tolist()),
                "golden.losses": json.dumps(losses), "golden.final": json.dumps(final)}
    initial["bn1.num_batches_tracked"] = initial["bn1.num_batches_tracked"].float().reshape(1)
    safetensors_io.save(os.path.join(HERE, "train_golden.safetensors"), initial, metadata)


if __name__ == "__main__":
    main()
