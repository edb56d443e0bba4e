#!/usr/bin/env bash
# The serving path through Kafka on a real data set (ServingBench): the whole system in one JVM on
# free ports, N base vectors ingested with the Java client, then closed-loop queries at 1, 8 and 32
# concurrent clients (eventual) and 8 (strong): queries/s, round-trip p50/p95/p99, recall@10.
#
#   bench/run-serving.sh --data bench/data/minilm [--vectors N] [--seconds 20] [--warmup-seconds 5]
#                        [--clients 1,8,32] [--strong-clients 8] [--label NAME]
#
# DATA_DIR comes from bench/make-ann-data.sh. Builds this checkout with `mvn package` (never
# install) and runs on this checkout's module classes, not on whatever io.vectorstream jars are in
# ~/.m2, so the same script measures any commit it is copied into; the run prints where each
# module's classes came from. It waits (at most MAX_WAIT seconds, default 900) until the 1-minute
# load is below MAX_LOAD (default 1.5), and notes the load it started at. The table and the job's
# log go to bench/results/ (gitignored). SKIP_BUILD=1 runs the classes already built.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

label=run
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  [[ "${args[$i]}" == --label ]] && label=${args[$((i + 1))]:-run}
done
results=bench/results
mkdir -p "$results"
note() { echo "[$(date -u +%H:%M:%S)] $* | load: $(cut -d' ' -f1-3 /proc/loadavg)"; }

if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  note "build $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench' || echo ' (modified)')"
  mvn -B -o -q -DskipTests package
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

OPENS=$(sed -n 's/.*<flink.jvm.opens>\(.*\)<\/flink.jvm.opens>.*/\1/p' pom.xml)
# --add-modules jdk.incubator.vector: the SIMD distance kernel, as config.yaml gives the job.
# shellcheck disable=SC2086
java -Xmx6g $OPENS --add-modules jdk.incubator.vector -cp "$CP" \
  io.vectorstream.bench.serving.ServingBench --log "$results/serving-$label.log" "$@" 2>&1 \
  | grep --line-buffered -v 'Using incubator modules' | tee "$results/serving-$label.md"
note "end $label"
