"""bench_conv_torch.py — the PyTorch twin of bench_conv.c: the same layers, batch 64,
forward + backward (input gradient skipped for first layers), median ms.
Run with /usr/bin/python3 (Debian's python3-torch); threads from OMP_NUM_THREADS."""
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 21
torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", os.cpu_count())))
layers = [
    ("lenet5.conv1 1->6 5x5 pad2 28x28", 64, 1, 28, 28, 6, 5, 1, 2, False),
    ("lenet5.conv2 6->16 5x5 14x14", 64, 6, 14, 14, 16, 5, 1, 0, True),
    ("mnist2.conv1 1->32 3x3 28x28", 64, 1, 28, 28, 32, 3, 1, 0, False),
    ("mnist2.conv2 32->64 3x3 26x26", 64, 32, 26, 26, 64, 3, 1, 0, True),
]
print(f"# torch {torch.__version__} conv2d, batch 64, {torch.get_num_threads()} threads, median of {repeats} runs (ms)")
print(f"{'layer':34s} {'forward':>9s} {'backward':>9s} {'total':>9s} {'min':>9s} {'cpu':>9s}")
torch.manual_seed(1)
for name, b, cin, h, w, cout, k, stride, pad, needs_dx in layers:
    x = torch.randn(b, cin, h, w, requires_grad=needs_dx)
    weight = torch.randn(cout, cin, k, k, requires_grad=True)
    bias = torch.randn(cout, requires_grad=True)
    forward, backward, total, cpu = [], [], [], []
    for r in range(repeats + 2):
        c0, t0 = time.process_time(), time.perf_counter()
        y = F.conv2d(x, weight, bias, stride=stride, padding=pad)
        t1 = time.perf_counter()
        y.backward(torch.ones_like(y))
        t2, c2 = time.perf_counter(), time.process_time()
        weight.grad = None
        bias.grad = None
        x.grad = None
        if r >= 2:
            forward.append(t1 - t0), backward.append(t2 - t1), total.append(t2 - t0), cpu.append(c2 - c0)
    print(f"{name:34s} {statistics.median(forward)*1e3:9.3f} {statistics.median(backward)*1e3:9.3f} "
          f"{statistics.median(total)*1e3:9.3f} {min(total)*1e3:9.3f} {statistics.median(cpu)*1e3:9.3f}")
