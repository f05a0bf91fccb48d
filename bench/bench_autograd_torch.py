#!/usr/bin/env python3
"""PyTorch twin of bench_autograd.c: the same 784-256-128-10 ReLU MLP step
(forward, cross-entropy, backward; gradients zeroed), batch 64, median time."""
import statistics
import sys
import time

import torch
import torch.nn.functional as F

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 300
torch.manual_seed(1)
sizes = [784, 256, 128, 10]
layers = [torch.nn.Linear(sizes[i], sizes[i + 1]) for i in range(3)]
params = [p for layer in layers for p in layer.parameters()]
x = torch.rand(64, 784)
labels = torch.randint(0, 10, (64,))
times = []
for step in range(steps + 10):
    start = time.perf_counter()
    for p in params:
        p.grad = None
    h = F.relu(layers[0](x))
    h = F.relu(layers[1](h))
    loss = F.cross_entropy(layers[2](h), labels)
    loss.backward()
    if step >= 10:
        times.append(time.perf_counter() - start)
print(f"torch_mlp_step_ms {1e3 * statistics.median(times):.4f}")
print(f"torch {torch.__version__} threads {torch.get_num_threads()}")
