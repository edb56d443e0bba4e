#!/usr/bin/env bash
# The serving path through Kafka on a real data set (ServingBench), next to hnswlib on one thread on
# the same data at the same recall. The whole system runs in one JVM on free ports: N base vectors
# are ingested with the Java client, the bench waits until all are indexed and no background segment
# build (seal or merge) is in flight, then runs closed-loop queries (k=10) at 1, 8, 32 and 64
# concurrent clients (eventual) and 8 (strong). Per level: queries/s, round trip p50/p95/p99, the
# job's own time per answer (in-job p50/p99), the index search time, recall@10 against exact brute
# force (groundtruth.ivecs for the whole set, computed for the first N). Then, with the job stopped,
# bench/anchors/serving_anchor.py builds hnswlib on the same vectors with the job's M and
# efConstruction and sweeps ef to the recall the job's fastest level reached: hnswlib's queries/s
# there (one thread, per CPU second) and the ratio job / hnswlib. Last, a chart of queries/s versus
# clients, bench/charts/serving-DATA.png, with this run and any --chart-with runs.
#
#   bench/run-serving.sh --data DIR [--vectors N] [--seconds 20] [--warmup-seconds 5]
#                        [--clients 1,8,32,64] [--strong-clients 8] [--parallelism 2]
#                        [--shards N] [--set key=value]... [--ingest-minutes 30] [--label NAME]
#                        [--chart-with bench/results/serving-OTHER.md[=LABEL]]...
#
#   --shards N        the collection's shards (vectorstream.collection.shards; config.yaml's if unset)
#   --set key=value   any Flink or vectorstream.* setting of the job, applied after everything else,
#                     e.g. --set vectorstream.index.seal-size=2000; an unknown vectorstream.* key
#                     fails. The run's header prints every setting not at its default.
#   --chart-with F    another run's result, drawn on the chart before this one ("before" and
#                     "after"); redraw any time with bench/anchors/serving_chart.py.
#
# DATA_DIR comes from bench/make-ann-data.sh (minilm, or synthetic 1000000 128). Builds this checkout
# with `mvn package` (never install) and runs on this checkout's module classes, not on whatever
# io.vectorstream jars are in ~/.m2, so the same script measures any commit it is copied into, with
# the bench copied along (cp -r bench/run-serving.sh bench/anchors bench/src WORKTREE/bench/); the
# run prints where each module's classes came from. It waits (at most MAX_WAIT seconds, default
# 900) until the 1-minute load is below MAX_LOAD (default 1.5), and notes the load it started at. In bench/results/ (gitignored): serving-LABEL.md (the report),
# .tsv (the levels, machine-readable), .log (the job's log), -hnswlib.csv (the hnswlib sweep).
# SKIP_BUILD=1 runs the classes already built; BENCH_JVM_OPTS adds JVM options (e.g. a JFR recording). The anchor and the chart need /usr/bin/python3 with
#   apt-get install -y python3-hnswlib python3-numpy python3-matplotlib
# and are skipped, with that hint, without them.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

label=run data= chart_with=() args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --chart-with) chart_with+=("${2:?--chart-with RESULT.md[=LABEL]}"); shift 2; continue ;;
    --label) label=${2:-run} ;;
    --data) data=${2:-} ;;
  esac
  args+=("$1")
  shift
done
results=bench/results
mkdir -p "$results" bench/charts
note() { echo "[$(date -u +%H:%M:%S)] $* | load: $(cut -d' ' -f1-3 /proc/loadavg)"; }
PY=/usr/bin/python3

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

md="$results/serving-$label.md"
OPENS=$(sed -n 's/.*<flink.jvm.opens>\(.*\)<\/flink.jvm.opens>.*/\1/p' pom.xml)
# --add-modules jdk.incubator.vector: the SIMD distance kernel, as config.yaml gives the job.
# shellcheck disable=SC2086
java -Xmx6g ${BENCH_JVM_OPTS:-} $OPENS --add-modules jdk.incubator.vector -cp "$CP" \
  io.vectorstream.bench.serving.ServingBench --log "$results/serving-$label.log" \
  --results "$results" "${args[@]}" 2>&1 \
  | grep --line-buffered -v 'Using incubator modules' | tee "$md"
note "job done $label"

tsv="$results/serving-$label.tsv"
if "$PY" -c 'import hnswlib, numpy' 2>/dev/null; then
  note "hnswlib anchor (one thread)"
  "$PY" -u bench/anchors/serving_anchor.py "$tsv" 2>&1 | tee -a "$md" \
    || note "the hnswlib anchor failed; the job's results above stand"
else
  note "skipping the hnswlib anchor: apt-get install -y python3-hnswlib python3-numpy python3-matplotlib"
fi

if "$PY" -c 'import matplotlib' 2>/dev/null; then
  name=$(basename "$data")
  vectors=$(sed -n 's/^# vectors\t//p' "$tsv") dim=$(sed -n 's/^# dimension\t//p' "$tsv")
  "$PY" bench/anchors/serving_chart.py --out "bench/charts/serving-$name.png" \
    --title "$name ($(sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<< "$vectors") x $dim): queries/s vs clients, through Kafka" \
    "${chart_with[@]}" "$md=$label"
else
  note "skipping the chart: apt-get install -y python3-matplotlib"
fi
note "end $label"
