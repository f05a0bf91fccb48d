#!/usr/bin/python3
"""The twin of bench_mlp.c in PyTorch: one epoch of MNIST, MLP 784-256-128-10,
ReLU, cross-entropy, SGD lr 0.1 momentum 0.9, batch 64, shuffled each epoch.
The data sit in memory as one float tensor (no DataLoader overhead), so this
times PyTorch at its leanest.

    bench_mlp_torch.py [REPEATS [THREADS]]
"""
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "golden"))
from golden_io import read_idx  # noqa: E402


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    directory = os.environ.get("REDES_DATA_DIR", os.path.join(ROOT, "data"))
    images = read_idx(os.path.join(directory, "mnist", "train-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(directory, "mnist", "train-labels-idx1-ubyte.gz"))
    x_all = torch.from_numpy(images.reshape(-1, 784).astype(np.float32) / 255.0)
    y_all = torch.from_numpy(labels.astype(np.int64))
    times, cpu, loss_mean = [], [], 0.0
    for _ in range(repeats):
        net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
        optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
        start, cpu_start = time.perf_counter(), time.process_time()
        order = torch.randperm(x_all.shape[0])
        total = 0.0
        for i in range(0, x_all.shape[0], 64):
            index = order[i:i + 64]
            loss = F.cross_entropy(net(x_all[index]), y_all[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * index.shape[0]
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
        loss_mean = total / x_all.shape[0]
    times.sort()
    cpu.sort()
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print("RESULT torch threads=%d median_s=%.3f min_s=%.3f max_s=%.3f maxrss_mb=%.1f train_loss=%.4f cpu_s=%.3f"
          % (threads, times[len(times) // 2], times[0], times[-1], maxrss, loss_mean, cpu[len(cpu) // 2]))


if __name__ == "__main__":
    main()
