#!/usr/bin/env bash
# A Spark standalone "cluster" on this machine, from the Maven jars alone: a Master and 2 Workers (1 core,
# 1 GiB each) on 127.0.0.1, for the opt-in cluster tests (mvn -B verify -pl jrnn-spark -am -Pspark-cluster)
# and for trying spark-submit by hand.
#   bench/spark-cluster.sh start   # prints the master URL; state in target/spark-cluster/
#   bench/spark-cluster.sh stop    # stops the JVMs it started, by PID
# SPARK_HOME is a folder whose jars/ links to the jars Maven resolved for jrnn-spark (Spark 4.0.1).
set -euo pipefail
cd "$(dirname "$0")/.."
state=jrnn-spark/target/spark-cluster
cmd=${1:-}

stop() {
  for f in "$state"/worker-2.pid "$state"/worker-1.pid "$state"/master.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
    rm -f "$f"
  done
}

case "$cmd" in
  start)
    mkdir -p "$state/home/jars" "$state/work" "$state/logs"
    cp_file="$state/classpath.txt"
    if [ -n "${JRNN_SPARK_CLASSPATH_FILE:-}" ]; then
      cp "$JRNN_SPARK_CLASSPATH_FILE" "$cp_file"   # the cluster test passes its own (surefire's) classpath
    else
      mvn -B -q -o test-compile dependency:build-classpath -pl jrnn-spark -am -Dmdep.outputFile="$PWD/$cp_file" \
        -Dmdep.includeScope=provided >&2
    fi
    rm -f "$state"/home/jars/*
    # Spark and its dependencies only: jrnn and FastCSV reach executors in the application jar or classpath.
    tr ':' '\n' < "$cp_file" | grep '\.jar$' | grep -v -E '/(jrnn-[^/]*|fastcsv-[^/]*)\.jar$' \
      | while read -r j; do ln -sf "$j" "$state/home/jars/"; done
    FLAGS=$(sed -n 's:.*<spark.jvm.flags>\(.*\)</spark.jvm.flags>.*:\1:p' jrnn-spark/pom.xml)
    export SPARK_HOME="$PWD/$state/home" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1
    java -Xmx512m $FLAGS -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.master.Master \
      --host 127.0.0.1 --port 7077 --webui-port 18080 > "$state/logs/master.log" 2>&1 &
    echo $! > "$state/master.pid"
    for i in 1 2; do
      java -Xmx512m $FLAGS -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores 1 --memory 1g \
        --webui-port $((18080 + i)) --work-dir "$PWD/$state/work/$i" spark://127.0.0.1:7077 > "$state/logs/worker-$i.log" 2>&1 &
      echo $! > "$state/worker-$i.pid"
    done
    # Up when both workers have registered with the master.
    for _ in $(seq 1 120); do
      if [ "$(grep -c 'Registering worker' "$state/logs/master.log" 2>/dev/null || true)" -ge 2 ]; then
        echo "spark://127.0.0.1:7077"; exit 0
      fi
      sleep 1
    done
    echo "the cluster did not come up in 120 s; logs in $state/logs" >&2; stop; exit 1 ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
