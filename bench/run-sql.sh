#!/usr/bin/env bash
# The Flink SQL connector ('connector' = 'vectorstream') against the real job on a real data set
# (SqlBench), next to the plain Java client on the same queries. The whole system runs in one JVM on
# free ports: an embedded KRaft broker, the VectorStream job at --parallelism (2) on a local mini
# cluster with RocksDB and checkpoints as config/config.yaml sets them (as bench/run-serving.sh), and a
# second mini cluster in the same JVM (4 slots) that runs the SQL statements. Then:
#   1. CREATE TABLE docs (id STRING, embedding ARRAY<FLOAT>, metadata MAP<STRING,STRING>, text STRING,
#      PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'vectorstream', 'collection' = 'docs', ...);
#   2. INSERT INTO docs from a bounded DataStream of the first N base vectors (ids "0".."N-1"), sink
#      parallelism 2: rows/s of the INSERT job, then the time until everything is searchable (one
#      strong-consistency VECTOR_SEARCH right after the INSERT finishes) and rows/s to searchable;
#   3. waits until the index is at rest (no seal or merge in flight, nothing growing);
#   4. VECTOR_SEARCH over M query rows (the set's queries, cycled) as a lateral join, at
#      'max-concurrent-operations' 10 and 64 and search parallelism 1 and 2: searches/s and
#      recall@10 (groundtruth.ivecs for the whole set, exact brute force for the first N);
#   5. the same M queries through the Java client at 10 and 64 in flight, the yardstick.
# Each figure's timer is spelled out under the tables.
#
#   bench/run-sql.sh --data DIR [--vectors N] [--queries 1000] [--concurrency 10,64] [--output-modes ordered]
#                    [--search-parallelism 1,2] [--sink-parallelism 2] [--parallelism 2]
#                    [--set key=value]... [--ingest-minutes 30] [--label NAME]
#
#   --vectors N       base vectors to INSERT, the first N of the set (default: all)
#   --queries M       VECTOR_SEARCH input rows per run (default 1000)
#   --set key=value   any Flink or vectorstream.* setting of the job, applied after everything else,
#                     e.g. --set vectorstream.index.seal-size=2000; an unknown vectorstream.* key
#                     fails. The report lists every setting not at its default.
#
# DATA_DIR comes from bench/make-ann-data.sh (bench/data/minilm: 62,436 x 384, cosine). Builds this
# checkout with `mvn package -pl bench -am` (never install) and runs on this checkout's module
# classes, not on whatever io.vectorstream jars are in ~/.m2 (the connector's unshaded classes, not
# its shaded jar); the run prints where each module's classes came from. It waits (at most MAX_WAIT
# seconds, default 900) until the 1-minute load is below MAX_LOAD (default 1.5), and notes the load
# it started at. In bench/results/ (gitignored): sql-LABEL.md (the report: machine, commit, settings,
# tables) and sql-LABEL.log (the log of the job and the SQL statements).
# SKIP_BUILD=1 runs the classes already built; BENCH_JVM_OPTS adds JVM options (e.g. a JFR recording).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

label=run args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --label) label=${2:-run} ;;
  esac
  args+=("$1")
  shift
done
results=bench/results
mkdir -p "$results"
note() { echo "[$(date -u +%H:%M:%S)] $* | load: $(cut -d' ' -f1-3 /proc/loadavg)"; }

commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench' || echo ' (modified)')"
if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  note "build $commit"
  mvn -B -o -q -DskipTests package -pl bench -am
fi

# This checkout's module classes first, in place of any io.vectorstream jar on classpath.txt.
CP=bench/target/classes
for module in $(sed -n 's|.*<module>\(.*\)</module>.*|\1|p' pom.xml); do
  [[ "$module" != bench ]] && CP="$CP:$ROOT/$module/target/classes"
done
IFS=: read -ra entries < bench/target/classpath.txt || true  # the file has no final newline
for e in "${entries[@]}"; do
  [[ "$e" == */io/vectorstream/* || "$e" == "$ROOT"/* ]] || CP="$CP:$e"
done

max_load=${MAX_LOAD:-1.5}
waited=0
until awk -v max="$max_load" '{ exit !($1 < max) }' /proc/loadavg || ((waited >= ${MAX_WAIT:-900})); do
  ((waited % 60 == 0)) && note "waiting for the 1-minute load to fall below $max_load"
  sleep 10
  waited=$((waited + 10))
done
note "start $label (waited ${waited} s for load < $max_load)"

md="$results/sql-$label.md"
OPENS=$(sed -n 's/.*<flink.jvm.opens>\(.*\)<\/flink.jvm.opens>.*/\1/p' pom.xml)
# --add-modules jdk.incubator.vector: the SIMD distance kernel, as config.yaml gives the job.
# shellcheck disable=SC2086
java -Xmx6g ${BENCH_JVM_OPTS:-} $OPENS --add-modules jdk.incubator.vector -cp "$CP" \
  io.vectorstream.bench.sql.SqlBench --log "$results/sql-$label.log" \
  --commit "$commit" "${args[@]}" 2>&1 \
  | grep --line-buffered -v 'Using incubator modules' | tee "$md"
note "end $label"
