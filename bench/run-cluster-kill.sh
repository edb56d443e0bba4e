#!/usr/bin/env bash
# TaskManager crash under load (TaskManagerKillBench) on a real multi-process cluster: starts a
# Kafka broker, a Flink JobManager and two TaskManagers with jobs/cluster.sh, submits the job,
# publishes vectors and sends queries continuously, kills one TaskManager with SIGKILL, measures
# the recovery and checks that every acknowledged vector is still searchable. Run from anywhere:
#   bench/run-cluster-kill.sh [--rate 300] [--dim 64] [--before 40] [--after 40] [--verify N] [--replace]
# Everything started is stopped at the end (by pid file); logs stay in the cluster directory
# printed at the start. Ports (REST 18081, Kafka 19092, RPC 16123, Prometheus 19250-19260) keep
# clear of a running `bin/vectorstream local`; override with the VECTORSTREAM_* variables of
# jobs/cluster.sh. VECTORSTREAM_NO_BUILD=1 skips the Maven build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [[ "${VECTORSTREAM_NO_BUILD:-}" != 1 ]]; then
  mvn -q -B -o -DskipTests package -pl jobs,bench -am
fi
export VECTORSTREAM_CLUSTER_DIR="${VECTORSTREAM_CLUSTER_DIR:-$(mktemp -d /tmp/vectorstream-cluster-kill.XXXXXX)}"
export VECTORSTREAM_REST_PORT="${VECTORSTREAM_REST_PORT:-18081}"
export VECTORSTREAM_KAFKA_PORT="${VECTORSTREAM_KAFKA_PORT:-19092}"
export VECTORSTREAM_RPC_PORT="${VECTORSTREAM_RPC_PORT:-16123}"
export VECTORSTREAM_PROM_PORTS="${VECTORSTREAM_PROM_PORTS:-19250-19260}"
echo "cluster directory (logs, checkpoints): $VECTORSTREAM_CLUSTER_DIR"
trap 'jobs/cluster.sh stop' EXIT

jobs/cluster.sh start
jobs/cluster.sh submit
OPENS=$(sed -n 's/.*<flink.jvm.opens>\(.*\)<\/flink.jvm.opens>.*/\1/p' pom.xml)
# shellcheck disable=SC2086
java -Xmx512m $OPENS -Dvectorstream.log.file="$VECTORSTREAM_CLUSTER_DIR/log/bench.log" \
  -cp "$ROOT/bench/target/classes:$(cat "$ROOT/bench/target/classpath.txt")" \
  io.vectorstream.bench.cluster.TaskManagerKillBench \
  --rest-port "$VECTORSTREAM_REST_PORT" --bootstrap "127.0.0.1:$VECTORSTREAM_KAFKA_PORT" \
  --cluster-dir "$VECTORSTREAM_CLUSTER_DIR" --cluster-script "$ROOT/jobs/cluster.sh" "$@"
