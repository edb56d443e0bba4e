#!/bin/sh
# Copies the VectorStream job and the libraries it needs on a Flink cluster into one directory
# (the Flink image's /opt/flink/usrlib), from the build's jobs/target/classpath.txt.
#
# The job module's runtime classpath also serves `bin/vectorstream local`, so it holds what a
# Flink cluster already has (Flink itself, RocksDB, logging) and what only the local launcher uses
# (the embedded Kafka broker and its Scala runtime). Those are left out: a second copy of Flink or
# of RocksDB's native library in the user class loader breaks the job.
#
# usage: collect-usrlib.sh <project dir> <target dir>
set -eu

project=${1:?usage: collect-usrlib.sh <project dir> <target dir>}
target=${2:?usage: collect-usrlib.sh <project dir> <target dir>}
classpath="$project/jobs/target/classpath.txt"

if [ ! -f "$classpath" ]; then
  echo "collect-usrlib: $classpath is missing; build first: mvn -B package -DskipTests" >&2
  exit 1
fi

mkdir -p "$target"
for jar in "$project"/jobs/target/vectorstream-jobs-*.jar; do
  case "$jar" in
    *-tests.jar) ;;
    *) cp "$jar" "$target/" ;;
  esac
done

tr ':' '\n' < "$classpath" | while read -r jar; do
  [ -n "$jar" ] || continue
  case "$jar" in
    # Flink connectors and formats are not part of the Flink distribution: ship them.
    */org/apache/flink/flink-connector-kafka/* | */org/apache/flink/flink-connector-base/* | \
      */org/apache/flink/flink-avro/*)
      cp "$jar" "$target/" ;;
    # In the Flink image already (lib/ and plugins/), with Flink's own serialisation libraries.
    */org/apache/flink/* | */com/ververica/frocksdbjni/* | */org/apache/logging/log4j/* | \
      */org/slf4j/* | */com/esotericsoftware/* | */org/objenesis/* | */org/snakeyaml/* | \
      */tools/profiler/*) ;;
    # flink-runtime's older LZ4 (net.jpountz); kafka-clients brings its own (at.yawk.lz4).
    */org/lz4/lz4-java/*) ;;
    # The Kafka client is needed; the broker and Scala are for the local launcher only.
    */org/apache/kafka/kafka-clients/*)
      cp "$jar" "$target/" ;;
    */org/apache/kafka/* | */org/scala-lang/* | */com/typesafe/scala-logging/*) ;;
    *)
      cp "$jar" "$target/" ;;
  esac
done

echo "collect-usrlib: $(ls "$target" | wc -l) jars in $target"
