#!/usr/bin/env bash
# Serving benchmark (issue 12, point 7): `jrnn serve` and the PyTorch serving anchor
# (shared/anchors/pytorch-serve: Flask on gunicorn, `sync2` = 2 sync workers) loaded by wrk with the
# anchor's own load.lua, so both get byte-identical requests, in one run, one after the other.
# Per server: start on 127.0.0.1, wait for /v2/health/ready, smoke-test; per model and texts per request
# a warm-up (wrk -t2 -c16) and measured runs at 1, 16 and 64 connections (-t1 -c1, -t2 -c16, -t2 -c64,
# --latency), exactly the anchor's run.sh commands; memory after each model's runs; stop. Then
# `jrnn bench` for bilstm2x64's in-process batched inference (the 70 % target), and serve_summary.py.
# This is not the anchor's run.sh: the anchor's check.py/inproc.py and its gthread configuration are not rerun.
#   bench/serve.sh    # everything: 8.7 min of wrk (2 servers x 4 x (5 s + 3 x 20 s)), plus training and jrnn bench
#   MODELS=rnn_masked BATCHES=1 CONNS=16 DURATION=3s WARMUP=1s ANCHOR_ONLY=1 bench/serve.sh   # quick subset
# Environment (defaults in brackets):
#   MODELS [rnn_masked bilstm2x64]  BATCHES texts per request [1 8]  CONNS wrk connections [1 16 64]
#   DURATION per measured run [20s]  WARMUP per model and batch [5s]  PORT on 127.0.0.1, both servers [18441]
#   JRNN_ONLY=1 skips the anchor; ANCHOR_ONLY=1 skips jrnn (serve and bench)
#   WORKERS jrnn serve --workers and jrnn bench --threads [nproc]; MAX_BATCH, BATCH_WAIT_MS: passed to
#     jrnn serve as --max-batch/--batch-wait-ms only when set (else the server's defaults)
#   JRNN how to run jrnn [./jrnn: the launcher's JVM flags, incl. the vector module; JRNN_CDS=0 is set]
#   TRAIN_ROWS training rows for the served models [20000; 0 = all]  BENCH_MAX_BATCHES for jrnn bench [200]
#   OUT results folder [bench/results/serve-DATE, or serve-DATE-2, -3 ... if that exists]
#   SHARED folder holding anchors/ and data/ [../shared beside the repository, or beside the main
#     checkout of a git worktree]  LOAD_LUA [$SHARED/anchors/pytorch-serve/load.lua]
#   PYTHON [/usr/bin/python3]  BLAS_DIR for the anchor [Debian's openblas-openmp dir, as the anchor]
# wrk threads = min(2, connections): wrk refuses more threads than connections.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
cd "$ROOT"   # every command below is run and recorded relative to the repository root
SHARED="${SHARED:-$ROOT/../shared}"
if [ ! -d "$SHARED" ]; then   # a git worktree: shared/ sits beside the main checkout
  common="$(git -C "$ROOT" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)"
  [ -n "$common" ] && [ -d "$common/../../shared" ] && SHARED="$(cd "$common/../../shared" && pwd)"
fi
rel() { realpath -m --relative-to="$ROOT" "$1"; }
LOAD_LUA="$(rel "${LOAD_LUA:-$SHARED/anchors/pytorch-serve/load.lua}")"
A="$(rel "$SHARED/anchors/pytorch-serve")"
DATA="$(rel "$SHARED/data/ag_news")"
CSV="$DATA/test.csv"
PY="${PYTHON:-/usr/bin/python3}"
MODELS="${MODELS:-rnn_masked bilstm2x64}"
BATCHES="${BATCHES:-1 8}"
CONNS="${CONNS:-1 16 64}"
DURATION="${DURATION:-20s}"
WARMUP="${WARMUP:-5s}"
PORT="${PORT:-18441}"
WORKERS="${WORKERS:-$(nproc)}"
TRAIN_ROWS="${TRAIN_ROWS:-20000}"
BENCH_MAX_BATCHES="${BENCH_MAX_BATCHES:-200}"
JRNN="${JRNN:-./jrnn}"
BLAS_DIR="${BLAS_DIR-/usr/lib/$(uname -m)-linux-gnu/openblas-openmp}"
MODEL_DIR=bench/results/serve-models   # gitignored; trained when missing
HOST=127.0.0.1   # loopback only; never bind anything else
BASE="http://$HOST:$PORT"
RUN_JRNN=1; RUN_ANCHOR=1
[ "${JRNN_ONLY:-0}" = 1 ] && RUN_ANCHOR=0
[ "${ANCHOR_ONLY:-0}" = 1 ] && RUN_JRNN=0
die() { echo "serve.sh: $*" >&2; exit 2; }
[ "$RUN_JRNN$RUN_ANCHOR" != 00 ] || die "JRNN_ONLY=1 and ANCHOR_ONLY=1 leave nothing to run"

