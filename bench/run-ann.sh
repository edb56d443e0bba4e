#!/usr/bin/env bash
# Our HNSW / IVF-Flat / IVF-PQ against hnswlib and FAISS on one data set, one thread each side:
# builds the bench, runs AnnBench and bench/anchors/anchors.py with the same parameters, draws
# bench/charts/NAME-recall-qps.png and prints our QPS / anchor QPS at equal recall@10 (0.90, 0.95,
# 0.99, interpolated on each curve) and the build throughput ratios.
#
#   bench/run-ann.sh DATA_DIR [--m 16] [--ef-construction 200] [--nlist N] [--pq-m M]
#                             [--train-size 65536] [--min-seconds 1]
#
# DATA_DIR comes from bench/make-ann-data.sh. Needs the Debian packages
#   apt-get update && apt-get install -y python3-hnswlib python3-faiss python3-numpy python3-matplotlib \
#     libhnswlib-dev g++
# (libhnswlib-dev + g++: hnswlib built for this CPU by bench/anchors/hnswlib_native.cpp; skipped if absent)
# run with /usr/bin/python3 (the python3 first on PATH may not see them). Results go to
# bench/results/ (gitignored); a log of the run with the machine's load is in bench/results/NAME.log.
set -euo pipefail
cd "$(dirname "$0")/.."

data=${1:?usage: $0 DATA_DIR [--m 16] [--ef-construction 200] [--nlist N] [--pq-m M]}
shift
if [[ ! -f "$data/dataset.properties" ]]; then
  echo "$data has no data set; make one with bench/make-ann-data.sh" >&2
  exit 2
fi
m=16 efc=200 nlist=0 pqm=0 train=65536 minsec=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --m) m=$2 ;;
    --ef-construction) efc=$2 ;;
    --nlist) nlist=$2 ;;
    --pq-m) pqm=$2 ;;
    --train-size) train=$2 ;;
    --min-seconds) minsec=$2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done

PY=/usr/bin/python3
"$PY" -c 'import hnswlib, faiss, numpy, matplotlib' 2>/dev/null || {
  echo "install the anchors first: apt-get install -y python3-hnswlib python3-faiss python3-numpy python3-matplotlib" >&2
  exit 2
}

name=$(basename "$data")
results=bench/results
mkdir -p "$results" bench/charts
log="$results/$name.log"
: > "$log"
note() { echo "[$(date -u +%H:%M:%S)] $* | load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"; }

# Same parameters on both sides; nlist/pq-m default to sqrt(n) and dim/8 in both.
common=(--m "$m" --ef-construction "$efc" --nlist "$nlist" --pq-m "$pqm" --train-size "$train"
        --train-iterations 25 --efs 10,16,24,32,48,64,96,128,256 --nprobes 1,2,4,8,16,32,64,128
        --reranks 0,100 --k 10 --min-seconds "$minsec" --seed 42 --results "$results")

note "build bench"
mvn -o -q -B -pl bench -am package -DskipTests
# A private copy of our own jars, so a module re-installed during the run cannot pull classes from
# under the JVM (IVF classes are loaded minutes after start); the log names what was measured.
snap=bench/target/ann-classpath
rm -rf "$snap" && mkdir -p "$snap"
CP=bench/target/classes
IFS=: read -ra entries < bench/target/classpath.txt || true  # the file has no final newline
for e in "${entries[@]}"; do
  if [[ "$e" == */io/vectorstream/* ]]; then
    cp -p "$e" "$snap/" && e="$snap/$(basename "$e")"
    note "using $(basename "$e") built $(date -u -r "$e" +%FT%TZ), sha256 $(sha256sum "$e" | cut -c1-12)"
  fi
  CP="$CP:$e"
done

note "AnnBench (java $(java -version 2>&1 | head -1))"
java -Xmx12g -XX:+UseParallelGC --add-modules jdk.incubator.vector -cp "$CP" \
  io.vectorstream.bench.ann.AnnBench --data "$data" --name "$name-vectorstream" "${common[@]}" \
  2>&1 | grep --line-buffered -v 'Using incubator modules' | tee -a "$log"

note "anchors (hnswlib, FAISS)"
"$PY" -u bench/anchors/anchors.py --data "$data" --name "$name-anchors" "${common[@]}" \
  2>&1 | grep --line-buffered -v '^WARNING clustering' | tee -a "$log"

# hnswlib compiled for this CPU (the Debian Python packages are baseline x86-64 builds, SSE only).
native=bench/target/hnswlib_native
if [[ ! -x "$native" || bench/anchors/hnswlib_native.cpp -nt "$native" ]]; then
  if [[ -f /usr/include/hnswlib/hnswlib.h ]] && command -v g++ > /dev/null; then
    g++ -O3 -march=native -DNDEBUG -o "$native" bench/anchors/hnswlib_native.cpp
  else
    note "skipping native hnswlib: needs g++ and apt-get install -y libhnswlib-dev"
  fi
fi
native_csv=()
if [[ -x "$native" ]]; then
  note "hnswlib native (g++ -O3 -march=native)"
  "$native" "$data" "$m" "$efc" 10,16,24,32,48,64,96,128,256 10 "$minsec" "$results" "$name-native" \
    | tee -a "$log"
  native_csv=("$results/$name-native.csv")
fi

note "chart"
"$PY" bench/anchors/chart.py --out "bench/charts/$name-recall-qps.png" \
  --title "$name: recall@10 vs QPS, one thread (M=$m, efConstruction=$efc)" \
  "$results/$name-vectorstream.csv" "$results/$name-anchors.csv" "${native_csv[@]}" | tee -a "$log"

note "ratios"
"$PY" bench/anchors/compare.py "$results/$name-vectorstream.csv" "$results/$name-anchors.csv" "${native_csv[@]}" \
  | tee "$results/$name-ratios.md" | tee -a "$log"
note "done"
