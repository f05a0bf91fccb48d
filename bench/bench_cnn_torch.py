"""bench_cnn_torch.py — the PyTorch twin of bench_cnn.c: one training step
(forward, backward, SGD update) of LeNet-5 and of the 2-conv MNIST net, batch
64, random data.  Prints "torch_<net>_step_ms <median> cpu_ms <median>".
Run with /usr/bin/python3; threads from OMP_NUM_THREADS."""
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 50
torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", os.cpu_count())))
torch.manual_seed(1)

lenet = nn.Sequential(
    nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
    nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
mnist2 = nn.Sequential(
    nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Linear(128, 10))

print(f"# torch {torch.__version__}, one training step, batch 64, {torch.get_num_threads()} threads, median of {steps} steps")
x = torch.rand(64, 1, 28, 28)
labels = torch.randint(0, 10, (64,))
for name, model in (("lenet5", lenet), ("mnist2", mnist2)):
    optimiser = torch.optim.SGD(model.parameters(), lr=0.01)
    wall, cpu = [], []
    for s in range(steps + 3):
        t0, c0 = time.perf_counter(), time.process_time()
        optimiser.zero_grad()
        loss = F.cross_entropy(model(x), labels)
        loss.backward()
        optimiser.step()
        if s >= 3:
            wall.append(time.perf_counter() - t0), cpu.append(time.process_time() - c0)
    print(f"torch_{name}_step_ms {statistics.median(wall)*1e3:.3f} cpu_ms {statistics.median(cpu)*1e3:.3f}")
