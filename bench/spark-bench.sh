#!/usr/bin/env bash
# Measurements behind docs/SCALING.md: JrnnClassifier on Spark local[2] vs single-machine training
# (accuracy, one epoch), and Spark scoring throughput vs the in-process Classifier.
#   bench/spark-bench.sh accuracy PRESET SYNC_EVERY "2,4" [DATA_DIR]
#   bench/spark-bench.sh score MODEL.jrnn [DATA_DIR]
# DATA_DIR defaults to ../shared/data/ag_news (train.csv, test.csv). Prints RESULT lines; everything
# else (Spark's log) goes to stderr. Binds to 127.0.0.1 only. Environment: SEED (42), COMBINE (mean|sqrt|sum),
# SPLIT=0 (each partition takes the whole batch), SCALE_LR=0 (no √P with the split batch), BATCH, LAZY=1,
# LR_SCALE (sqrt|linear: an extra factor on P partitions), SKIP_SINGLE=1, ROWS,
# JAVA_OPTS (extra JVM flags).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=$1; shift
cp=/tmp/jrnn-spark-bench.cp
mvn -B -q -o test-compile dependency:build-classpath -pl jrnn-spark -am -Dmdep.outputFile="$cp" -Dmdep.includeScope=test >&2
# A snapshot of the compiled classes, so a rebuild during a long run cannot pull them away.
snap=$(mktemp -d /tmp/jrnn-spark-bench.XXXXXX)
trap 'rm -rf "$snap"' EXIT
for d in jrnn-spark/target/classes jrnn-spark/target/test-classes jrnn-core/target/classes jrnn-core/target/test-classes; do
  mkdir -p "$snap/$d" && cp -r "$d/." "$snap/$d/"
done
CP="$snap/jrnn-spark/target/classes:$snap/jrnn-spark/target/test-classes:$(sed "s#$PWD/#$snap/#g" "$cp")"
# The JVM flags Spark's launcher adds on JDK 17, as in jrnn-spark/pom.xml.
FLAGS=$(sed -n 's:.*<spark.jvm.flags>\(.*\)</spark.jvm.flags>.*:\1:p' jrnn-spark/pom.xml)
export SPARK_LOCAL_IP=127.0.0.1
case "$mode" in
  accuracy) java -Xmx6g --add-modules jdk.incubator.vector ${JAVA_OPTS:-} $FLAGS -cp "$CP" org.jrnn.spark.bench.SparkBench \
              accuracy "${4:-../shared/data/ag_news}" "$1" "$2" "$3" ${SAVE_SINGLE:+"$SAVE_SINGLE"} ;;
  score)    java -Xmx4g --add-modules jdk.incubator.vector $FLAGS -cp "$CP" org.jrnn.spark.bench.SparkBench \
              score "${2:-../shared/data/ag_news}" "$1" ;;
  *) echo "usage: $0 accuracy PRESET SYNC_EVERY P1,P2 [DATA_DIR] | score MODEL.jrnn [DATA_DIR]" >&2; exit 2 ;;
esac
