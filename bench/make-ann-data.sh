#!/usr/bin/env bash
# Makes an ANN data set (base.fvecs, query.fvecs, groundtruth.ivecs, dataset.properties) under
# bench/data/ (gitignored) for bench/run-ann.sh.
#
#   bench/make-ann-data.sh minilm [MAX_SECONDS]      # Debian package synopses, all-MiniLM-L6-v2
#   bench/make-ann-data.sh synthetic N DIM           # clustered synthetic, euclidean
#
# minilm embeds in process (langchain4j + ONNX Runtime, on all cores) for at most MAX_SECONDS
# (default 900) and keeps what it embedded: a uniform random sample of the ~63k packages.
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -o -q -B -pl bench -am package -DskipTests
CP="bench/target/classes:$(cat bench/target/classpath.txt)"
JAVA_OPTS=(-Xmx12g -XX:+UseParallelGC)

case "${1:-}" in
  minilm)
    out=bench/data/minilm
    apt-cache dumpavail \
      | java "${JAVA_OPTS[@]}" -cp "$CP" io.vectorstream.bench.data.EmbedCorpus \
          --out "$out" --max-seconds "${2:-900}" --queries 1000 --k 100
    ;;
  synthetic)
    n=${2:?N}; dim=${3:?DIM}
    out=bench/data/synth-${n}x${dim}
    java "${JAVA_OPTS[@]}" -cp "$CP" io.vectorstream.bench.data.SyntheticSet \
      --out "$out" --n "$n" --dim "$dim" --queries 1000 --k 100 --metric euclidean
    ;;
  *)
    echo "usage: $0 minilm [MAX_SECONDS] | synthetic N DIM" >&2
    exit 2
    ;;
esac
