"""The reference for bench/data_load.c: MNIST with gzip + numpy, the way most
Python code loads it, and one shuffled epoch of float batches of 64.

    /usr/bin/python3 bench/data_load_numpy.py [REPEATS]
"""
import gzip
import os
import statistics
import sys
import time

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DATA = os.environ.get("REDES_DATA_DIR", os.path.join(ROOT, "data"))


def load(name, offset):
    with gzip.open(os.path.join(DATA, "mnist", name), "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def load_mnist():
    images = [load(f"{part}-images-idx3-ubyte.gz", 16).reshape(-1, 784) for part in ("train", "t10k")]
    labels = [load(f"{part}-labels-idx1-ubyte.gz", 8).astype(np.int64) for part in ("train", "t10k")]
    return np.concatenate(images), np.concatenate(labels)


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    load_ms, epoch_ms = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        images, labels = load_mnist()
        load_ms.append(1e3 * (time.perf_counter() - start))
    rng = np.random.default_rng(1)
    checksum = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        order = rng.permutation(60000)
        for b in range(0, 60000, 64):
            index = order[b:b + 64]
            x = images[index].astype(np.float32) * (1 / 255)
            y = labels[index]
            checksum += x[0, 0] + y[0]
        epoch_ms.append(1e3 * (time.perf_counter() - start))
    print(f"numpy  load mnist {statistics.median(load_ms):8.1f} ms   "
          f"epoch of batches (60000, B=64) {statistics.median(epoch_ms):7.1f} ms")


if __name__ == "__main__":
    main()
