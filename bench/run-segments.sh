#!/usr/bin/env bash
# Segmented shard state end to end (SegmentBench): ingest into sealed segments, latency and
# freshness under half load, recall through Kafka, checkpoint sizes, restore vs rebuild, memory and
# recall per tier. Run from anywhere:
#   bench/run-segments.sh --data bench/data/synth-1000000x128 [--seal-size 20000] [--index hnsw] ...
# Data sets come from bench/make-ann-data.sh. Options: SegmentBench --help.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mvn -q -B -DskipTests install
OPENS=$(sed -n 's/.*<flink.jvm.opens>\(.*\)<\/flink.jvm.opens>.*/\1/p' pom.xml)
# shellcheck disable=SC2086
java -Xmx14g $OPENS --add-modules jdk.incubator.vector \
  -cp "$ROOT/bench/target/classes:$(cat "$ROOT/bench/target/classpath.txt")" \
  io.vectorstream.bench.segments.SegmentBench "$@" 2>&1 | grep --line-buffered -v 'Using incubator modules'
