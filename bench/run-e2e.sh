#!/usr/bin/env bash
# End-to-end baseline through Kafka (EndToEndBench). Run from the project root:
#   bench/run-e2e.sh [--vectors 50000] [--dim 384] [--queries 400]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mvn -q -B -DskipTests install
CP="$ROOT/bench/target/classes:$(mvn -q -B -pl bench dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=runtime)"
OPENS=$(sed -n 's/.*<flink.jvm.opens>\(.*\)<\/flink.jvm.opens>.*/\1/p' pom.xml)
# shellcheck disable=SC2086
exec java -Xmx6g $OPENS -cp "$CP" io.vectorstream.bench.EndToEndBench "$@"
