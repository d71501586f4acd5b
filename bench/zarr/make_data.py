"""Writes the Zarr stores of the read benchmark once (skips a store that exists).

    python make_data.py DIR

DIR/big.zarr: Zarr v3, one float32 variable `v` of shape (8192, 65536) = 2 GiB decoded,
dims ("y", "x") as xarray names them (`dimension_names`), 1 MiB chunks (256 x 1024), the
bytes codec + zstd level 1, consolidated metadata. Values: a smooth field plus noise,
so zstd compresses them somewhat, as with real model output.
Written by zarr-python (zarr 3.x), block row by block row (64 MiB at a time).
"""

import os
import sys

import numpy as np
import zarr
from zarr.codecs import ZstdCodec

ROWS, COLS = 8192, 65536
CHUNKS = (256, 1024)


def main(out_dir):
    path = os.path.join(out_dir, "big.zarr")
    if os.path.exists(os.path.join(path, "zarr.json")):
        return
    os.makedirs(out_dir, exist_ok=True)
    root = zarr.open_group(path, mode="w", zarr_format=3)
    arr = root.create_array(
        "v",
        shape=(ROWS, COLS),
        chunks=CHUNKS,
        dtype="float32",
        compressors=ZstdCodec(level=1),
        fill_value=np.float32("nan"),
        dimension_names=["y", "x"],
    )
    rng = np.random.default_rng(0)
    x = np.linspace(0, 8 * np.pi, COLS, dtype=np.float32)
    for r0 in range(0, ROWS, CHUNKS[0]):
        y = np.arange(r0, r0 + CHUNKS[0], dtype=np.float32)[:, None] / ROWS
        block = 280 + 20 * np.sin(x)[None, :] * np.cos(4 * np.pi * y)
        block += rng.normal(0, 0.5, size=block.shape).astype(np.float32)
        # Two decimals, like a model's output written with limited precision.
        arr[r0 : r0 + CHUNKS[0], :] = np.round(block, 2).astype(np.float32)
    zarr.consolidate_metadata(path)


if __name__ == "__main__":
    main(sys.argv[1])
