#!/usr/bin/env bash
# A real Flink cluster on this machine, from the Maven jars (no Flink distribution needed):
# a Kafka broker, a standalone JobManager and TaskManagers, each a java process of its own with a
# pid file and a log under the cluster directory.
#
#   jobs/cluster.sh start [key=value ..]
#                                      broker + JobManager + TaskManagers 1 and 2 (or 1 to
#                                      VECTORSTREAM_TASKMANAGERS); waits for them. key=value: Flink
#                                      settings laid over the cluster's own (e.g.
#                                      taskmanager.memory.process.size=2g). Refused at once if a
#                                      cluster runs on the directory already
#   jobs/cluster.sh submit [--resume | --from-savepoint PATH] [--parallelism N] [--k v ..]
#                                      submits the VectorStream job (detached); --resume restores
#                                      the newest retained checkpoint, --from-savepoint PATH that
#                                      savepoint (or checkpoint) directory; --parallelism N
#                                      overrides VECTORSTREAM_PARALLELISM (e.g. to rescale from a
#                                      savepoint); --k v override config.yaml
#   jobs/cluster.sh add-tm N           starts TaskManager N (e.g. a replacement for a lost one)
#   jobs/cluster.sh kill-tm N          kill -9 TaskManager N (a crash, for experiments)
#   jobs/cluster.sh status             the processes and what the REST API says
#   jobs/cluster.sh stop               stops everything by its pid file (SIGTERM, SIGKILL after 30 s)
#
# Needs a build (jobs/target/vectorstream-jobs-*.jar and jobs/target/classpath.txt): run
# bin/vectorstream once, or mvn -B -DskipTests package -pl jobs -am (a reactor build: classpath.txt
# then names the modules' target/*.jar, nothing is installed). This script builds nothing. Needs
# curl, jq and flock (util-linux).
#
# Settings (environment): VECTORSTREAM_CLUSTER_DIR (default <project>/data/cluster),
# VECTORSTREAM_CONFIG_DIR (<project>/config), VECTORSTREAM_BIND_ADDRESS (127.0.0.1: where the web
# UI/REST API, the Prometheus endpoints and Kafka listen; 0.0.0.0 = every interface, without
# authentication: see the README's "Security" first), VECTORSTREAM_REST_PORT (8081),
# VECTORSTREAM_KAFKA_PORT (9092), VECTORSTREAM_RPC_PORT (6123), VECTORSTREAM_PROM_PORTS
# (9250-9260: one port per JVM from the range), VECTORSTREAM_SLOTS (2 per TaskManager),
# VECTORSTREAM_PARALLELISM (2), VECTORSTREAM_TASKMANAGERS (2: how many `start` starts). RPC, blob
# server and data exchange stay on localhost.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/jobs/target/vectorstream-jobs-0.1.0-SNAPSHOT.jar"
CP_FILE="$ROOT/jobs/target/classpath.txt"
DIR="${VECTORSTREAM_CLUSTER_DIR:-$ROOT/data/cluster}"
CONFIG_DIR="${VECTORSTREAM_CONFIG_DIR:-$ROOT/config}"
BIND_ADDRESS="${VECTORSTREAM_BIND_ADDRESS:-127.0.0.1}"
REST_PORT="${VECTORSTREAM_REST_PORT:-8081}"
KAFKA_PORT="${VECTORSTREAM_KAFKA_PORT:-9092}"
RPC_PORT="${VECTORSTREAM_RPC_PORT:-6123}"
PROM_PORTS="${VECTORSTREAM_PROM_PORTS:-9250-9260}"
SLOTS="${VECTORSTREAM_SLOTS:-2}"
PARALLELISM="${VECTORSTREAM_PARALLELISM:-2}"
TASKMANAGERS="${VECTORSTREAM_TASKMANAGERS:-2}"
CONF="$DIR/conf"
LOGS="$DIR/log"
LOCK="$DIR/cluster.lock"
# How this machine reaches what listens on the bind address.
case "$BIND_ADDRESS" in
  0.0.0.0 | :: | "[::]") LOCAL_HOST=127.0.0.1 ;;
  *) LOCAL_HOST="$BIND_ADDRESS" ;;
esac
REST="http://$LOCAL_HOST:$REST_PORT"

# The Java 17 module opens Flink needs (the list flink-dist ships), plus the Vector API for the
# SIMD distance kernel; the same flags as bin/vectorstream and config/config.yaml.
OPENS="$(sed -n 's/.*<flink.jvm.opens>\(.*\)<\/flink.jvm.opens>.*/\1/p' "$ROOT/pom.xml") --add-modules jdk.incubator.vector"

