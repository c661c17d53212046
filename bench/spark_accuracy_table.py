#!/usr/bin/env python3
"""The accuracy table of docs/SCALING.md §1 from bench/spark-bench.sh's RESULT lines (files or stdin).

Columns: one machine and each partition count, per seed and their mean; the difference is mean vs mean.
Usage: bench/spark_accuracy_table.py RESULTS.tsv [...]
"""
import re
import sys
from collections import defaultdict

acc = defaultdict(dict)  # (preset, setting) -> {seed: accuracy}
for path in sys.argv[1:] or ["/dev/stdin"]:
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        if len(f) < 5 or f[0] != "RESULT":
            continue
        preset, what, acc_pct = f[1], f[2], float(f[4])
        seed = int(re.search(r"seed (\d+)", what).group(1))
        m = re.match(r"(\d+) partitions", what)
        setting = "single" if what.startswith("single") else f"P={m.group(1)}"
        acc[(preset, setting)][seed] = acc_pct

presets = sorted({p for p, _ in acc}, key=lambda p: ["rnn_masked", "gru", "bilstm2x64"].index(p) if p in ["rnn_masked", "gru", "bilstm2x64"] else 9)
settings = sorted({s for _, s in acc}, key=lambda s: (s != "single", s))
print("| preset | " + " | ".join("one machine" if s == "single" else s for s in settings) + " |")
print("|---|" + "--:|" * len(settings))
for p in presets:
    base = acc.get((p, "single"), {})
    bmean = sum(base.values()) / len(base) if base else None
    cells = []
    for s in settings:
        a = acc.get((p, s), {})
        if not a:
            cells.append("not run")
            continue
        mean = sum(a.values()) / len(a)
        per_seed = " / ".join(f"{a[k]:.2f}" for k in sorted(a))
        cell = f"{per_seed}; **{mean:.2f}**"
        if s != "single" and bmean is not None:
            cell += f" ({mean - bmean:+.2f})"
        cells.append(cell)
    print(f"| {p} | " + " | ".join(cells) + " |")
