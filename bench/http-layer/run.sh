#!/usr/bin/env bash
# HTTP layer for jrnn serve, measured alone: the JDK's com.sun.net.httpserver (nodelay, fixed pool) vs
# Jetty 12 core, both answering POST /v2/models/m/infer with a fixed OIP response and no model
# (src/main/java/httplayer). wrk sends the PyTorch serving anchor's load.lua bodies (1 text each).
# Per round and server: start, 5 s warm-up (wrk -t2 -c16), then 10 s at each of 16 and 64 connections
# (-t2), memory, stop; the servers alternate, ROUNDS times. Writes runs/<date-time>/ and the generated
# part of RESULTS.md (all runs in runs/). A relative comparison within one run on a shared machine, not absolute figures.
#   bench/http-layer/run.sh
# Environment [defaults]: CONNS [16 64]  DURATION [10s]  WARMUP [5s]  ROUNDS [2]  PORT [18451]
#   JDK_THREADS handler threads of the JDK server [4]  JAVA_OPTS for both servers [the heap flags ./jrnn uses]  SHARED folder holding anchors/ and data/ [../shared
#   beside the repository, or beside the main checkout of a git worktree]  LOAD_LUA [$SHARED/anchors/pytorch-serve/load.lua]
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT"   # commands are recorded relative to the repository root
SHARED="${SHARED:-$ROOT/../shared}"
if [ ! -d "$SHARED" ]; then   # a git worktree: shared/ sits beside the main checkout
  common="$(git -C "$ROOT" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)"
  [ -n "$common" ] && [ -d "$common/../../shared" ] && SHARED="$(cd "$common/../../shared" && pwd)"
fi
rel() { realpath -m --relative-to="$ROOT" "$1"; }
LOAD_LUA="$(rel "${LOAD_LUA:-$SHARED/anchors/pytorch-serve/load.lua}")"
CSV="$(rel "$SHARED/data/ag_news/test.csv")"
CONNS="${CONNS:-16 64}"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-5s}"
ROUNDS="${ROUNDS:-2}"
PORT="${PORT:-18451}"
JDK_THREADS="${JDK_THREADS:-4}"
# ./jrnn's GC and heap flags, so that memory reflects the policy jrnn serve will run under, not JVM defaults
JAVA_OPTS="${JAVA_OPTS:--XX:+UseParallelGC -Xmn128m -Xmx4g}"
HOST=127.0.0.1   # loopback only
URL="http://$HOST:$PORT/v2/models/m/infer"
H=bench/http-layer
PY=/usr/bin/python3

command -v wrk >/dev/null || { echo "run.sh: wrk not found (apt-get install -y wrk)" >&2; exit 2; }
[ -f "$LOAD_LUA" ] || { echo "run.sh: $LOAD_LUA not found (set SHARED or LOAD_LUA)" >&2; exit 2; }
[ -f "$CSV" ] || { echo "run.sh: $CSV not found (set SHARED)" >&2; exit 2; }
if ss -Hltn "sport = :$PORT" | grep -q .; then echo "run.sh: port $PORT is in use; set PORT" >&2; exit 2; fi

if [ ! -d "$H/target/lib" ] || [ -n "$(find "$H/src" "$H/pom.xml" -newer "$H/target/http-layer-1.jar" -print -quit 2>/dev/null)" ]; then
  echo "== build: mvn -B -q -o -f $H/pom.xml package"
  mvn -B -q -o -f "$H/pom.xml" package > /dev/null || { echo "run.sh: build failed (first time: run it once without -o)" >&2; exit 1; }
fi
CP="$H/target/classes:$H/target/lib/*"

OUT="$H/runs/$(date +%Y-%m-%d-%H%M)"
rm -rf "$OUT"
mkdir -p "$OUT"
SERVER_PID=""
stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
trap stop_server EXIT
trap 'exit 130' INT TERM
vm_cpu() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8, $9}' /proc/stat; }   # busy, steal ticks
server_ticks() { sed 's/.*) //' "/proc/$SERVER_PID/stat" | awk '{print $12 + $13}'; }

{ echo "date=$(date -Iseconds)"; echo "nproc=$(nproc)"
  echo "cpu=$(lscpu | sed -n 's/^Model name: *//p')"
  echo "java=$(java -version 2>&1 | tr '\n' ' ')"; echo "wrk=$(wrk --version 2>&1 | head -1)"
  echo "loadavg_start=$(cat /proc/loadavg)"; } > "$OUT/env.txt"

for round in $(seq "$ROUNDS"); do
  for server in jdk jetty; do
    case "$server" in
      jdk)   cmd="java $JAVA_OPTS -Dsun.net.httpserver.nodelay=true -cp $CP httplayer.JdkServer $PORT $JDK_THREADS" ;;
      jetty) cmd="java $JAVA_OPTS -cp $CP httplayer.JettyServer $PORT" ;;
    esac
    echo "$cmd" > "$OUT/${server}_server.cmd"
    echo "== round $round: $server: $cmd"
    $cmd > "$OUT/${server}_r${round}_server.log" 2>&1 &
    SERVER_PID=$!
    for i in $(seq 100); do
      code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -H 'Content-Type: application/json' \
        -d '{"inputs":[{"name":"text","shape":[1],"datatype":"BYTES","data":["Oil prices climb"]}]}' "$URL" || true)
      [ "$code" = 200 ] && break
      kill -0 "$SERVER_PID" 2>/dev/null || { cat "$OUT/${server}_r${round}_server.log" >&2; exit 1; }
      [ "$i" = 100 ] && { echo "run.sh: $server not answering after 20 s" >&2; exit 1; }
      sleep 0.2
    done
    wu="wrk -t2 -c16 -d$WARMUP -s $LOAD_LUA $URL -- 1 $CSV 2"
    echo "$wu" > "$OUT/warmup.cmd"
    $wu > "$OUT/${server}_r${round}_warmup.txt" 2>&1
    for c in $CONNS; do
      name="${server}_r${round}_c${c}"
      wcmd="wrk -t2 -c$c -d$DURATION --latency -s $LOAD_LUA $URL -- 1 $CSV 2"
      load0=$(cut -d' ' -f1-3 /proc/loadavg); t0=$(server_ticks); read -r busy0 steal0 < <(vm_cpu)
      TIMEFORMAT="%R %U %S"
      { time $wcmd > "$OUT/$name.txt" 2>&1 ; } 2> "$OUT/$name.time"
      t1=$(server_ticks); read -r busy1 steal1 < <(vm_cpu)
      { echo "server=$server"; echo "round=$round"; echo "connections=$c"; echo "command=$wcmd"
        echo "server_ticks=$(( t1 - t0 ))"; echo "clk_tck=$(getconf CLK_TCK)"
        echo "vm_busy_ticks=$(( busy1 - busy0 ))"; echo "vm_steal_ticks=$(( steal1 - steal0 ))"
        echo "wrk_time=$(cat "$OUT/$name.time")"; echo "loadavg_before=$load0"; echo "loadavg_after=$(cut -d' ' -f1-3 /proc/loadavg)"
        awk '/^VmRSS|^VmHWM|^Threads/{gsub(":","");print tolower($1)"="$2}' "/proc/$SERVER_PID/status"
      } > "$OUT/$name.meta"
      grep -E '^Requests/sec|^non-2xx|Socket errors' "$OUT/$name.txt" | sed "s/^/   c$c: /"
    done
    stop_server
  done
done

"$PY" "$H/summarize.py" "$H"/runs/*/   # every run kept in runs/, this one included
