#!/usr/bin/python3
"""Reference timing: scikit-learn brute-force kNN (what DADApy's compute_distances runs) on a layer .npy.

Run with Debian's python3-sklearn and a correctly tuned OpenBLAS:
    OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 bench/analyze/sklearn_knn.py DIR/layer.npy [maxk] [repeats]
Prints the load time and, per repeat, fit+kneighbors wall and process-CPU seconds. With SAVE_NEIGHBOURS=FILE.npy
it also saves the neighbour indices (to compare with landscape's).
"""
import os
import sys
import time

import numpy as np
from sklearn.neighbors import NearestNeighbors


def main():
    path = sys.argv[1]
    maxk = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    t0 = time.perf_counter()
    x = np.load(path).astype(np.float64)
    t1 = time.perf_counter()
    print(f"load+float64 {t1 - t0:.3f} s, shape {x.shape}, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}")
    for r in range(repeats):
        t0 = time.perf_counter()
        c0 = time.process_time()
        nn = NearestNeighbors(algorithm="brute", n_neighbors=maxk + 1).fit(x)
        dist, ind = nn.kneighbors(x)
        t1 = time.perf_counter()
        c1 = time.process_time()
        print(f"repeat {r + 1}: sklearn brute kNN (n_neighbors={maxk + 1}) {t1 - t0:.3f} s wall, {c1 - c0:.3f} s process CPU")
    if os.environ.get("SAVE_NEIGHBOURS"):
        np.save(os.environ["SAVE_NEIGHBOURS"], ind)


if __name__ == "__main__":
    main()
