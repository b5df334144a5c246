#!/usr/bin/python3
"""bench/matmul/dask_matmul.py: dask `a @ b` on float64 N x N random matrices, the dask peer of
tessera-matmul in bench/matmul/run.sh. Threaded scheduler with --workers workers (numpy's matmul
releases the GIL, so the workers multiply blocks in parallel), blocks of N/2 x N/2 (one per worker
and dimension); a and b are made and persisted first, then `(a @ b).persist()` is timed --reps
times; prints one JSON line with the median. A few entries are checked against numpy dot products.
Run with OPENBLAS_NUM_THREADS=1 (one BLAS thread per worker)."""
import argparse
import json
import statistics
import time

import dask
import dask.array as da
import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4096)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    n, chunk = args.n, max(1, args.n // 2)
    with dask.config.set(scheduler="threads", num_workers=args.workers):
        rs = da.random.RandomState(1)
        a = rs.uniform(-1, 1, size=(n, n), chunks=chunk).persist()
        b = rs.uniform(-1, 1, size=(n, n), chunks=chunk).persist()
        (a @ b).persist()  # warm-up
        times = []
        for _ in range(args.reps):
            t0 = time.perf_counter()
            c = (a @ b).persist()
            dask.wait(c) if hasattr(dask, "wait") else None
            times.append(time.perf_counter() - t0)
        an, bn, cn = a.compute(), b.compute(), c.compute()
    ok = all(abs(cn[i, j] - an[i, :] @ bn[:, j]) <= 1e-9 * n for i, j in [(0, 0), (n - 1, n // 3), (n // 2, n - 1)])
    med = statistics.median(times)
    print(json.dumps({"n": n, "workers": args.workers, "chunks": chunk, "reps": args.reps, "time_s": med,
                      "gflops": 2.0 * n ** 3 / med * 1e-9, "dask": dask.__version__, "ok": ok}))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