# ---- checks, before anything long ----
command -v wrk >/dev/null || die "wrk not found (apt-get install -y wrk)"
[ -f "$LOAD_LUA" ] || die "$LOAD_LUA not found (set SHARED or LOAD_LUA)"
[ -f "$CSV" ] || die "$CSV not found (set SHARED)"
for m in $MODELS; do case "$m" in rnn_masked|bilstm2x64) ;; *) die "unknown model $m (the anchor serves rnn_masked and bilstm2x64)";; esac; done
if ss -Hltn "sport = :$PORT" | grep -q .; then die "port $PORT is in use; set PORT"; fi
if [ "$RUN_JRNN" = 1 ]; then
  export JRNN_CDS=0   # no class-list recording: the launcher then execs java, so $! is the server's JVM
  $JRNN --version > /dev/null || die "'$JRNN --version' failed (build: mvn -B -o -q package -DskipTests)"
  # picocli's `help serve` exits 2 for an unknown subcommand (`serve --help` would print the root help, exit 0)
  if ! $JRNN help serve > /dev/null 2>&1; then
    die "this build of jrnn has no 'serve' subcommand ('$JRNN help serve' fails): the jrnn-server module has not landed in this branch. Run the anchor alone with ANCHOR_ONLY=1."
  fi
fi
if [ "$RUN_ANCHOR" = 1 ]; then
  "$PY" -c 'import flask, gunicorn, torch' 2>/dev/null || die "the anchor needs python3-flask, gunicorn, python3-torch (Debian)"
  [ -z "$BLAS_DIR" ] || [ -e "$BLAS_DIR/libblas.so.3" ] || die "$BLAS_DIR/libblas.so.3 not found (apt-get install -y libopenblas0-openmp, or BLAS_DIR=)"
  [ -f "$A/serve.py" ] || die "$A/serve.py not found (set SHARED)"
fi

if [ -z "${OUT:-}" ]; then   # never overwrite an earlier run's folder
  OUT="bench/results/serve-$(date +%Y-%m-%d)"
  if [ -e "$OUT" ]; then n=2; while [ -e "$OUT-$n" ]; do n=$((n + 1)); done; OUT="$OUT-$n"; fi
fi
mkdir -p "$OUT"
echo "== results: $OUT"
start=$(date +%s)

