#!/usr/bin/python3
"""The chapter-3 MNIST MLP in PyTorch, started from redes's initial weights
and/or fed redes's batch order, to find where redes and PyTorch part
(docs/chapter3-mlp.md, section 9).  Not a timing benchmark.

First run redes's tracer, which writes the initial weights, the per-epoch
orders and the per-step losses of `redes train ... --seed S` into DIR:

    build/bench/bench_mlp_trace S EPOCHS DIR 1

then

    mlp_trace_torch.py DIR [--init redes|torch] [--order redes|torch]
                           [--seed S] [--epochs E] [--write-init FILE]
                           [--save-losses FILE] [--perturb] [--resume K]

--init redes    start from DIR/init.f32 (redes's initialisation)
--init torch    nn.Linear's default initialisation after torch.manual_seed(S)
--order redes   the batches of DIR/orders.i32 (redes's permutations)
--order torch   torch.randperm per epoch, as bench/mnist_mlp_torch_reference.py
                (the generator is seeded and the net built first in every
                mode, so --order torch draws the reference's permutations)
--write-init F  write PyTorch's initialisation for seed S as float32 in
                redes's layout (DIR/layout.txt), for
                `bench_mlp_trace S E DIR2 1 F` (redes trained from it)

--resume K      continue from redes's checkpoint after epoch K
                (DIR/checkpoint_eK.safetensors: weights, Adam's exp_avg,
                exp_avg_sq and step; written by the tracer with
                REDES_TRACE_CHECKPOINT=K) with redes's orders of epochs K+1...:
                checks the optimiser state late in training, not only at
                the start

With --init redes --order redes the run is step for step the same
computation as redes's: the script prints the largest difference of the
per-step loss against DIR/loss.f64 over windows of steps.  Every mode
prints the test accuracy per epoch and a final line
"RESULT init=.. order=.. seed=S test_accuracy=A".
"""
import argparse
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from idx_numpy import read_idx

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
MNIST = os.path.join(os.environ.get("REDES_DATA_DIR", os.path.join(ROOT, "data")), "mnist")
N_TRAIN, BATCH = 60000, 64


def load():
    parts = []
    for prefix in ("train", "t10k"):
        images = read_idx(os.path.join(MNIST, prefix + "-images-idx3-ubyte.gz"))
        labels = read_idx(os.path.join(MNIST, prefix + "-labels-idx1-ubyte.gz"))
        parts += [torch.from_numpy(images.reshape(-1, 784).astype(np.float32) / np.float32(255.0)),
                  torch.from_numpy(labels.astype(np.int64))]
    return parts


def read_layout(directory):
    """[(name, offset, numel, shape)] of redes's flat parameter buffer."""
    views = []
    with open(os.path.join(directory, "layout.txt")) as f:
        for line in f:
            words = line.split()
            views.append((words[0], int(words[1]), int(words[2]), [int(w) for w in words[3:]]))
    return views