die() { echo "cluster: $*" >&2; exit 1; }

require_build() {
  [[ -f "$JAR" && -f "$CP_FILE" ]] ||
    die "$JAR or $CP_FILE is missing; build first (bin/vectorstream builds on first use, or mvn -B -DskipTests package -pl jobs -am)"
}

# The cluster processes get Flink and the libraries on their class path (classpath.txt), not the
# job: the job jar is submitted and lives in Flink's user class loader, as on any Flink cluster.
cluster_cp() { cat "$CP_FILE"; }

alive() { [[ -f "$DIR/$1.pid" ]] && kill -0 "$(cat "$DIR/$1.pid")" 2>/dev/null; }

taskmanager_names() { (cd "$DIR" 2>/dev/null && ls taskmanager-*.pid 2>/dev/null | sed 's/\.pid$//'); }

# One cluster per directory. `start` takes an exclusive flock on $LOCK before it touches anything
# else in the directory, on file descriptor 9, which every process it starts inherits: the lock is
# held until the last of them has ended (stopped, or all dead; the kernel releases it), and a second
# `start` on the directory is refused at once instead of starting a broker on a running broker's log.
take_lock() {
  command -v flock >/dev/null || die "flock (util-linux) is needed to lock $DIR"
  mkdir -p "$DIR"
  exec 9>>"$LOCK"
  flock -n 9 || die "$DIR is in use by $(lock_holder); stop that cluster first (jobs/cluster.sh stop) or set another VECTORSTREAM_CLUSTER_DIR"
  echo "jobs/cluster.sh start (pid $$) since $(date -u +%FT%TZ)" > "$LOCK"
}

# Who holds the lock: the cluster processes that run by their pid files, or what the lock file says
# (a start still starting them).
lock_holder() {
  local p running=""
  for p in kafka jobmanager $(taskmanager_names); do
    if alive "$p"; then running+="${running:+, }$p pid $(cat "$DIR/$p.pid")"; fi
  done
  if [[ -n "$running" ]]; then
    echo "a running cluster ($running)"
  else
    cat "$LOCK" 2>/dev/null || echo "another process"
  fi
}

# write_conf [key=value ..]: the extra settings go last, so they win over the cluster's own.
write_conf() {
  mkdir -p "$CONF" "$LOGS" "$DIR/tmp"
  # shellcheck disable=SC2046
  java -Xmx128m -cp "$JAR:$(cluster_cp)" io.vectorstream.jobs.cluster.ClusterConfigWriter \
    "$CONFIG_DIR" "$CONF" \
    "vectorstream.kafka.bootstrap-servers=$LOCAL_HOST:$KAFKA_PORT" \
    "jobmanager.rpc.address=localhost" "jobmanager.rpc.port=$RPC_PORT" "jobmanager.bind-host=localhost" \
    "taskmanager.bind-host=localhost" "taskmanager.host=localhost" \
    "rest.address=$LOCAL_HOST" "rest.bind-address=$BIND_ADDRESS" "rest.port=$REST_PORT" \
    "jobmanager.memory.process.size=1024m" \
    "taskmanager.memory.process.size=1280m" "taskmanager.memory.managed.fraction=0.25" \
    "taskmanager.numberOfTaskSlots=$SLOTS" "parallelism.default=$PARALLELISM" \
    "taskmanager.load-balance.mode=SLOTS" \
    "heartbeat.interval=2 s" "heartbeat.timeout=20 s" \
    "execution.checkpointing.dir=file://$DIR/checkpoints" \
    "execution.checkpointing.savepoint-dir=file://$DIR/savepoints" \
    "io.tmp.dirs=$DIR/tmp" \
    "metrics.reporter.prom.factory.class=io.vectorstream.metrics.BoundPrometheusReporterFactory" \
    "metrics.reporter.prom.bind-address=$BIND_ADDRESS" "metrics.reporter.prom.port=$PROM_PORTS" \
    "metrics.fetcher.update-interval=1000" \
    "web.log.path=$LOGS/jobmanager.log" "$@"
  cat > "$CONF/log4j.properties" <<'EOF'
# Every cluster process logs to the file named by -Dlog.file (set by jobs/cluster.sh).
rootLogger.level = INFO
rootLogger.appenderRef.main.ref = MainAppender
appender.main.name = MainAppender
appender.main.type = File
appender.main.append = true
appender.main.fileName = ${sys:log.file}
appender.main.layout.type = PatternLayout
appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
logger.kafka.name = org.apache.kafka
logger.kafka.level = WARN
logger.kafkaserver.name = kafka
logger.kafkaserver.level = WARN
EOF
}

