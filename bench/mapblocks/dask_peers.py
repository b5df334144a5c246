#!/usr/bin/python3
"""Peers of tessera-mapblocks for bench/mapblocks/run.sh (Debian's python3-dask, python3-h5py).

  dask_peers.py compute N CHUNK REPEATS        da.ones((N,N), chunks).map_blocks(square).sum(), threads x2
  dask_peers.py to_hdf5 N CHUNK REPEATS FILE   the same array squared, da.to_hdf5 (compute + write)
  dask_peers.py h5py N REPEATS FILE            numpy ones squared written by h5py (write + close only)

Prints one wall time in seconds per repetition, one per line.
"""
import os
import sys
import time

import dask
import dask.array as da
import h5py
import numpy as np


def square(block):
    return block * block


def main():
    what = sys.argv[1]
    if what == "compute":
        n, chunk, reps = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        x = da.ones((n, n), chunks=(chunk, chunk))
        expect = float(n) * n
        for _ in range(reps):
            t0 = time.perf_counter()
            s = x.map_blocks(square).sum().compute(scheduler="threads", num_workers=2)
            dt = time.perf_counter() - t0
            assert s == expect, (s, expect)
            print(f"{dt:.6f}", flush=True)
    elif what == "to_hdf5":
        n, chunk, reps, path = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
        x = da.ones((n, n), chunks=(chunk, chunk)).map_blocks(square)
        with dask.config.set(scheduler="threads", num_workers=2):
            for _ in range(reps):
                if os.path.exists(path):
                    os.remove(path)
                os.sync()
                t0 = time.perf_counter()
                da.to_hdf5(path, "/x", x)
                print(f"{time.perf_counter() - t0:.6f}", flush=True)
    elif what == "h5py":
        n, reps, path = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
        a = np.ones((n, n))
        a = a * a
        for _ in range(reps):
            if os.path.exists(path):
                os.remove(path)
            os.sync()
            t0 = time.perf_counter()
            with h5py.File(path, "w") as f:
                f.create_dataset("x", data=a)
            print(f"{time.perf_counter() - t0:.6f}", flush=True)
    else:
        sys.exit("unknown mode " + what)


if __name__ == "__main__":
    main()
