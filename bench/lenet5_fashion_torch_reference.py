#!/usr/bin/python3
"""The `lenet5` preset's recipe in PyTorch, to compare test (and validation)
accuracy distributions with `redes train` seed by seed (not a timing
benchmark; issue 4: LeNet-5 >= 90 % on Fashion-MNIST):

    redes train --net lenet5 --data fashion --epochs 10 --seed S --threads 1

PyTorch side, the same recipe as the preset unless an option says otherwise:
  - LeNet-5 as in src/nn/model.c: Conv2d(1,6,5,padding=2), ReLU, MaxPool2d(2),
    Conv2d(6,16,5), ReLU, MaxPool2d(2), Linear(400,120), ReLU,
    Linear(120,84), ReLU, Linear(84,10), PyTorch's default initialisation
    (redes --init default reproduces reset_parameters());
  - inputs: pixels / 255 in [0, 1] (redes keeps pixels unstandardised);
    --normalize MEAN STD subtracts and divides (e.g. 0.2860 0.3530 for Fashion);
  - Adam(lr=1e-3) (betas 0.9/0.999, eps 1e-8), or --optimizer sgd/adamw with
    --lr/--momentum/--nesterov/--weight-decay, as redes' flags of the same names;
  - batch 64, reshuffled every epoch, last partial batch kept (redes'
    batcher: shuffle, no drop_last), mean cross-entropy (--label-smoothing);
  - the rate follows CosineAnnealingLR(T_max=epochs) stepped once per epoch:
    epoch e (from 0) trains at lr (1 + cos(pi e / E)) / 2, like redes'
    "cosine" schedule; --schedule constant keeps it;
  - the official 60 000 / 10 000 split; --val-fraction F holds out a
    stratified fraction F of the training images for validation (as
    `redes train --val-fraction F`, though not the same images).

The data sit in memory as one tensor and a randperm per epoch replaces the
DataLoader (same sampling, less overhead).  One thread (torch.set_num_threads(1)).

    lenet5_fashion_torch_reference.py [--data fashion|mnist] [options] SEED...

Prints one line per seed:
  RESULT data=.. seed=S test_accuracy=A val_accuracy=V last_train_accuracy=T per_epoch_test=...
"""
import argparse
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from idx_numpy import read_idx

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DIRS = {
    "mnist": os.path.join(os.environ.get("REDES_DATA_DIR", os.path.join(ROOT, "data")), "mnist"),
    "fashion": "/usr/share/datasets/fashion-mnist",
}


def find(directory, stem):
    for name in sorted(os.listdir(directory)):
        if name.startswith(stem):
            return os.path.join(directory, name)
    raise FileNotFoundError(os.path.join(directory, stem))


def load(data, normalize):
    parts = []
    for prefix in ("train", "t10k"):
        images = read_idx(find(DIRS[data], prefix + "-images"))
        labels = read_idx(find(DIRS[data], prefix + "-labels"))
        x = torch.from_numpy(images.reshape(-1, 1, 28, 28).astype(np.float32) / 255.0)
        if normalize:
            x = (x - normalize[0]) / normalize[1]
        parts += [x, torch.from_numpy(labels.astype(np.int64))]
    return parts


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def stratified_holdout(labels, fraction, seed):
    """Indices (train, val): a fraction of each class, rounded, held out."""
    rng = np.random.RandomState(seed)
    train, val = [], []
    for k in np.unique(labels):
        members = np.flatnonzero(labels == k)
        rng.shuffle(members)
        n_val = int(round(fraction * len(members)))
        val.append(members[:n_val])
        train.append(members[n_val:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(val))


def accuracy(net, x, y):
    if x.shape[0] == 0:
        return float("nan")
    net.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, x.shape[0], 1000):
            correct += (net(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item()
    net.train()
    return correct / x.shape[0]


def make_optimizer(a, params):
    if a.optimizer == "adam":
        return torch.optim.Adam(params, lr=a.lr, weight_decay=a.weight_decay)
    if a.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=a.lr, weight_decay=a.weight_decay)
    return torch.optim.SGD(params, lr=a.lr, momentum=a.momentum, nesterov=a.nesterov, weight_decay=a.weight_decay)


def run(a, seed, x_train, y_train, x_val, y_val, x_test, y_test):
    torch.manual_seed(seed)
    net = lenet5()
    optimizer = make_optimizer(a, net.parameters())
    per_epoch = []
    n = x_train.shape[0]
    for epoch in range(a.epochs):
        rate = a.lr * (1 + math.cos(math.pi * epoch / a.epochs)) / 2 if a.schedule == "cosine" else a.lr
        for group in optimizer.param_groups:
            group["lr"] = rate  # = CosineAnnealingLR(T_max=epochs) stepped per epoch
        order = torch.randperm(n)
        correct = 0  # running training accuracy, as redes reports it
        for i in range(0, n, a.batch):
            index = order[i:i + a.batch]
            logits = net(x_train[index])
            loss = F.cross_entropy(logits, y_train[index], label_smoothing=a.label_smoothing)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            correct += (logits.argmax(1) == y_train[index]).sum().item()
        per_epoch.append(accuracy(net, x_test, y_test))
    return per_epoch, accuracy(net, x_val, y_val), correct / n


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="fashion", choices=sorted(DIRS))
    parser.add_argument("--optimizer", default="adam", choices=["adam", "adamw", "sgd"])
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--momentum", type=float, default=0.0)
    parser.add_argument("--nesterov", action="store_true")
    parser.add_argument("--weight-decay", type=float, default=None)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--schedule", default="cosine", choices=["cosine", "constant"])
    parser.add_argument("--label-smoothing", type=float, default=0.0)
    parser.add_argument("--normalize", type=float, nargs=2, metavar=("MEAN", "STD"))
    parser.add_argument("--val-fraction", type=float, default=0.0)
    parser.add_argument("seeds", type=int, nargs="+")
    a = parser.parse_args()
    if a.weight_decay is None:
        a.weight_decay = 0.01 if a.optimizer == "adamw" else 0.0  # redes' defaults
    torch.set_num_threads(1)
    x_all, y_all, x_test, y_test = load(a.data, a.normalize)
    for seed in a.seeds:
        train, val = stratified_holdout(y_all.numpy(), a.val_fraction, seed)
        start = time.process_time()
        per_epoch, val_accuracy, train_accuracy = run(a, seed, x_all[train], y_all[train], x_all[val], y_all[val],
                                                      x_test, y_test)
        print("RESULT data=%s seed=%d test_accuracy=%.4f val_accuracy=%.4f last_train_accuracy=%.4f cpu_s=%.1f "
              "per_epoch_test=%s"
              % (a.data, seed, per_epoch[-1], val_accuracy, train_accuracy, time.process_time() - start,
                 ",".join("%.4f" % p for p in per_epoch)),
              flush=True)


if __name__ == "__main__":
    main()
