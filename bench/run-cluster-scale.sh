#!/usr/bin/env bash
# Scale-out from 1 to 2 TaskManagers on a real multi-process cluster (ClusterScaleBench), on one
# data set in one run. jobs/cluster.sh starts a Kafka broker, a JobManager and ONE TaskManager of
# one slot; then
#   phase a (1 TM x 1 slot, parallelism 1): the first half of the vectors is published as fast as
#     the client can (ingest vectors/s: first publish to all indexed, by the job's vectorsIndexed
#     metric), the index comes to rest, then closed-loop queries at each --clients level (queries/s,
#     round trip p50/p99, recall@10 against exact brute force over that half);
#   the job is stopped with a savepoint (REST POST /jobs/<id>/stop), TaskManager 2 is started and
#     the job resubmitted at parallelism 2 from the savepoint (jobs/cluster.sh submit
#     --from-savepoint); the vector count must be unchanged;
#   phase b (2 TM x 1 slot, parallelism 2): the same query levels over the same vectors, then the
#     second half of the vectors ingested as in phase a.
# Through every step it records each job vertex's records in/out and busy time (Flink's task
# metrics, vertices discovered from the REST API) and each process's CPU time, and reports records/s
# per busy core for each operator. Writes bench/results/cluster-scale-LABEL.md (Markdown tables for
# BENCHMARKS.md), .tsv (every figure, long format) and .log (this run's output).
#
#   bench/run-cluster-scale.sh --data DIR [--limit N] [--queries N] [--clients 8,32] [--seconds 20]
#                              [--warmup-seconds 5] [--shards 2] [--set key=value]...
#                              [--ingest-minutes 30] [--label NAME] [--tm-memory SIZE]
#
#   --data DIR        a data set of bench/make-ann-data.sh, e.g. bench/data/synth-1000000x128
#   --limit N         use the first N base vectors (default all): N/2 per phase. The exact
#                     neighbours of the queries over the first half are computed by brute force
#                     (all cores, before the cluster works; --queries N uses the first N queries)
#   --tm-memory SIZE  process memory of each TaskManager (1536m: about 470 MB of task heap).
#                     Phase a holds half the vectors on one TaskManager, at about 1.1 KB per
#                     128-d vector on the heap (28 MB for 25,000), more while shards merge: for
#                     the whole synthetic set (500,000 x 128 per TaskManager) give it 4g
#   --set key=value   a vectorstream.* setting of the job (passed on both submissions)
#
# Small first, the machine has 2 cores (about 3 minutes), then the whole set (alone on the machine):
#   bench/run-cluster-scale.sh --data bench/data/synth-1000000x128 --limit 50000 --label small
#   bench/run-cluster-scale.sh --data bench/data/synth-1000000x128 --tm-memory 4g --label synth1m
#
# Builds this checkout with a reactor `mvn package` of jobs and bench (never install: the cluster's
# classpath.txt names the modules' target/*.jar). SKIP_BUILD=1 runs what is built. Ports: REST
# 28081, Kafka 29092, RPC 26123, Prometheus 29250-29260 (clear of bin/vectorstream local and of
# run-cluster-kill.sh); override with the VECTORSTREAM_* variables of jobs/cluster.sh. The cluster
# directory is a new /tmp/vectorstream-cluster-scale.* unless VECTORSTREAM_CLUSTER_DIR is set; every
# process is stopped at the end by its pid file (also on failure or Ctrl-C), and the directory's
# Kafka log, checkpoints and savepoints are deleted (KEEP_CLUSTER_DATA=1 keeps them); logs stay.
# BENCH_HEAP (2g) is the bench client's heap: it holds the vectors it publishes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

label=run tm_memory=1536m args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --tm-memory) tm_memory=${2:?--tm-memory SIZE, e.g. 3g}; shift 2; continue ;;
    --label) label=${2:?--label NAME} ;;
  esac
  args+=("$1")
  shift
done
results=bench/results
mkdir -p "$results"
log="$results/cluster-scale-$label.log"
note() { echo "[$(date -u +%H:%M:%S)] $* | load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"; }
: > "$log"

if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  note "build $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . || echo ' (modified)')"
  mvn -B -o -q -DskipTests package -pl jobs,bench -am
fi

export VECTORSTREAM_CLUSTER_DIR="${VECTORSTREAM_CLUSTER_DIR:-$(mktemp -d /tmp/vectorstream-cluster-scale.XXXXXX)}"
export VECTORSTREAM_REST_PORT="${VECTORSTREAM_REST_PORT:-28081}"
export VECTORSTREAM_KAFKA_PORT="${VECTORSTREAM_KAFKA_PORT:-29092}"
export VECTORSTREAM_RPC_PORT="${VECTORSTREAM_RPC_PORT:-26123}"
export VECTORSTREAM_PROM_PORTS="${VECTORSTREAM_PROM_PORTS:-29250-29260}"
export VECTORSTREAM_SLOTS=1 VECTORSTREAM_TASKMANAGERS=1 VECTORSTREAM_PARALLELISM=1
DIR="$VECTORSTREAM_CLUSTER_DIR"

bench_pid=
# On any exit (an error, Ctrl-C, kill): the bench first, then every cluster process by its pid file.
cleanup() {
  if [[ -n "$bench_pid" ]] && kill -0 "$bench_pid" 2>/dev/null; then
    kill "$bench_pid"
    wait "$bench_pid" 2>/dev/null || true
  fi
  jobs/cluster.sh stop || true
  if [[ "${KEEP_CLUSTER_DATA:-}" != 1 ]]; then
    rm -rf "$DIR/kafka" "$DIR/checkpoints" "$DIR/savepoints" "$DIR/tmp"
  fi
  note "cluster stopped; logs in $DIR/log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

note "start $label: cluster directory $DIR, TaskManagers of $tm_memory"
# The metrics fetch interval bounds how late the bench sees vectorsIndexed reach the count.
jobs/cluster.sh start "taskmanager.memory.process.size=$tm_memory" \
  "metrics.fetcher.update-interval=200" 2>&1 | tee -a "$log"

OPENS=$(sed -n 's/.*<flink.jvm.opens>\(.*\)<\/flink.jvm.opens>.*/\1/p' pom.xml)
# --add-modules jdk.incubator.vector: the SIMD distance kernel for the brute-force ground truth.
# In the background and waited for, so that a signal to this script reaches the trap at once.
# shellcheck disable=SC2086
java -Xmx"${BENCH_HEAP:-2g}" $OPENS --add-modules jdk.incubator.vector \
  -Dvectorstream.log.file="$DIR/log/bench.log" \
  -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
  io.vectorstream.bench.cluster.ClusterScaleBench \
  --rest-port "$VECTORSTREAM_REST_PORT" --bootstrap "127.0.0.1:$VECTORSTREAM_KAFKA_PORT" \
  --cluster-dir "$DIR" --cluster-script "$ROOT/jobs/cluster.sh" --results "$results" \
  "${args[@]}" > >(grep --line-buffered -v 'Using incubator modules' | tee -a "$log") 2>&1 &
bench_pid=$!
wait "$bench_pid"
bench_pid=
note "end $label: $results/cluster-scale-$label.md"
