#!/usr/bin/env bash
# Payload fuzzer (PayloadFuzzer) against a running local system: starts `Main local` on its own
# ports and a fresh data directory, sends mutated Avro and JSON payloads to the vectors, queries
# and collections topics, and accounts for every one (accepted, dead-lettered, answered) and for
# the job's restarts. Run from anywhere:
#   bench/run-fuzz.sh [--payloads 100000] [--seed N] [--round 1000] [--skip CLASS,...] [...]
# (bench/run-fuzz.sh --help lists the fuzzer's options.) When the job restarted, the payloads of
# the round in which it happened are saved, and a fresh system replays them one at a time to name
# the first payload after which the restart count rose (VECTORSTREAM_FUZZ_PINPOINT=0 skips that).
# Everything started is stopped at the end (by pid); the data directory printed at the start keeps
# the system's log and the saved payloads. Ports (Kafka 29092, web UI/REST 28081, Prometheus 29249)
# keep clear of a running `bin/vectorstream local`; override with VECTORSTREAM_KAFKA_PORT,
# VECTORSTREAM_REST_PORT, VECTORSTREAM_PROM_PORT. VECTORSTREAM_FUZZ_DIM (64) is the configured
# collection's dimension; VECTORSTREAM_NO_BUILD=1 skips the Maven build. To fuzz a system that is
# already running, run the class directly with --bootstrap HOST:PORT --rest-port N.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [[ "${VECTORSTREAM_NO_BUILD:-}" != 1 ]]; then
  mvn -q -B -DskipTests package
fi
if [[ " $* " == *" --help "* || " $* " == *" -h "* ]]; then
  # shellcheck disable=SC2086
  exec java -cp "$ROOT/bench/target/classes:$(cat "$ROOT/bench/target/classpath.txt")" \
    io.vectorstream.bench.fuzz.PayloadFuzzer --help
fi
DATA="${VECTORSTREAM_FUZZ_DIR:-$(mktemp -d /tmp/vectorstream-fuzz.XXXXXX)}"
KAFKA_PORT="${VECTORSTREAM_KAFKA_PORT:-29092}"
REST_PORT="${VECTORSTREAM_REST_PORT:-28081}"
PROM_PORT="${VECTORSTREAM_PROM_PORT:-29249}"
DIM="${VECTORSTREAM_FUZZ_DIM:-64}"
OPENS=$(sed -n 's/.*<flink.jvm.opens>\(.*\)<\/flink.jvm.opens>.*/\1/p' pom.xml)
JOBS_CP="$ROOT/jobs/target/vectorstream-jobs-0.1.0-SNAPSHOT.jar:$(cat "$ROOT/jobs/target/classpath.txt")"
BENCH_CP="$ROOT/bench/target/classes:$(cat "$ROOT/bench/target/classpath.txt")"
echo "fuzz directory (system logs, saved payloads): $DATA"

SYSTEM_PID=""
stop_system() {
  if [[ -n "$SYSTEM_PID" ]] && kill -0 "$SYSTEM_PID" 2>/dev/null; then
    kill "$SYSTEM_PID" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$SYSTEM_PID" 2>/dev/null || break; sleep 1; done
    kill -9 "$SYSTEM_PID" 2>/dev/null || true
  fi
  SYSTEM_PID=""
}
trap stop_system EXIT

# Starts a fresh local system under $DATA/$1/system and waits until it says it is running.
start_system() {
  local dir="$DATA/$1/system"
  mkdir -p "$dir"
  # The metrics fetcher interval is lowered so the REST API shows the validator's counters fresh.
  # shellcheck disable=SC2086
  java "${VECTORSTREAM_HEAP:--Xmx4g}" $OPENS --add-modules jdk.incubator.vector \
    -Dvectorstream.home="$ROOT" -cp "$JOBS_CP" io.vectorstream.jobs.Main local \
    --data-dir "$dir" --fresh --kafka-port "$KAFKA_PORT" --ui-port "$REST_PORT" \
    --metrics-port "$PROM_PORT" --set vectorstream.collection.dimension="$DIM" \
    --set metrics.fetcher.update-interval=200 >"$DATA/$1/system.out" 2>&1 &
  SYSTEM_PID=$!
  for _ in $(seq 1 300); do
    if grep -q "VectorStream is running." "$DATA/$1/system.out"; then return 0; fi
    if ! kill -0 "$SYSTEM_PID" 2>/dev/null; then break; fi
    sleep 1
  done
  echo "the local system did not start; see $DATA/$1/system.out and $dir/logs" >&2
  exit 1
}

fuzz() {
  # shellcheck disable=SC2086
  java -Xmx1g $OPENS -Dvectorstream.log.file="$DATA/fuzzer.log" -cp "$BENCH_CP" \
    io.vectorstream.bench.fuzz.PayloadFuzzer \
    --bootstrap "127.0.0.1:$KAFKA_PORT" --rest-port "$REST_PORT" "$@"
}

start_system run
rc=0
fuzz --save-dir "$DATA/run/payloads" "$@" || rc=$?
# Pinpointing: after a restart the fuzzer writes the arguments of a narrower pass to
# pinpoint.args: on a fresh system, the same payloads up to the end of the round in which the job
# restarted, that round in rounds of a twentieth of it. Three passes take a round of 1,000 down to
# the first payload after which the restart count rose (rounds of 50, 3, 1).
save_dir="$DATA/run/payloads"
pass=0
while [[ $rc == 3 && -f "$save_dir/pinpoint.args" && "${VECTORSTREAM_FUZZ_PINPOINT:-1}" != 0 ]]; do
  pass=$((pass + 1))
  echo
  echo "Pinpointing, pass $pass, on a fresh system: $(cat "$save_dir/pinpoint.args")"
  stop_system
  start_system "pinpoint-$pass"
  replay_rc=0
  # shellcheck disable=SC2046
  fuzz $(cat "$save_dir/pinpoint.args") --save-dir "$DATA/pinpoint-$pass/payloads" || replay_rc=$?
  if [[ $replay_rc == 1 ]]; then
    echo "The pinpointing pass failed (exit status 1); see above."
    break
  elif [[ $replay_rc != 3 ]]; then
    echo "The job did not restart this time: the failure does not repeat with the same payloads."
    break
  fi
  save_dir="$DATA/pinpoint-$pass/payloads"
done
exit $rc
