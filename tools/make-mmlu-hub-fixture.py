#!/usr/bin/env python3
"""Writes MMLU CSVs (Hendrycks layout) as the Hugging Face hub publishes cais/mmlu: parquet files written by
`datasets` (pyarrow, Snappy), features question (string), subject (string), choices (list of strings), answer
(ClassLabel A-D, stored as int64), in all/<split>-00000-of-00001.parquet (subjects in alphabetical order, each
subject's rows in CSV order) and <subject>/<split>-00000-of-00001.parquet, plus auxiliary_train (ignored by
landscape-extract). The CSVs are read with Python's csv module, as cais/mmlu's original loading script did.

Used once to make extract/src/test/resources/mmlu-hub from extract/src/test/resources/mmlu-sample:

    python3 tools/make-mmlu-hub-fixture.py extract/src/test/resources/mmlu-sample extract/src/test/resources/mmlu-hub

Needs the `datasets` package (made with datasets 5.0.1, pyarrow 25.0.1). Not run by the build.
"""
import csv
import os
import sys

import datasets

FEATURES = datasets.Features({
    "question": datasets.Value("string"),
    "subject": datasets.Value("string"),
    "choices": datasets.Sequence(datasets.Value("string")),
    "answer": datasets.ClassLabel(names=["A", "B", "C", "D"]),
})
HUB_SPLIT = {"dev": "dev", "val": "validation", "test": "test"}


def rows(path, subject):
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.reader(f):
            yield {"question": r[0], "subject": subject, "choices": r[1:5], "answer": r[5].strip()}


def write(records, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    columns = {k: [r[k] for r in records] for k in FEATURES}
    columns["answer"] = [FEATURES["answer"].str2int(a) for a in columns["answer"]]
    datasets.Dataset.from_dict(columns, features=FEATURES).to_parquet(path)


def main(src, out):
    for split, hub in HUB_SPLIT.items():
        folder = os.path.join(src, split)
        if not os.path.isdir(folder):
            continue
        suffix = "_" + split + ".csv"
        subjects = sorted(f[: -len(suffix)] for f in os.listdir(folder) if f.endswith(suffix))
        everything = []
        for s in subjects:
            records = list(rows(os.path.join(folder, s + suffix), s))
            write(records, os.path.join(out, s, hub + "-00000-of-00001.parquet"))
            everything += records
        write(everything, os.path.join(out, "all", hub + "-00000-of-00001.parquet"))
    aux = [{"question": "An auxiliary training question?", "subject": "", "choices": ["a", "b", "c", "d"], "answer": "A"}]
    write(aux, os.path.join(out, "all", "auxiliary_train-00000-of-00001.parquet"))
    write(aux, os.path.join(out, "auxiliary_train", "train-00000-of-00001.parquet"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