def torch_names(net):
    """redes's fc1/fc2/fc3 onto nn.Sequential's 0/2/4."""
    linears = [m for m in net if isinstance(m, nn.Linear)]
    names = {}
    for k, layer in enumerate(linears):
        names["fc%d.weight" % (k + 1)] = layer.weight
        names["fc%d.bias" % (k + 1)] = layer.bias
    return names


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--init", choices=["redes", "torch"], default="redes")
    parser.add_argument("--order", choices=["redes", "torch"], default="redes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--write-init")
    parser.add_argument("--save-losses", help="write the per-step losses (float64) to this file")
    parser.add_argument("--resume", type=int, default=0)
    parser.add_argument("--perturb", action="store_true",
                        help="move every initial weight by one ulp up or down at random (numpy seed 0): "
                             "how fast float rounding alone makes two runs part")
    a = parser.parse_args()
    torch.set_num_threads(1)
    layout = read_layout(a.dir)

    torch.manual_seed(a.seed)
    net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    params = torch_names(net)
    if a.write_init:
        flat = np.concatenate([params[name].detach().numpy().ravel() for name, _, _, _ in layout])
        flat.astype("<f4").tofile(a.write_init)
        print("wrote", a.write_init, flat.size, "floats")
        return
    if a.init == "redes":
        flat = np.fromfile(os.path.join(a.dir, "init.f32"), dtype="<f4")
        with torch.no_grad():
            for name, offset, numel, shape in layout:
                params[name].copy_(torch.from_numpy(flat[offset:offset + numel].reshape(shape)))

    if a.perturb:
        rng = np.random.default_rng(0)
        with torch.no_grad():
            for p in net.parameters():
                w = p.detach().numpy()
                up = rng.random(w.shape) < 0.5
                p.copy_(torch.from_numpy(np.where(up, np.nextafter(w, np.float32(np.inf)),
                                                  np.nextafter(w, np.float32(-np.inf))).astype(np.float32)))

    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    if a.resume:
        import sys
        sys.path.insert(0, os.path.join(ROOT, "tests", "golden"))
        import safetensors_io
        import json
        tensors, metadata = safetensors_io.load(os.path.join(a.dir, "checkpoint_e%d.safetensors" % a.resume))
        step = json.loads(metadata["trainer.state"])["optimizer_step"]
        with torch.no_grad():
            for name, p in params.items():
                p.copy_(tensors[name])
                optimizer.state[p] = {"step": torch.tensor(float(step)),
                                      "exp_avg": tensors["optimizer.exp_avg." + name].clone(),
                                      "exp_avg_sq": tensors["optimizer.exp_avg_sq." + name].clone()}
        print("resumed from redes's state after epoch %d (Adam step %d)" % (a.resume, step))

    x_train, y_train, x_test, y_test = load()
    orders = None
    if a.order == "redes":
        orders = np.fromfile(os.path.join(a.dir, "orders.i32"), dtype="<i4").reshape(-1, N_TRAIN)
    epochs = a.epochs or (len(orders) if orders is not None else 10)
    reference = None
    if a.init == "redes" and a.order == "redes" and os.path.exists(os.path.join(a.dir, "loss.f64")):
        reference = np.fromfile(os.path.join(a.dir, "loss.f64"), dtype="<f8")
        reference = reference[a.resume * ((N_TRAIN + BATCH - 1) // BATCH):]

    losses = []
    for epoch in range(a.resume, epochs):
        order = torch.from_numpy(orders[epoch].astype(np.int64)) if orders is not None else torch.randperm(N_TRAIN)
        correct = 0
        for i in range(0, N_TRAIN, BATCH):
            index = order[i:i + BATCH]
            logits = net(x_train[index])
            loss = F.cross_entropy(logits, y_train[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            correct += (logits.argmax(1) == y_train[index]).sum().item()
        net.eval()
        with torch.no_grad():
            test = (net(x_test).argmax(1) == y_test).float().mean().item()
        net.train()
        print("epoch %d train_accuracy %.4f test_accuracy %.4f" % (epoch + 1, correct / N_TRAIN, test), flush=True)
    if a.save_losses:
        np.array(losses, dtype="<f8").tofile(a.save_losses)
    if reference is not None:
        losses = np.array(losses)
        n = min(len(losses), len(reference))
        difference = np.abs(losses[:n] - reference[:n])
        print("per-step |loss_torch - loss_redes| (max over the window, mean loss):")
        bounds = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, n]
        for lo, hi in zip(bounds, bounds[1:]):
            if lo >= n:
                break
            hi = min(hi, n)
            print("  steps %6d-%-6d  max %.3e  mean %.3e  loss %.4f"
                  % (lo + 1, hi, difference[lo:hi].max(), difference[lo:hi].mean(), reference[lo:hi].mean()))
    print("RESULT init=%s order=%s seed=%d test_accuracy=%.4f" % (a.init, a.order, a.seed, test))


if __name__ == "__main__":
    main()
