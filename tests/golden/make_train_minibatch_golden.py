#!/usr/bin/python3
"""Golden mini-batch training run for tests/test_train.c.

An MLP "fc 8, relu, fc 3" (PyTorch's default initialisation, seed 0) is
trained with Adam (lr 0.01) in mini-batches of 8 on 30 fixed examples with 5
features for 3 epochs: 4 batches per epoch, the last one short (6 examples),
12 steps in all.  The batches are those redes's trainer draws with seed 7: the
rn_rng stream (splitmix64 seeding, xoshiro256**, Lemire's bounded integers)
and the batcher's Fisher-Yates reshuffle of the previous epoch's order are
re-implemented below, so the test checks the order as well as the arithmetic.

What the test compares (the chapter-3 MNIST recipe in small, see
docs/chapter3-mlp.md section 9): the mean cross-entropy of every batch
(the short one included), Adam's step counter running on across epochs, and
the final parameters.  train_minibatch_golden.safetensors holds the initial
weights (redes's model file format) and, in its metadata, the data, the
orders, the per-step losses and the final weights.
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
SPEC = "fc 8, relu, fc 3"
N, FEATURES, BATCH, EPOCHS, SEED = 30, 5, 8, 3, 7
MASK = (1 << 64) - 1


class Rng:
    """src/core/rng.c: xoshiro256** seeded by splitmix64."""

    def __init__(self, seed):
        x = seed
        self.s = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & MASK
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            self.s.append(z ^ (z >> 31))

    @staticmethod
    def rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & MASK

    def next(self):
        s = self.s
        result = (self.rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = self.rotl(s[3], 45)
        return result

    def below(self, n):
        """rn_rng_below: Lemire's multiply-shift with rejection."""
        product = (self.next() >> 32) * n
        low = product & 0xFFFFFFFF
        if low < n:
            threshold = ((1 << 32) - n) % n
            while low < threshold:
                product = (self.next() >> 32) * n
                low = product & 0xFFFFFFFF
        return product >> 32

    def shuffle(self, values):
        """rn_rng_shuffle: Fisher-Yates from the end."""
        for i in range(len(values) - 1, 0, -1):
            j = self.below(i + 1)
            values[i], values[j] = values[j], values[i]


def main():
    torch.manual_seed(0)
    net = Net(SPEC, [FEATURES, 1, 1])
    x = torch.randn(N, FEATURES)
    y = torch.randint(0, 3, (N,))
    y[:3] = torch.tensor([0, 1, 2])  # every class present
    initial = {k: v.clone() for k, v in net.state_dict().items()}
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    rng = Rng(SEED)
    order = list(range(N))
    orders, losses = [], []
    net.train()
    for _ in range(EPOCHS):
        rng.shuffle(order)  # the batcher reshuffles its previous order
        orders.append(list(order))
        for start in range(0, N, BATCH):
            index = torch.tensor(order[start:start + BATCH])
            loss = nn.functional.cross_entropy(net(x[index]), y[index])  # mean over the batch
            losses.append(loss.item())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    final = {k: v.flatten().tolist() for k, v in net.state_dict().items()}
    metadata = {"model.spec": SPEC, "model.input_shape": "%d,1,1" % FEATURES, "model.classes": "3",
                "golden.x": json.dumps(x.flatten().tolist()), "golden.y": json.dumps(y.tolist()),
                "golden.batch": str(BATCH), "golden.seed": str(SEED), "golden.orders": json.dumps(orders),
                "golden.losses": json.dumps(losses), "golden.final": json.dumps(final)}
    safetensors_io.save(os.path.join(HERE, "train_minibatch_golden.safetensors"), initial, metadata)


if __name__ == "__main__":
    main()
