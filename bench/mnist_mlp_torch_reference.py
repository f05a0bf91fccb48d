#!/usr/bin/python3
"""The standard PyTorch recipe for the MLP of the issue, to compare test
accuracy distributions with `redes train` (not a timing benchmark):

    redes train --data mnist --layers 256,128 --activation relu --optimizer adam \
                --lr 1e-3 --batch 64 --epochs 10 --schedule constant --seed S

PyTorch side: nn.Sequential(Linear(784,256), ReLU, Linear(256,128), ReLU,
Linear(128,10)) with nn.Linear's default initialisation, Adam(lr=1e-3), batch
64 reshuffled every epoch (DataLoader(shuffle=True), last partial batch kept),
mean cross-entropy, all 60,000 training images, test accuracy on all 10,000
test images in eval mode.  Inputs: ToTensor() ([0, 1]) and, by default, also
Normalize((0.1307,), (0.3081,)) as in pytorch/examples/mnist; --no-normalize
keeps [0, 1] like redes.  The data sit in memory as one tensor and a randperm
per epoch replaces the DataLoader (same sampling, less overhead).

    mnist_mlp_torch_reference.py [--data mnist|fashion] [--no-normalize] [--schedule cosine] SEED...

--schedule cosine anneals Adam's rate as `redes train` does by default
(torch's CosineAnnealingLR with T_max = epochs, stepped per epoch); the
default here is constant (`redes train --schedule constant`).

Prints one line per seed: "RESULT data=.. normalize=.. seed=S test_accuracy=A"
the running training accuracy of the last epoch and the per-epoch test
accuracies.
"""
import argparse
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from idx_numpy import read_idx

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FILES = {
    "mnist": (os.path.join(os.environ.get("REDES_DATA_DIR", os.path.join(ROOT, "data")), "mnist"), ""),
    "fashion": ("/usr/share/datasets/fashion-mnist", ""),
}


def find(directory, stem):
    for name in os.listdir(directory):
        if name.startswith(stem):
            return os.path.join(directory, name)
    raise FileNotFoundError(os.path.join(directory, stem))


def load(data, normalize):
    directory = FILES[data][0]
    parts = []
    for prefix in ("train", "t10k"):
        images = read_idx(find(directory, prefix + "-images"))
        labels = read_idx(find(directory, prefix + "-labels"))
        x = torch.from_numpy(images.reshape(-1, 784).astype(np.float32) / 255.0)  # ToTensor
        if normalize:
            x = (x - 0.1307) / 0.3081  # Normalize((0.1307,), (0.3081,))
        parts += [x, torch.from_numpy(labels.astype(np.int64))]
    return parts


def accuracy(net, x, y):
    net.eval()
    with torch.no_grad():
        correct = (net(x).argmax(1) == y).sum().item()
    net.train()
    return correct / x.shape[0]


def run(seed, x_train, y_train, x_test, y_test, epochs, schedule):
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    # redes's cosine: eta_e = eta_0 (1 + cos(pi e / E)) / 2 for epoch e = 0..E-1
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs) if schedule == "cosine" else None
    per_epoch = []
    for _ in range(epochs):
        order = torch.randperm(x_train.shape[0])
        correct = 0  # running training accuracy, as redes reports it
        for i in range(0, x_train.shape[0], 64):
            index = order[i:i + 64]
            logits = net(x_train[index])
            loss = F.cross_entropy(logits, y_train[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            correct += (logits.argmax(1) == y_train[index]).sum().item()
        if scheduler:
            scheduler.step()
        per_epoch.append(accuracy(net, x_test, y_test))
    return per_epoch, correct / x_train.shape[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="mnist", choices=sorted(FILES))
    parser.add_argument("--no-normalize", action="store_true")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--schedule", default="constant", choices=["constant", "cosine"])
    parser.add_argument("seeds", type=int, nargs="+")
    a = parser.parse_args()
    torch.set_num_threads(1)
    x_train, y_train, x_test, y_test = load(a.data, not a.no_normalize)
    for seed in a.seeds:
        per_epoch, train_accuracy = run(seed, x_train, y_train, x_test, y_test, a.epochs, a.schedule)
        print("RESULT data=%s normalize=%d schedule=%s seed=%d test_accuracy=%.4f last_train_accuracy=%.4f "
              "per_epoch=%s"
              % (a.data, not a.no_normalize, a.schedule, seed, per_epoch[-1], train_accuracy,
                 ",".join("%.4f" % p for p in per_epoch)),
              flush=True)


if __name__ == "__main__":
    main()
