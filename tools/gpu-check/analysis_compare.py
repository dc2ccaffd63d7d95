#!/usr/bin/env python3
"""Compares a stats.json written by `landscape-analyze --arrays` with a golden analysis set's expected.json.

    analysis_compare.py EXPECTED_JSON STATS_JSON

The tolerances are the golden tests' (analyze's GoldenAnalysisTest, tests/README.md): kept rows and point counts
equal; IDs, their errors and scales within 1e-6 relative; log-densities and their errors within 1e-8 absolute; the
same partitions (clusters and halo); ARIs, core fraction and overlaps within 1e-9 absolute. Prints one JSON object
with every deviation and "ok", and exits 0 when ok, 1 otherwise.
"""
import json
import sys


def rel(a, b):
    return max((abs(x - y) / abs(x) for x, y in zip(a, b) if x != 0), default=0.0)


def absdev(a, b):
    return max((abs(x - y) for x, y in zip(a, b)), default=0.0)


def same_partition(a, b):
    return len(a) == len(b) and len(set(zip(a, b))) == len(set(a)) == len(set(b))


def main():
    exp = json.load(open(sys.argv[1]))["expected"]
    got = json.load(open(sys.argv[2]))
    r = {
        "kept_rows_equal": exp["kept_rows"] == got["kept_rows"],
        "n_points_equal": exp["n_points"] == got["n_points"],
        "n_clusters_equal": exp["n_clusters"] == got["n_clusters"],
        "ids_rel": rel(exp["ids"], got["ids"]),
        "ids_err_rel": rel(exp["ids_err"], got["ids_err"]),
        "rs_rel": rel(exp["rs"], got["rs"]),
        "log_den_abs": absdev(exp["log_den"], got["log_den"]),
        "log_den_err_abs": absdev(exp["log_den_err"], got["log_den_err"]),
        "partition_equal": same_partition(exp["assignment"], got["assignment"]),
        "halo_partition_equal": same_partition(exp["assignment_halo"], got["assignment_halo"]),
        "scalars_abs": max(abs(exp[k] - got[k]) for k in
                           ("ari_subjects", "ari_letters", "core_fraction", "overlap_subjects", "overlap_letters")),
    }
    r["ok"] = (r["kept_rows_equal"] and r["n_points_equal"] and r["n_clusters_equal"] and r["partition_equal"]
               and r["halo_partition_equal"] and len(exp["ids"]) == len(got["ids"])
               and max(r["ids_rel"], r["ids_err_rel"], r["rs_rel"]) <= 1e-6
               and max(r["log_den_abs"], r["log_den_err_abs"]) <= 1e-8 and r["scalars_abs"] <= 1e-9)
    print(json.dumps(r))
    return 0 if r["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
