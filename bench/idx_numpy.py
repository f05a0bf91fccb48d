"""IDX files (MNIST's format) as numpy arrays, for the PyTorch reference
scripts in bench/: magic 0x00 0x00 0x08 NDIM, NDIM big-endian uint32 sizes,
then the uint8 data.  Plain or gzip (by the .gz suffix)."""
import gzip

import numpy as np


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)
