#!/usr/bin/env bash
# Search quality on real text through the whole job (TextQualityBench): keyword-only (BM25),
# vector-only (the job embeds the query text) and hybrid (RRF) search over the Debian package
# descriptions. One document per package that has a long description (id = package name, text =
# the long description without the synopsis, metadata package and section); the queries are a
# seeded sample of those packages' synopses (a synopsis two documents share is never a query), each
# labelled with its package. The whole system runs in one JVM on free ports (as bench/run-serving.sh):
# an embedded KRaft broker and the VectorStream job at --parallelism (2) on a local mini cluster, then
#   1. creates collection 'debian' with embedder all-minilm-l6-v2 through the Java client;
#   2. publishes every document with its text and no vector, and times until all are searchable (a
#      strong-consistency query answered by every shard): texts/s embedded and indexed in the job,
#      plus the steady rate from the job's vectorsIndexed; then waits until the index is at rest;
#   3. sends every query in each mode (k=10, 8 in flight, after 50 unmeasured): hit@1, hit@10,
#      MRR@10 of the labelled package, queries/s, round trip p50/p99.
#
#   bench/run-text-quality.sh [--docs N] [--queries 1000] [--seed 42] [--label NAME] [--dry-run]
#                             [--modes keyword,vector,hybrid] [--in-flight 8] [--warmup 50]
#                             [--parallelism 2] [--set key=value]... [--ingest-minutes 120]
#
#   --docs N        documents, a seeded random sample of the packages with a long description
#                   (default all, ~60,000; in-job embedding runs at roughly 70 texts/s per core)
#   --queries N     queries per mode, a seeded sample of the documents' unshared synopses
#   --seed S        the seed of both samples
#   --dry-run       only read the corpus: counts, text lengths, 3 sample documents and queries
#   --set key=value any Flink or vectorstream.* setting of the job, applied last; an unknown
#                   vectorstream.* key fails. The report lists every setting not at its default.
#   (TextQualityBench --help lists the rest.)
#
# The corpus: apt's Packages index (apt-cache dumpavail) holds only each package's synopsis and the
# md5 of its description; the long descriptions are in apt's Translation-en files, which Docker
# images do not fetch (Acquire::Languages "none"). The first run snapshots both into
# bench/data/debian-text/ (gitignored): dumpavail.txt from `apt-cache dumpavail`, and
# Translation-en.txt from /var/lib/apt/lists when apt has it, else fetched by a private
# `apt-get update -o Acquire::Languages=en` into a temporary lists directory (root and network;
# the system's apt lists stay as they are). Later runs reuse the snapshot: delete the directory to
# take a new one.
#
# Builds this checkout with `mvn package -pl bench -am` (never install) and runs on this checkout's
# module classes (the run prints where they came from). It waits (at most MAX_WAIT seconds, default
# 900) until the 1-minute load is below MAX_LOAD (default 1.5). In bench/results/ (gitignored):
# text-quality-LABEL.md (the console: progress and report), text-quality-LABEL.log (the job's log),
# and text-quality-results.md, to which every run appends its report.
# SKIP_BUILD=1 runs the classes already built; BENCH_JVM_OPTS adds JVM options.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

command="bench/run-text-quality.sh$(printf ' %q' "$@")"
label=run dry_run=0 args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --label) label=${2:-run} ;;
    --dry-run) dry_run=1 ;;
  esac
  args+=("$1")
  shift
done
results=bench/results
mkdir -p "$results"
note() { echo "[$(date -u +%H:%M:%S)] $* | load: $(cut -d' ' -f1-3 /proc/loadavg)"; }

# ------------------------------------------------------------------------------------- corpus
corpus=bench/data/debian-text
packages=$corpus/dumpavail.txt
translations=$corpus/Translation-en.txt
mkdir -p "$corpus"
if [[ ! -s "$packages" ]]; then
  note "snapshot apt-cache dumpavail into $packages"
  apt-cache dumpavail > "$packages.tmp"
  mv "$packages.tmp" "$packages"
