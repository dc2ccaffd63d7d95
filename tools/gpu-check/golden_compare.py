#!/usr/bin/env python3
"""Compares a representation directory written from a golden model's prompts with that model's expected.json.

    golden_compare.py EXPECTED_JSON OUT_DIR TOLERANCE

The measure is the golden tests' (extract's GoldenModelTest): at every extraction point and row, the largest
|ours - expected| divided by max(1, max|expected|). Prints one JSON object {"worst": w, "tolerance": t, "ok": w <= t,
"points": n, "rows": r} and exits 0 when ok, 1 otherwise. Reads safetensors with the standard library and NumPy only.
"""
import json
import os
import struct
import sys

import numpy as np

DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64}


def read_layer(path):
    with open(path, "rb") as f:
        blob = f.read()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    name = next(k for k in header if k != "__metadata__")
    t = header[name]
    start, end = t["data_offsets"]
    data = np.frombuffer(blob[8 + n + start:8 + n + end], dtype=DTYPES[t["dtype"]])
    return data.reshape(t["shape"]).astype(np.float64)


def main():
    expected_path, out, tol = sys.argv[1], sys.argv[2], float(sys.argv[3])
    cases = json.load(open(expected_path))["cases"]
    manifest = json.load(open(os.path.join(out, "manifest.json")))
    worst = 0.0
    for p in manifest["points"]:
        layer = read_layer(os.path.join(out, p["file"]))
        for row, case in enumerate(cases):
            want = np.asarray(case["last_token"][p["index"]], dtype=np.float64)
            scale = max(1.0, float(np.max(np.abs(want))))
            worst = max(worst, float(np.max(np.abs(layer[row] - want))) / scale)
    res = {"worst": worst, "tolerance": tol, "ok": worst <= tol, "points": len(manifest["points"]), "rows": len(cases)}
    print(json.dumps(res))
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
