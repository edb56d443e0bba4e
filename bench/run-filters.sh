#!/usr/bin/env bash
# Filtered search on a shard's segments (FilterBench): recall@10 against exact filtered brute force
# and queries per CPU second at 50 / 10 / 1 / 0.1 % selectivity, one thread, no Flink. Run from
# anywhere:  bench/run-filters.sh --data bench/data/synth-250000x128 [--index hnsw] [--ef 64]
# Data sets come from bench/make-ann-data.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mvn -q -B -DskipTests install
java -Xmx8g --add-modules jdk.incubator.vector \
  -cp "$ROOT/bench/target/classes:$(cat "$ROOT/bench/target/classpath.txt")" \
  io.vectorstream.bench.segments.FilterBench "$@" 2>&1 | grep --line-buffered -v 'Using incubator modules'
