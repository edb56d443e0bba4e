#!/usr/bin/env bash
# JMH micro benchmarks (bench/src/main/java/io/vectorstream/bench/jmh). Run from anywhere:
#   bench/run-jmh.sh                      every benchmark, short settings (a few minutes)
#   bench/run-jmh.sh DistanceBench        only benchmarks matching a regular expression
#   bench/run-jmh.sh --no-build ...       skip the Maven build (classes already built)
# Further arguments go to JMH (bench/run-jmh.sh DistanceBench -p dim=384 -i 10 -rf json) and
# replace the short defaults below. JAVA_OPTS="-Dvectorstream.kernels=plain|scalar|panama"
# forces the kernel VectorMath uses.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [[ "${1:-}" == "--no-build" ]]; then
  shift
else
  # package, not install: bench/target/classpath.txt then points at the modules' fresh jars.
  mvn -q -B -DskipTests -pl bench -am package
fi
# Short settings: one fork, 3 x 1 s warm-up, 5 x 1 s measured. JMH rejects an option given twice,
# so a default is only passed when the caller did not give that option.
DEFAULTS=(-f 1 -wi 3 -w 1s -i 5 -r 1s)
JMH_ARGS=()
for ((k = 0; k < ${#DEFAULTS[@]}; k += 2)); do
  if [[ " $* " != *" ${DEFAULTS[k]} "* ]]; then
    JMH_ARGS+=("${DEFAULTS[k]}" "${DEFAULTS[k + 1]}")
  fi
done
# jdk.incubator.vector: the SIMD distance kernel (the forks get it too, see @Fork in each benchmark).
# shellcheck disable=SC2086
exec java --add-modules jdk.incubator.vector ${JAVA_OPTS:-} \
  -cp "$ROOT/bench/target/classes:$(cat "$ROOT/bench/target/classpath.txt")" \
  org.openjdk.jmh.Main "${JMH_ARGS[@]}" "$@"