fi
if [[ ! -s "$translations" ]]; then
  shopt -s nullglob
  lists=(/var/lib/apt/lists/*_i18n_Translation-en*)
  fetched=
  if ((${#lists[@]} == 0)); then
    fetched=$(mktemp -d)
    chmod 755 "$fetched"  # apt downloads as user _apt
    note "apt has no Translation-en (Acquire::Languages none): fetching it into $fetched"
    mkdir -p "$fetched/partial"
    if ! apt-get update -o Acquire::Languages=en -o Dir::State::Lists="$fetched" \
         -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= >&2; then
      rm -rf "$fetched"
      echo "could not fetch apt's Translation-en (needs root and network); put the long" \
           "descriptions, as plain Translation-en text, in $translations" >&2
      exit 1
    fi
    lists=("$fetched"/*_i18n_Translation-en*)
  fi
  for f in "${lists[@]}"; do
    /usr/lib/apt/apt-helper cat-file "$f"
    echo
  done > "$translations.tmp"
  mv "$translations.tmp" "$translations"
  {
    echo "snapshot taken $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname)"
    echo "dumpavail.txt: apt-cache dumpavail"
    echo "Translation-en.txt: $(for f in "${lists[@]}"; do basename "$f"; done | tr '\n' ' ')"
    (cd "$corpus" && sha256sum dumpavail.txt Translation-en.txt)
  } > "$corpus/SOURCE.txt"
  shopt -u nullglob
  if [[ -n "$fetched" ]]; then rm -rf "$fetched"; fi
fi

# -------------------------------------------------------------------------------------- build
commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench' || echo ' (modified)')"
if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  note "build $commit"
  mvn -B -o -q -DskipTests package -pl bench -am
fi

# This checkout's module classes first, in place of any io.vectorstream jar on classpath.txt.
CP=bench/target/classes
for module in $(sed -n 's|.*<module>\(.*\)</module>.*|\1|p' pom.xml); do
  [[ "$module" != bench ]] && CP="$CP:$ROOT/$module/target/classes"
done
IFS=: read -ra entries < bench/target/classpath.txt || true  # the file has no final newline
for e in "${entries[@]}"; do
  [[ "$e" == */io/vectorstream/* || "$e" == "$ROOT"/* ]] || CP="$CP:$e"
done
OPENS=$(sed -n 's/.*<flink.jvm.opens>\(.*\)<\/flink.jvm.opens>.*/\1/p' pom.xml)
corpus_args=(--packages "$packages" --translations "$translations")

if ((dry_run)); then
  # shellcheck disable=SC2086
  java -Xmx2g ${BENCH_JVM_OPTS:-} -cp "$CP" io.vectorstream.bench.text.TextQualityBench \
    "${corpus_args[@]}" "${args[@]}"
  exit
fi

max_load=${MAX_LOAD:-1.5}
waited=0
until awk -v max="$max_load" '{ exit !($1 < max) }' /proc/loadavg || ((waited >= ${MAX_WAIT:-900})); do
  ((waited % 60 == 0)) && note "waiting for the 1-minute load to fall below $max_load"
  sleep 10
  waited=$((waited + 10))
done
note "start $label (waited ${waited} s for load < $max_load)"

md="$results/text-quality-$label.md"
# --add-modules jdk.incubator.vector: the SIMD distance kernel, as config.yaml gives the job.
# shellcheck disable=SC2086
java -Xmx6g ${BENCH_JVM_OPTS:-} $OPENS --add-modules jdk.incubator.vector -cp "$CP" \
  io.vectorstream.bench.text.TextQualityBench --log "$results/text-quality-$label.log" \
  --results "$results/text-quality-results.md" --commit "$commit" --command "$command" \
  "${corpus_args[@]}" "${args[@]}" 2>&1 \
  | grep --line-buffered -v 'Using incubator modules' | tee "$md"
note "end $label"