SERVER_PID=""
SERVER_KIND=""
stop_server() {   # the JVM, or the gunicorn master (which stops its own workers on SIGTERM)
  [ -n "$SERVER_PID" ] || return 0
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    for _ in $(seq 60); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$SERVER_PID" 2>/dev/null; then echo "serve.sh: server $SERVER_PID ignored SIGTERM for 30 s; SIGKILL" >&2; kill -KILL "$SERVER_PID"; fi
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
trap stop_server EXIT
trap 'exit 130' INT TERM

server_pids() {   # the JVM alone; for gunicorn the master and its workers
  echo "$SERVER_PID"
  [ "$SERVER_KIND" = anchor ] && pgrep -P "$SERVER_PID" || true
}
server_ticks() {  # user+system clock ticks of the server's processes (all threads)
  local t=0 p
  for p in $(server_pids); do
    [ -r "/proc/$p/stat" ] && t=$(( t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}') ))
  done
  echo "$t"
}
vm_cpu() {  # whole-VM CPU ticks from /proc/stat: busy (user nice system irq softirq) and steal
  awk '/^cpu /{print $2 + $3 + $4 + $7 + $8, $9}' /proc/stat
}
procs_json() {  # memory of every server process, after a model's runs (as the anchor's run.sh)
  "$PY" - "$SERVER_KIND" $(server_pids) <<'EOF'
import json, sys
kind, pids = sys.argv[1], sys.argv[2:]
def proc(pid, role):
    st = dict(l.split(":", 1) for l in open(f"/proc/{pid}/status"))
    kib = lambda k: int(st[k].split()[0]) / 1024
    pss = None
    try:
        pss = next(int(l.split()[1]) / 1024 for l in open(f"/proc/{pid}/smaps_rollup") if l.startswith("Pss:"))
    except (OSError, StopIteration):
        pass
    return {"role": role, "pid": int(pid), "rss_mib": round(kib("VmRSS"), 1), "peak_rss_mib": round(kib("VmHWM"), 1),
            "pss_mib": round(pss, 1) if pss is not None else None, "threads": int(st["Threads"])}
roles = ["jvm"] if kind == "jrnn" else ["master"] + ["worker"] * (len(pids) - 1)
print(json.dumps([proc(p, r) for p, r in zip(pids, roles)], indent=2))
EOF
}

wait_ready() {  # $1 log file, $2 gunicorn workers to wait for (0 for jrnn)
  local i code loaded
  for i in $(seq 240); do
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$1" >&2; die "the server exited while starting (log: $1)"; }
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE/v2/health/ready" || true)
    loaded=0
    # gunicorn binds before its workers have imported the app: wait for each worker's line too (anchor README)
    [ "$2" -gt 0 ] && loaded=$(grep -o 'serve.py: models loaded in pid [0-9]*' "$1" | sort -u | wc -l || true)
    [ "$code" = 200 ] && [ "$loaded" -ge "$2" ] && return 0
    sleep 0.5
  done
  die "server not ready after 120 s (log: $1)"
}

smoke() {  # 1 and 8 texts per model must answer 200 with OIP shapes; a wrong datatype must get a 4xx
  "$PY" - "$BASE" $MODELS <<'EOF'
import json, sys, urllib.error, urllib.request
base, models = sys.argv[1], sys.argv[2:]
def post(model, body):
    req = urllib.request.Request(f"{base}/v2/models/{model}/infer", json.dumps(body).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)
for m in models:
    for n in (1, 8):
        texts = [f'Text {i}: "quoted" and back\\slash, Oil prices rise' for i in range(n)]
        status, r = post(m, {"id": "smoke", "inputs": [{"name": "text", "shape": [n], "datatype": "BYTES", "data": texts}]})
        assert status == 200, (status, r)
        out = {o["name"]: o for o in r["outputs"]}
        assert r.get("id") == "smoke" and r["model_name"] == m, r
        assert out["probabilities"]["shape"] == [n, 4] and len(out["probabilities"]["data"]) == 4 * n, r
        assert out["label"]["shape"] == [n] and len(out["label"]["data"]) == n, r
        assert all(abs(sum(out["probabilities"]["data"][4 * i:4 * i + 4]) - 1) < 1e-5 for i in range(n)), r
        print(m, n, "ok", json.dumps(r)[:160])
    status, r = post(m, {"inputs": [{"name": "text", "shape": [1], "datatype": "FP32", "data": [1.0]}]})
    assert 400 <= status < 500 and "error" in r, (status, r)
    print(m, "bad datatype ->", status, r)
EOF
}

run_wrk() {  # measured runs for one server: $1 output folder
  local out="$1" model url b c t name cmd wcmd ticks0 ticks1 busy0 busy1 steal0 steal1 load0
  for model in $MODELS; do
    url="$BASE/v2/models/$model/infer"
    for b in $BATCHES; do
      wcmd="wrk -t2 -c16 -d$WARMUP -s $LOAD_LUA $url -- $b $CSV 2"
      echo "   warm-up: $wcmd"
      echo "$wcmd" > "$out/${model}_b${b}_warmup.cmd"
      $wcmd > "$out/${model}_b${b}_warmup.txt" 2>&1
      for c in $CONNS; do
        t=$(( c < 2 ? c : 2 ))
        name="${model}_b${b}_c${c}"
        cmd="wrk -t$t -c$c -d$DURATION --latency -s $LOAD_LUA $url -- $b $CSV $t"
        load0=$(cut -d' ' -f1-3 /proc/loadavg)
        ticks0=$(server_ticks); read -r busy0 steal0 < <(vm_cpu)
        TIMEFORMAT="%R %U %S"
        { time $cmd > "$out/$name.txt" 2>&1 ; } 2> "$out/$name.time"
        ticks1=$(server_ticks); read -r busy1 steal1 < <(vm_cpu)
        { echo "model=$model"; echo "batch=$b"; echo "connections=$c"; echo "wrk_threads=$t"; echo "command=$cmd"
          echo "server_ticks=$(( ticks1 - ticks0 ))"; echo "clk_tck=$(getconf CLK_TCK)"
          echo "vm_busy_ticks=$(( busy1 - busy0 ))"; echo "vm_steal_ticks=$(( steal1 - steal0 ))"
          echo "wrk_time=$(cat "$out/$name.time")"; echo "loadavg_before=$load0"; echo "server_pids=$(server_pids | tr '\n' ' ')"
        } > "$out/$name.meta"
        "$PY" -c 'import json,sys
r=json.loads([l for l in open(sys.argv[1]) if l.startswith("RESULT ")][-1][7:]); L=r["latency_us"]
print("   %-28s %8.1f req/s  p50 %7.2f  p90 %7.2f  p99 %7.2f ms  non-2xx %d  socket errors %s" % (sys.argv[2],
  r["requests_per_s"], L["p50"]/1e3, L["p90"]/1e3, L["p99"]/1e3, r["non2xx"], sum(r["socket_errors"].values())))' \
          "$out/$name.txt" "c$c: $name" || die "no RESULT line in $out/$name.txt (wrk failed?)"
      done
    done
    procs_json > "$out/${model}_procs.json"   # memory after this model's runs
  done
}

# ---- environment of this run ----
"$PY" - "$OUT/env.json" "$RUN_JRNN" "$RUN_ANCHOR" "$JRNN" <<'EOF'
import json, platform, subprocess, sys, time
path, run_jrnn, run_anchor, jrnn = sys.argv[1], sys.argv[2] == "1", sys.argv[3] == "1", sys.argv[4]
def sh(cmd):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, shell=isinstance(cmd, str))
        return (p.stdout + p.stderr).strip()
    except OSError:
        return None
lscpu = sh(["lscpu"]) or ""
cpu = next((l.split(":", 1)[1].strip() for l in lscpu.splitlines() if l.startswith("Model name")), "?")
mem = next((int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
v = {"wrk": (sh(["wrk", "--version"]) or "").splitlines()[0].split(" [")[0], "java": sh(["java", "-version"]).splitlines()[0],
     "jrnn commit": sh(["git", "rev-parse", "--short", "HEAD"])}
if run_jrnn:
    v["jrnn"] = sh(f"{jrnn} --version")
if run_anchor:
    v["anchor"] = sh(["/usr/bin/python3", "-c", "import torch, flask, gunicorn, platform; print('Python', platform.python_version(), 'torch', torch.__version__, 'Flask', flask.__version__, 'gunicorn', gunicorn.__version__)"])
json.dump({"date": time.strftime("%Y-%m-%d %H:%M"), "machine": f"`lscpu` model name `{cpu}`, `nproc` {sh(['nproc'])}, {mem / 1048576:.1f} GiB RAM, kernel {platform.release()}",
           "loadavg_start": open("/proc/loadavg").read().strip(), "versions": v}, open(path, "w"), indent=2)
EOF

# ---- jrnn serve ----
if [ "$RUN_JRNN" = 1 ]; then
  mkdir -p "$MODEL_DIR" "$OUT/jrnn"
  # Short training: speed is what is measured, so the labels matter little. The vocabulary is adapted on
  # the first 2,000 rows, the anchor's rule, so V matches the anchor's 11,358.
  for m in $MODELS; do
    f="$MODEL_DIR/$m.jrnn"
    [ -f "$f" ] && continue
    tcmd="$JRNN train --preset $m --data $DATA --epochs 1 --adapt-rows 2000 --max-train-samples $TRAIN_ROWS --threads $WORKERS -q --metrics-out $MODEL_DIR/$m.metrics.json --out $f"
    echo "== training $m: $tcmd"
    echo "$tcmd" > "$MODEL_DIR/$m.train.cmd"
    $tcmd
  done
  for m in $MODELS; do cp "$MODEL_DIR/$m.metrics.json" "$MODEL_DIR/$m.train.cmd" "$OUT/jrnn/" 2>/dev/null || true; done
  "$PY" - "$OUT/env.json" "$MODEL_DIR" $MODELS <<'EOF'
import json, os, sys
path, d, models = sys.argv[1], sys.argv[2], sys.argv[3:]
env = json.load(open(path))
env["jrnn_models"] = {}
for m in models:
    p = os.path.join(d, m + ".metrics.json")
    if os.path.exists(p):
        x = json.load(open(p))
        env["jrnn_models"][m] = {k: x.get(k) for k in ("vocab_size", "params", "train_rows", "test_accuracy")}
json.dump(env, open(path, "w"), indent=2)
EOF

  margs=""
  for m in $MODELS; do margs="$margs --model $m=$MODEL_DIR/$m.jrnn"; done
  extra="--workers $WORKERS"
  [ -n "${MAX_BATCH:-}" ] && extra="$extra --max-batch $MAX_BATCH"
  [ -n "${BATCH_WAIT_MS:-}" ] && extra="$extra --batch-wait-ms $BATCH_WAIT_MS"
  server_cmd="$JRNN serve$margs --host $HOST --port $PORT $extra"
  echo "JRNN_CDS=0 $server_cmd" > "$OUT/jrnn/server.cmd"
  echo "== jrnn: $server_cmd  ($(( $(date +%s) - start ))s elapsed)"
  SERVER_KIND=jrnn
  $server_cmd > "$OUT/jrnn/server.log" 2>&1 &
  SERVER_PID=$!
  wait_ready "$OUT/jrnn/server.log" 0
  [ "$(cat "/proc/$SERVER_PID/comm" 2>/dev/null)" = java ] \
    || echo "   NOTE: pid $SERVER_PID is $(cat "/proc/$SERVER_PID/comm" 2>/dev/null), not the JVM: CPU and memory may miss the server" >&2
  echo "   ready: pid $SERVER_PID"
  smoke > "$OUT/jrnn/smoke.txt" || { cat "$OUT/jrnn/smoke.txt" >&2; die "smoke test failed against jrnn serve"; }
  echo "   smoke test ok"
  run_wrk "$OUT/jrnn"
  grep -iE 'exception|error' "$OUT/jrnn/server.log" | head -5 || true
  stop_server
  echo "   stopped"

  # In-process batched inference, same threads as the server's workers, machine otherwise as above.
  if [[ " $MODELS " == *" bilstm2x64 "* ]]; then
    bcmd="$JRNN bench --preset bilstm2x64 --data $DATA --threads $WORKERS --max-batches $BENCH_MAX_BATCHES --json-out $OUT/inproc_bilstm2x64.json"
    echo "$bcmd" > "$OUT/inproc.cmd"
    echo "== in-process: $bcmd  ($(( $(date +%s) - start ))s elapsed)"
    $bcmd | tee "$OUT/inproc.txt"
  fi
fi

# ---- PyTorch anchor, sync2 (2 gunicorn sync workers), started as its run.sh starts it ----
if [ "$RUN_ANCHOR" = 1 ]; then
  mkdir -p "$OUT/anchor"
  server_cmd="$PY -m gunicorn --bind $HOST:$PORT --workers 2 --worker-class sync --chdir $A serve:app"
  echo "LD_LIBRARY_PATH=$BLAS_DIR OMP_NUM_THREADS=1 TORCH_THREADS=1 $server_cmd" > "$OUT/anchor/server.cmd"
  echo "== anchor: $(cat "$OUT/anchor/server.cmd")  ($(( $(date +%s) - start ))s elapsed)"
  SERVER_KIND=anchor
  # `env` execs gunicorn, so $! is the gunicorn master.
  env -u GUNICORN_CMD_ARGS LD_LIBRARY_PATH="$BLAS_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" OMP_NUM_THREADS=1 TORCH_THREADS=1 \
    $server_cmd > "$OUT/anchor/server.log" 2>&1 &
  SERVER_PID=$!
  wait_ready "$OUT/anchor/server.log" 2
  echo "   ready: master $SERVER_PID, workers $(pgrep -P "$SERVER_PID" | tr '\n' ' ')"
  smoke > "$OUT/anchor/smoke.txt" || { cat "$OUT/anchor/smoke.txt" >&2; die "smoke test failed against the anchor"; }
  echo "   smoke test ok"
  run_wrk "$OUT/anchor"
  booted=$(grep -c 'Booting worker' "$OUT/anchor/server.log" || true)
  [ "$booted" -eq 2 ] || echo "   NOTE: $booted workers booted for 2 (restarts: see $OUT/anchor/server.log)"
  stop_server
  echo "   stopped"
fi

echo "== summary ($(( $(date +%s) - start ))s elapsed): $OUT/summary.md, $OUT/summary.json"
"$PY" bench/serve_summary.py "$OUT"
