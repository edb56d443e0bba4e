#!/usr/bin/env bash
# End-to-end baseline through Kafka (EndToEndBench). Run from anywhere:
#   bench/run-e2e.sh [--vectors 50000] [--dim 384] [--queries 400]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mvn -q -B -DskipTests install
OPENS=$(sed -n 's/.*<flink.jvm.opens>\(.*\)<\/flink.jvm.opens>.*/\1/p' pom.xml)
# --add-modules jdk.incubator.vector: the SIMD distance kernel (scalar fallback without it)
# shellcheck disable=SC2086
exec java -Xmx6g $OPENS --add-modules jdk.incubator.vector -cp "$ROOT/bench/target/classes:$(cat "$ROOT/bench/target/classpath.txt")" \
  io.vectorstream.bench.EndToEndBench "$@"
