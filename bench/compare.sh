#!/usr/bin/env bash
# Runs the PyTorch CPU anchor (shared/anchors/pytorch/bench.py, OpenBLAS variant) and `jrnn bench`
# for each preset, one after the other on this machine, with the same thread count, and prints
# a table of jrnn/PyTorch ratios for training (real tokens/s) and inference (samples/s).
#
#   bench/compare.sh [--data DIR] [--presets a,b] [--threads N] [--repeat N] [--json-out F]
#
# --repeat N runs every preset N times (anchor, then jrnn, N rounds over the presets) and reports
# for each preset the lower median of the N train and inference ratios and their range: on a
# shared VM one run's ratio moves by ±50 %, on either side. The JSON rows keep every run.
#
# Needs Debian's PyTorch and OpenBLAS: apt-get install -y python3-torch libopenblas0-openmp.
# Give the machine nothing else to do while it runs.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
ANCHOR="${ANCHOR:-$ROOT/../shared/anchors/pytorch}"
DATA="$ROOT/../shared/data/ag_news"
PRESETS="rnn_titles,rnn_masked,lstm,gru,bilstm2x64"
THREADS=2
JSON_OUT=""
REPEAT=1
PY="${PYTHON:-/usr/bin/python3}"
while [ $# -gt 0 ]; do
  case "$1" in
    --data) DATA="$2"; shift 2 ;;
    --presets) PRESETS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --json-out) JSON_OUT="$2"; shift 2 ;;
    --repeat) REPEAT="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -f "$ANCHOR/bench.py" ] || { echo "compare.sh: $ANCHOR/bench.py not found (set ANCHOR=...)" >&2; exit 2; }
"$PY" -c "import torch" 2>/dev/null || { echo "compare.sh: $PY cannot import torch (apt-get install -y python3-torch)" >&2; exit 2; }
LIBDIR="/usr/lib/$(uname -m)-linux-gnu/openblas-openmp"
[ -e "$LIBDIR/libblas.so.3" ] || { echo "compare.sh: OpenBLAS missing (apt-get install -y libopenblas0-openmp)" >&2; exit 2; }

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
"$ROOT/jrnn" presets > /dev/null   # build once, before any timing

[[ "$REPEAT" =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: --repeat needs a positive integer, received: $REPEAT" >&2; exit 2; }
for run in $(seq 1 "$REPEAT"); do
  for p in ${PRESETS//,/ }; do
    echo "== $p (run $run/$REPEAT): PyTorch (OpenBLAS, $THREADS threads)" >&2
    LD_LIBRARY_PATH="$LIBDIR" OMP_NUM_THREADS="$THREADS" "$PY" "$ANCHOR/bench.py" --data "$DATA" --preset "$p" \
      --threads "$THREADS" --json-out "$OUT/torch_${p}_$run.json" > "$OUT/torch_$p.log" 2>&1 || { cat "$OUT/torch_$p.log" >&2; exit 1; }
    echo "== $p (run $run/$REPEAT): jrnn ($THREADS threads)" >&2
    "$ROOT/jrnn" bench --preset "$p" --data "$DATA" --threads "$THREADS" --json-out "$OUT/jrnn_${p}_$run.json" >&2
  done
done

"$PY" - "$OUT" "$PRESETS" "$THREADS" "$JSON_OUT" "$REPEAT" <<'PYEOF'
import json, os, sys
out, presets, threads, json_out, repeat = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])

def one(p, run):
    t = json.load(open(os.path.join(out, f"torch_{p}_{run}.json")))
    j = json.load(open(os.path.join(out, f"jrnn_{p}_{run}.json")))
    return {
        "preset": p, "threads": threads,
        "train_ratio": j["tokensPerSecond"] / t["train"]["tokens_per_s"],
        "inference_ratio": j["inferenceSamplesPerSecond"] / t["inference"]["samples_per_s"],
        "jrnn": {"train_tokens_per_s": j["tokensPerSecond"], "train_samples_per_s": j["samplesPerSecond"],
                 "epoch_seconds": j["epochSeconds"], "epoch_seconds_kind": j["epochSecondsKind"],
                 "infer_samples_per_s": j["inferenceSamplesPerSecond"],
                 "infer_steady_samples_per_s": j["steadyInferenceSamplesPerSecond"],
                 "infer_cold_samples_per_s": j["coldInferenceSamplesPerSecond"], "test_accuracy": j["testAccuracy"],
                 "peak_heap_mib": j["peakHeapMib"], "peak_rss_mib": j["peakRssMib"], "kernels": j["kernels"]},
        "pytorch": {"train_tokens_per_s": t["train"]["tokens_per_s"], "train_samples_per_s": t["train"]["samples_per_s"],
                    "epoch_seconds": t["epoch_seconds"], "epoch_seconds_kind": t["epoch_seconds_kind"],
                    "infer_samples_per_s": t["inference"]["samples_per_s"], "test_accuracy": t["test_accuracy"],
                    "peak_rss_mib": t["peak_rss_mib"], "blas": t["env"]["blas"]},
    }

def lower_median(xs):
    return sorted(xs)[(len(xs) - 1) // 2]

rows = []
for p in presets:
    runs = [one(p, r) for r in range(1, repeat + 1)]
    if repeat == 1:
        rows.append(runs[0])
        continue
    # The lower median of each ratio; raw figures from the run that gave the median inference ratio.
    mid = sorted(runs, key=lambda r: r["inference_ratio"])[(repeat - 1) // 2]
    row = dict(mid)
    row["train_ratio"] = lower_median([r["train_ratio"] for r in runs])
    row["inference_ratio"] = mid["inference_ratio"]
    row["train_ratio_range"] = [min(r["train_ratio"] for r in runs), max(r["train_ratio"] for r in runs)]
    row["inference_ratio_range"] = [min(r["inference_ratio"] for r in runs), max(r["inference_ratio"] for r in runs)]
    row["runs"] = runs
    rows.append(row)
fmt = "| {:<11} | {:>13} | {:>13} | {:>6} | {:>12} | {:>12} | {:>6} | {:>8} | {:>8} |"
print(fmt.format("preset", "jrnn tok/s", "torch tok/s", "train×", "jrnn inf/s", "torch inf/s", "infer×", "jrnn acc", "torch acc"))
print("|" + "|".join("-" * (w + 2) for w in (11, 13, 13, 6, 12, 12, 6, 8, 8)) + "|")
acc = lambda a: "n/a" if a is None else "%.2f%%" % (100 * a)
for r in rows:
    print(fmt.format(r["preset"], "{:,.0f}".format(r["jrnn"]["train_tokens_per_s"]), "{:,.0f}".format(r["pytorch"]["train_tokens_per_s"]),
                     "%.2f" % r["train_ratio"], "{:,.0f}".format(r["jrnn"]["infer_samples_per_s"]),
                     "{:,.0f}".format(r["pytorch"]["infer_samples_per_s"]), "%.2f" % r["inference_ratio"],
                     acc(r["jrnn"]["test_accuracy"]), acc(r["pytorch"]["test_accuracy"])))
if repeat > 1:
    print(f"\ntrain× and infer× are the lower medians of {repeat} runs; the tokens/s and samples/s shown are those of"
          " the run with the median inference ratio (its own train ratio may differ). Ranges over the runs:")
    for r in rows:
        print("  {:<11} train× {:.2f}–{:.2f}   infer× {:.2f}–{:.2f}".format(r["preset"], *r["train_ratio_range"], *r["inference_ratio_range"]))
if json_out:
    tmp = json_out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(rows, f, indent=2)
    os.replace(tmp, json_out)
PYEOF