log_opts() { echo "-Dlog4j.configurationFile=file:$CONF/log4j.properties -Dlog.file=$LOGS/$1.log"; }

# JVM memory flags (line 1) and the resource settings as -D dynamic properties (line 2), computed
# from config.yaml exactly as flink-dist's jobmanager.sh/taskmanager.sh do.
resource_params() {
  # shellcheck disable=SC2046
  java -Xmx128m -cp "$(cluster_cp)" $(log_opts bash-java-utils) \
    org.apache.flink.runtime.util.bash.BashJavaUtils "$1" --configDir "$CONF" |
    sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p'
}

start_broker() {
  alive kafka && die "the broker runs already (pid $(cat "$DIR/kafka.pid"))"
  # shellcheck disable=SC2086
  nohup java -Xmx512m $OPENS -Dvectorstream.log.file="$LOGS/kafka.log" -cp "$JAR:$(cluster_cp)" \
    io.vectorstream.jobs.cluster.ClusterBroker "$DIR/kafka" "$BIND_ADDRESS" "$KAFKA_PORT" "$CONF" \
    > "$LOGS/kafka.out" 2>&1 &
  echo $! > "$DIR/kafka.pid"
  wait_for "the Kafka broker" 90 "grep -qs '^READY' '$LOGS/kafka.out'" kafka
}

start_jobmanager() {
  alive jobmanager && die "the JobManager runs already (pid $(cat "$DIR/jobmanager.pid"))"
  local params jvm dyn
  params="$(resource_params GET_JM_RESOURCE_PARAMS)"
  jvm="$(sed -n 1p <<< "$params")"
  dyn="$(sed -n 2p <<< "$params")"
  # shellcheck disable=SC2086
  nohup java $jvm $OPENS $(log_opts jobmanager) -cp "$(cluster_cp)" \
    org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint --configDir "$CONF" $dyn \
    > "$LOGS/jobmanager.out" 2>&1 &
  echo $! > "$DIR/jobmanager.pid"
  wait_for "the JobManager's REST API on $REST" 90 "curl -sf '$REST/overview' >/dev/null" jobmanager
}

start_taskmanager() {
  local n="$1" params jvm dyn
  alive "taskmanager-$n" && die "TaskManager $n runs already (pid $(cat "$DIR/taskmanager-$n.pid"))"
  params="$(resource_params GET_TM_RESOURCE_PARAMS)"
  jvm="$(sed -n 1p <<< "$params")"
  dyn="$(sed -n 2p <<< "$params")"
  # taskmanager.resource-id names the TaskManager in the REST API (and in the subtasks' location).
  # shellcheck disable=SC2086
  nohup java $jvm $OPENS $(log_opts "taskmanager-$n") -cp "$(cluster_cp)" \
    org.apache.flink.runtime.taskexecutor.TaskManagerRunner --configDir "$CONF" $dyn \
    -D "taskmanager.resource-id=taskmanager-$n" \
    > "$LOGS/taskmanager-$n.out" 2>&1 &
  echo $! > "$DIR/taskmanager-$n.pid"
}

taskmanagers() { curl -sf "$REST/overview" | jq -r '.taskmanagers' 2>/dev/null || echo 0; }

# wait_for <what> <seconds> <condition> <process whose death ends the wait>
wait_for() {
  local what="$1" seconds="$2" condition="$3" proc="$4" i
  for ((i = 0; i < seconds * 5; i++)); do
    if eval "$condition"; then return 0; fi
    alive "$proc" || die "$what: process $proc ended; see $LOGS/$proc.log and $LOGS/$proc.out"
    sleep 0.2
  done
  die "$what not ready within $seconds s; see $LOGS/$proc.log"
}

