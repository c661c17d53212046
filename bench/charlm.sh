#!/usr/bin/env bash
# The char-level LSTM(128) language model of the follow-up lesson, jrnn vs PyTorch in one run (issue 15):
# training chars/s and validation bits per character on the AG News test titles after the same epochs,
# then jrnn's generation speed for 1 and 64 streams. Writes bench/results/charlm.md (and the JSON beside it).
# Settings from the environment: EPOCHS (1), THREADS (2), DATA (/work/shared/data/ag_news), ROWS (0 = all
# 28,692 training titles, the issue's setting; N = the first N titles, both sides, for a quick check).
# PyTorch: Debian's torch with OpenBLAS (shared/anchors/pytorch/README.md: without LD_LIBRARY_PATH it
# runs the reference BLAS), jrnn's initialisers and epoch order (bench/charlm.py --init keras).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EPOCHS="${EPOCHS:-1}" THREADS="${THREADS:-2}" DATA="${DATA:-/work/shared/data/ag_news}" ROWS="${ROWS:-0}"
OUT="$HERE/bench/results"; mkdir -p "$OUT"
LOAD_BEFORE="$(cat /proc/loadavg)"
"$HERE/jrnn" train --task lm --data "$DATA" --epochs "$EPOCHS" --threads "$THREADS" --batch-size 32 -q --max-train-samples "$ROWS" \
  --metrics-out "$OUT/charlm-jrnn.json" --out "$OUT/charlm.jrnn" | tee "$OUT/charlm-jrnn.txt"
# PyTorch with Debian's OpenBLAS, as shared/anchors/pytorch/README.md sets it up. OMP_WAIT_POLICY=PASSIVE:
# libgomp's default spin-waiting collapses when another process holds a core (first 1,000 titles at
# loadavg ~4.5: 1,091 chars/s spinning vs 5,358 passive; the first full run, at loadavg 9, did not finish
# its epoch in 22 min). Passive waiting costs PyTorch little on a quiet machine and is the fair setting here.
OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp OMP_NUM_THREADS="$THREADS" \
  /usr/bin/python3 "$HERE/bench/charlm.py" --data "$DATA" --epochs "$EPOCHS" --threads "$THREADS" --batch-size 32 --rows "$ROWS" \
  --gen-tokens 1 --save "$OUT/charlm-torch.pt" --json-out "$OUT/charlm-torch.json" | tee "$OUT/charlm-torch.txt"
# Generation on one core (taskset when available): sampling at temperature 1 until [EOS], many runs.
ONE=""; command -v taskset >/dev/null && ONE="taskset -c 0"
$ONE "$HERE/jrnn" generate --model "$OUT/charlm.jrnn" --temperature 1 --max-tokens 500 --seed 1 --timing 3000 2> "$OUT/gen1.txt"
$ONE "$HERE/jrnn" generate --model "$OUT/charlm.jrnn" --temperature 1 --max-tokens 500 --seed 1 --num 64 --timing 100 2> "$OUT/gen64.txt"
OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp OMP_NUM_THREADS=1 $ONE /usr/bin/python3 "$HERE/bench/charlm.py" \
  --data "$DATA" --rows "$ROWS" --threads 1 --generate-only "$OUT/charlm-torch.pt" --json-out "$OUT/charlm-torch-gen.json" > "$OUT/charlm-torch-gen.txt"
LOAD_AFTER="$(cat /proc/loadavg)"
/usr/bin/python3 - "$OUT" "$LOAD_BEFORE" "$LOAD_AFTER" <<'PY'
import json, re, sys
out, before, after = sys.argv[1:]
j = json.load(open(f"{out}/charlm-jrnn.json")); t = json.load(open(f"{out}/charlm-torch.json"))
t["generation_chars_per_s_1_stream"] = json.load(open(f"{out}/charlm-torch-gen.json"))["generation_chars_per_s_1_stream"]
g1 = float(re.search(r": (\d+) tokens/s", open(f"{out}/gen1.txt").read()).group(1))
g64 = float(re.search(r": (\d+) tokens/s", open(f"{out}/gen64.txt").read()).group(1))
jh, th = j["history"][-1], t["history"][-1]
jtps = sum(h["realTokens"] for h in j["history"]) / sum(h["seconds"] for h in j["history"])
ttps = sum(h["chars_per_s"] * h["seconds"] for h in t["history"]) / sum(h["seconds"] for h in t["history"])
jbpc = jh["valLoss"] / 0.6931471805599453
rows = [("training chars/s (%d threads)" % t["threads"], f"{jtps:,.0f}", f"{ttps:,.0f}", f"{jtps / ttps:.2f}x"),
        ("validation bpc after %d epoch(s)" % t["epochs"], f"{jbpc:.4f}", f"{th['val_bpc']:.4f}", f"{jbpc - th['val_bpc']:+.4f}"),
        ("generation chars/s, 1 stream, 1 core", f"{g1:,.0f}", f"{t['generation_chars_per_s_1_stream']:,.0f}", f"{g1 / t['generation_chars_per_s_1_stream']:.2f}x"),
        ("generation chars/s, 64 streams, 1 core", f"{g64:,.0f}", "not measured", "")]
md = ["| char LSTM(128) LM, AG News titles | jrnn | PyTorch %s + OpenBLAS | jrnn vs PyTorch |" % t["torch"], "|---|---|---|---|"]
md += ["| %s | %s | %s | %s |" % r for r in rows]
md += ["", f"vocabulary {j['vocab_size']} characters, {t['train_titles']:,} training titles, batch {t['batch_size']}, Adam 1e-3, "
       f"jrnn's init on both sides; PyTorch generation: 1 thread, temperature 1; /proc/loadavg before: {before}; after: {after}"]
open(f"{out}/charlm.md", "w").write("\n".join(md) + "\n")
print("\n".join(md))
PY
