#!/usr/bin/env bash
# Segmented shard state end to end (SegmentBench): ingest into sealed segments, latency and
# freshness under half load, recall through Kafka, checkpoint sizes, restore vs rebuild, memory and
# recall per tier. Run from anywhere:
#   bench/run-segments.sh --data bench/data/synth-1000000x128 [--seal-size 20000] [--index hnsw] ...
# Data sets come from bench/make-ann-data.sh. Options: SegmentBench --help.
# Builds the bench and the modules it needs with `mvn package -pl bench -am` (never install) and
# runs on this checkout's module classes, not on whatever io.vectorstream jars are in ~/.m2, so it
# runs from a fresh clone and measures this commit. SKIP_BUILD=1 runs the classes already built.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  mvn -B -o -q -DskipTests -pl bench -am package
fi
# This checkout's module classes in place of their jars; everything else from classpath.txt.
CP=bench/target/classes
IFS=: read -ra entries < bench/target/classpath.txt || true  # the file has no final newline
for e in "${entries[@]}"; do
  if [[ "$e" == "$ROOT"/*/target/* ]]; then
    module=${e#"$ROOT"/}
    CP="$CP:$ROOT/${module%%/*}/target/classes"
  elif [[ "$e" != */io/vectorstream/* ]]; then
    CP="$CP:$e"
  fi
done
OPENS=$(sed -n 's/.*<flink.jvm.opens>\(.*\)<\/flink.jvm.opens>.*/\1/p' pom.xml)
# shellcheck disable=SC2086
java -Xmx14g ${BENCH_JVM_OPTS:-} $OPENS --add-modules jdk.incubator.vector -cp "$CP" \
  io.vectorstream.bench.segments.SegmentBench "$@" 2>&1 | grep --line-buffered -v 'Using incubator modules'
