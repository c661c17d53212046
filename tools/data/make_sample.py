#!/usr/bin/python3
"""Write the stratified AG News sample embedded in the jar (jrnn-core/src/main/resources/org/jrnn/data/ag_news_sample/).

Not a general sampler: it copies whole CSV lines verbatim (AG News has one record per line, every field
quoted), so the sample keeps the original bytes. Standard library only; output is byte-reproducible
(fixed seed, gzip mtime 0).

    /usr/bin/python3 tools/data/make_sample.py [--data shared/data/ag_news] [--out jrnn-core/src/main/resources/...]
"""

import argparse
import csv
import gzip
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.join(HERE, "..", "..", "..", "shared", "data", "ag_news")
DEFAULT_OUT = os.path.join(HERE, "..", "..", "jrnn-core", "src", "main", "resources", "org", "jrnn", "data", "ag_news_sample")
SEED = 42
CLASSES = ("1", "2", "3", "4")


def read_lines_by_class(path):
    """Raw lines (bytes, with their '\\n') grouped by class, in file order."""
    by_class = {c: [] for c in CLASSES}
    with open(path, "rb") as f:
        for lineno, raw in enumerate(f, 1):
            row = next(csv.reader([raw.decode("utf-8")]))
            requoted = ",".join('"' + x.replace('"', '""') + '"' for x in row) + "\n"
            if len(row) != 3 or row[0] not in by_class or requoted.encode("utf-8") != raw:
                raise SystemExit(f"{path}:{lineno}: not a one-line, fully quoted AG News row")
            by_class[row[0]].append(raw)
    return by_class


def sample(by_class, per_class, balanced_prefix, rng):
    """per_class rows of each class, shuffled; the first balanced_prefix rows hold equal counts per class
    (shuffled among themselves), so a "first N rows" vocabulary does not lean to one class."""
    picked = {c: rng.sample(by_class[c], per_class) for c in CLASSES}
    head_per_class = balanced_prefix // len(CLASSES)
    head = [r for c in CLASSES for r in picked[c][:head_per_class]]
    tail = [r for c in CLASSES for r in picked[c][head_per_class:]]
    rng.shuffle(head)
    rng.shuffle(tail)
    return head + tail


def write_gz(path, lines):
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=raw, mtime=0) as f:
        f.writelines(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=DEFAULT_DATA, help="directory with train.csv and test.csv")
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(SEED)
    for name, per_class, prefix in (("train", 6000, 2000), ("test", 475, 1900)):
        lines = sample(read_lines_by_class(os.path.join(args.data, name + ".csv")), per_class, prefix, rng)
        write_gz(os.path.join(args.out, name + ".csv.gz"), lines)
        print(f"{name}.csv.gz: {len(lines)} rows")


if __name__ == "__main__":
    main()
