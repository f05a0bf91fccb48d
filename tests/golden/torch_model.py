#!/usr/bin/python3
"""Loads a model.safetensors written by `redes train` into PyTorch.

    /usr/bin/python3 tests/golden/torch_model.py MODEL [--mnist DIR] [--inputs x1,x2,...]

Builds an nn.Module from the net spec in the file's metadata (attributes fc1,
bn1, conv1, ... as redes names them), loads the tensors with
load_state_dict(strict=True), and prints JSON: the parameter count and, with
--mnist DIR (a folder of MNIST IDX .gz files), the test accuracy PyTorch
computes with redes' weights; with --inputs, the softmax probabilities.
"""
import argparse
import gzip
import json
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU,
               "softplus": nn.Softplus, "identity": nn.Identity}


class Net(nn.Module):
    def __init__(self, spec, input_shape):
        super().__init__()
        c, h, w = input_shape
        spatial = h > 1 or w > 1
        self.steps = []
        counters = {"fc": 0, "conv": 0, "bn": 0}
        for item in [s.strip() for s in spec.split(",")]:
            words = item.split()
            kind = words[0]
            if kind == "fc":
                counters["fc"] += 1
                layer = nn.Linear(c * h * w, int(words[1]))
                name = "fc%d" % counters["fc"]
                c, h, w, spatial = int(words[1]), 1, 1, False
                self.steps.append(("flatten", None))
            elif kind == "conv":
                counters["conv"] += 1
                opts = dict(zip(words[3::2], map(int, words[4::2])))
                k, pad, stride = int(words[2]), opts.get("pad", 0), opts.get("stride", 1)
                layer = nn.Conv2d(c, int(words[1]), k, stride=stride, padding=pad)
                name = "conv%d" % counters["conv"]
                c, h, w = int(words[1]), (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
            elif kind == "maxpool":
                layer, name = nn.MaxPool2d(int(words[1])), None
                h, w = h // int(words[1]), w // int(words[1])
            elif kind == "bn":
                counters["bn"] += 1
                layer = nn.BatchNorm2d(c) if spatial else nn.BatchNorm1d(c * h * w)
                name = "bn%d" % counters["bn"]
            elif kind == "dropout":
                layer, name = nn.Dropout(float(words[1])), None
            elif kind == "flatten":
                self.steps.append(("flatten", None))
                c, h, w, spatial = c * h * w, 1, 1, False
                continue
            elif kind == "leaky_relu":
                layer, name = nn.LeakyReLU(float(words[1]) if len(words) > 1 else 0.01), None
            elif kind == "elu":
                layer, name = nn.ELU(float(words[1]) if len(words) > 1 else 1.0), None
            else:
                layer, name = ACTIVATIONS[kind](), None
            if name:
                setattr(self, name, layer)
            self.steps.append((name, layer))

    def forward(self, x):
        for name, layer in self.steps:
            x = torch.flatten(x, 1) if name == "flatten" else layer(x)
        return x


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--mnist")
    parser.add_argument("--inputs")
    args = parser.parse_args()
    tensors, metadata = safetensors_io.load(args.model)
    input_shape = [int(v) for v in metadata["model.input_shape"].split(",")]
    net = Net(metadata["model.spec"], input_shape)
    state = {k: v for k, v in tensors.items() if not k.startswith("preprocess.")}
    net.load_state_dict(state, strict=True)
    net.eval()
    out = {"parameters": sum(p.numel() for p in net.parameters()), "spec": metadata["model.spec"]}
    with torch.no_grad():
        if args.mnist:
            images = read_idx(os.path.join(args.mnist, "t10k-images-idx3-ubyte.gz"))
            labels = read_idx(os.path.join(args.mnist, "t10k-labels-idx1-ubyte.gz"))
            x = torch.from_numpy(images.astype(np.float32) / 255.0).reshape(-1, *input_shape)
            if "preprocess.mean" in tensors:
                x = (x - tensors["preprocess.mean"]) / tensors["preprocess.std"]
            predicted = net(x).argmax(1).numpy()
            out["test_accuracy"] = float((predicted == labels).mean())
        if args.inputs:
            x = torch.tensor([float(v) for v in args.inputs.split(",")]).reshape(1, -1)
            if "preprocess.mean" in tensors:
                x = (x - tensors["preprocess.mean"]) / tensors["preprocess.std"]
            out["probabilities"] = torch.softmax(net(x.reshape(1, *input_shape)), 1)[0].tolist()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
