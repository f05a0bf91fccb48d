#!/usr/bin/python3
"""The twin of bench_cnn_epoch.c in PyTorch: one MNIST epoch (or BATCHES batches,
scaled to the 938 of an epoch) of LeNet-5 (SGD lr 0.05 momentum 0.9) or
mnist-cnn (Adam 1e-3), batch 64, shuffled, cross-entropy.  The data sit in
memory as one float tensor (no DataLoader), so this times PyTorch at its
leanest.

    bench_cnn_epoch_torch.py NET [REPEATS [THREADS [BATCHES]]]
"""
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from idx_numpy import read_idx

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def lenet5():
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def mnist_cnn():
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(128, 10))


def main():
    net_name = sys.argv[1] if len(sys.argv) > 1 else "lenet5"
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    batches = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    directory = os.environ.get("REDES_DATA_DIR", os.path.join(ROOT, "data"))
    images = read_idx(os.path.join(directory, "mnist", "train-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(directory, "mnist", "train-labels-idx1-ubyte.gz"))
    x_all = torch.from_numpy((images.reshape(-1, 1, 28, 28).astype(np.float32) / 255.0 - 0.1307) / 0.3081)
    y_all = torch.from_numpy(labels.astype(np.int64))
    batch = 64
    epoch_batches = (x_all.shape[0] + batch - 1) // batch
    if batches <= 0 or batches >= epoch_batches:
        batches = epoch_batches
    n = min(batches * batch, x_all.shape[0])
    scale = epoch_batches / batches
    times, cpu, loss_mean = [], [], 0.0
    for _ in range(repeats):
        net = lenet5() if net_name == "lenet5" else mnist_cnn()
        net.train()
        if net_name == "lenet5":
            optimizer = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
        else:
            optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
        start, cpu_start = time.perf_counter(), time.process_time()
        order = torch.randperm(n)
        total = 0.0
        for i in range(0, n, batch):
            index = order[i:i + batch]
            loss = F.cross_entropy(net(x_all[index]), y_all[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * index.shape[0]
        times.append((time.perf_counter() - start) * scale)
        cpu.append((time.process_time() - cpu_start) * scale)
        loss_mean = total / n
    times.sort()
    cpu.sort()
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print("RESULT torch net=%s threads=%d median_s=%.3f min_s=%.3f max_s=%.3f maxrss_mb=%.1f train_loss=%.4f "
          "cpu_s=%.3f batches=%d" % (net_name, threads, times[len(times) // 2], times[0], times[-1], maxrss,
                                     loss_mean, cpu[len(cpu) // 2], batches))


if __name__ == "__main__":
    main()