stop_process() {
  local name="$1" pid i
  [[ -f "$DIR/$name.pid" ]] || return 0
  pid="$(cat "$DIR/$name.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for ((i = 0; i < 150; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "cluster: $name (pid $pid) did not stop within 30 s; SIGKILL" >&2
      kill -KILL "$pid"
    fi
    echo "stopped $name (pid $pid)"
  fi
  rm -f "$DIR/$name.pid"
}

cmd_start() {
  local n started=()
  [[ "$TASKMANAGERS" =~ ^[1-9][0-9]*$ ]] || die "VECTORSTREAM_TASKMANAGERS must be 1 or more, got '$TASKMANAGERS'"
  for n in "$@"; do
    [[ "$n" == ?*=* ]] || die "start takes Flink settings as key=value, got '$n'"
  done
  require_build
  take_lock
  write_conf "$@"
  start_broker
  echo "Kafka broker     $LOCAL_HOST:$KAFKA_PORT (pid $(cat "$DIR/kafka.pid"))"
  start_jobmanager
  echo "JobManager       $REST (pid $(cat "$DIR/jobmanager.pid"))"
  for ((n = 1; n <= TASKMANAGERS; n++)); do
    start_taskmanager "$n"
    started+=("$n (pid $(cat "$DIR/taskmanager-$n.pid"))")
  done
  wait_for "$TASKMANAGERS TaskManagers registered" 90 '[[ "$(taskmanagers)" -ge $TASKMANAGERS ]]' jobmanager
  echo "TaskManagers     $(IFS=,; echo "${started[*]}" | sed 's/,/, /g'), $SLOTS slots each"
  echo "Cluster dir      $DIR (conf/, log/, checkpoints/, savepoints/, *.pid)"
}

cmd_submit() {
  require_build
  alive jobmanager || die "no JobManager runs; jobs/cluster.sh start first"
  local out jid chk restore=() parallelism=()
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --resume)
        # The newest completed checkpoint (one with _metadata) of an earlier job on this cluster dir.
        chk="$(ls -td "$DIR"/checkpoints/*/chk-*/ 2>/dev/null | while read -r d; do
          [[ -f "$d/_metadata" ]] && { echo "${d%/}"; break; }; done)"
        [[ -n "$chk" ]] || die "--resume: no completed checkpoint under $DIR/checkpoints"
        echo "Resuming from $chk"
        restore=(-s "file://$chk")
        shift ;;
      --from-savepoint)
        chk="${2:-}"
        chk="${chk#file:}"
        [[ -f "$chk/_metadata" ]] || die "--from-savepoint: no savepoint at '${2:-}' (a directory with _metadata)"
        echo "Restoring from $chk"
        restore=(-s "file://$chk")
        shift 2 ;;
      --parallelism)
        [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "--parallelism takes a count, got '${2:-}'"
        parallelism=(-p "$2")
        shift 2 ;;
      *) break ;;
    esac
  done
  # The client runs the job's main() here to build the job graph, then hands graph and jar to the
  # JobManager (-d: detached); the tasks run in the TaskManagers.
  # shellcheck disable=SC2046,SC2086
  out="$(FLINK_CONF_DIR="$CONF" java -Xmx256m $OPENS $(log_opts client) -cp "$(cluster_cp)" \
    org.apache.flink.client.cli.CliFrontend run -d ${restore[@]+"${restore[@]}"} \
    ${parallelism[@]+"${parallelism[@]}"} -c io.vectorstream.jobs.VectorStreamJob "$JAR" "$@" 2>&1)" ||
    die "submit failed: $out (see $LOGS/client.log)"
  jid="$(sed -n 's/.*JobID \([0-9a-f]\{32\}\).*/\1/p' <<< "$out" | tail -1)"
  [[ -n "$jid" ]] || die "no job id in the client's output: $out"
  echo "$jid" > "$DIR/job.id"
  echo "Submitted job $jid; $REST/#/job/running/$jid/overview"
}

cmd_status() {
  local p
  for p in kafka jobmanager $(taskmanager_names); do
    if alive "$p"; then echo "$p: running (pid $(cat "$DIR/$p.pid"))"; else echo "$p: not running"; fi
  done
  if curl -sf "$REST/overview" >/dev/null; then
    curl -sf "$REST/overview" | jq -c '{taskmanagers, "slots-total", "slots-available", "jobs-running"}'
    curl -sf "$REST/jobs/overview" | jq -r '.jobs[] | "job \(.jid) \(.state) \(.name)"'
  fi
}

cmd_stop() {
  local p
  for p in $(taskmanager_names); do
    stop_process "$p"
  done
  stop_process jobmanager
  stop_process kafka
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  submit) shift; cmd_submit "$@" ;;
  add-tm)
    [[ "${2:-}" =~ ^[0-9]+$ ]] || die "usage: cluster.sh add-tm N"
    require_build; start_taskmanager "$2"
    echo "TaskManager $2 started (pid $(cat "$DIR/taskmanager-$2.pid"))" ;;
  kill-tm)
    [[ "${2:-}" =~ ^[0-9]+$ ]] || die "usage: cluster.sh kill-tm N"
    alive "taskmanager-$2" || die "TaskManager $2 is not running"
    kill -KILL "$(cat "$DIR/taskmanager-$2.pid")"
    echo "killed TaskManager $2 (pid $(cat "$DIR/taskmanager-$2.pid")) with SIGKILL"
    rm -f "$DIR/taskmanager-$2.pid" ;;
  status) cmd_status ;;
  stop) cmd_stop ;;
  *) sed -n '2,/^set /{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
