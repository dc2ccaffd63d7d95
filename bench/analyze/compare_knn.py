#!/usr/bin/python3
"""Compares landscape's kNN (DIR/knn_indices.npy, knn_distances.npy from `AnalyzeBenchmark knn DIR`) with
scikit-learn's brute-force kNN on DIR/layer.npy (float64, n_neighbors=1001).
    OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 bench/analyze/compare_knn.py DIR
Reports identical index rows, where orders differ whether the distances there are tied to rounding, and the
largest distance difference."""
import sys

import numpy as np
from sklearn.neighbors import NearestNeighbors

d = sys.argv[1]
x = np.load(f"{d}/layer.npy").astype(np.float64)
ours_i = np.load(f"{d}/knn_indices.npy")
ours_d = np.load(f"{d}/knn_distances.npy")
dist, ind = NearestNeighbors(algorithm="brute", n_neighbors=ours_i.shape[1]).fit(x).kneighbors(x)
same_rows = np.all(ind == ours_i, axis=1)
print(f"rows with identical neighbour lists: {same_rows.sum()} / {len(same_rows)}")
print(f"max |distance difference| {np.abs(dist - ours_d).max():.3e}, max relative "
      f"{(np.abs(dist - ours_d) / np.maximum(dist, 1e-300))[:, 1:].max():.3e}")
diff = np.argwhere(ind != ours_i)
if len(diff):
    # exact float64 distances (direct formula) of the two points placed differently
    worst = 0.0
    for r, c in diff[:2000]:
        a = np.linalg.norm(x[r] - x[ind[r, c]])
        b = np.linalg.norm(x[r] - x[ours_i[r, c]])
        worst = max(worst, abs(a - b) / max(a, b))
    print(f"{len(diff)} positions differ; largest relative gap between the exact distances of the swapped "
          f"points (first 2000): {worst:.3e}")
