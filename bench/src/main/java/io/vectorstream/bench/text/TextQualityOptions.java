package io.vectorstream.bench.text;

import io.vectorstream.bench.data.Flags;
import io.vectorstream.bench.serving.JobSettings;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The text quality bench's settings, read once from its {@code --name value} arguments and the one
 * flag without a value, {@code --dry-run}.
 *
 * @param packages {@code apt-cache dumpavail} output
 * @param translations apt's {@code Translation-en} files, plain text (may be empty: then only
 *     packages whose long description is in {@code packages} itself are documents)
 * @param docs documents to publish, a seeded sample of the packages with a long description; {@link
 *     Integer#MAX_VALUE} for all
 * @param queries queries per mode, a seeded sample of the documents' unique synopses
 * @param modes the search modes run, in order
 * @param inFlight queries in flight per mode (closed loop)
 * @param warmup unmeasured queries per mode before the measured ones
 * @param queryTimeoutMs each query's {@code timeoutMs} (the job's wait)
 * @param overrides {@code --set key=value} settings of the job, applied last
 * @param ingestTimeout how long publishing, embedding, indexing and the wait for rest may take
 * @param command the command line to print with the results
 */
record TextQualityOptions(
        Path packages,
        List<Path> translations,
        int docs,
        int queries,
        long seed,
        List<String> modes,
        int k,
        int inFlight,
        int warmup,
        int queryTimeoutMs,
        String collection,
        String embedder,
        int dimension,
        int parallelism,
        Map<String, String> overrides,
        Duration ingestTimeout,
        String label,
        String commit,
        String command,
        Path log,
        Path results,
        Path configDir,
        boolean dryRun) {

    static final List<String> ALL_MODES = List.of("keyword", "vector", "hybrid");

    static final String USAGE =
            String.join(
                    "\n",
                    "usage: bench/run-text-quality.sh [options]",
                    "  --packages FILE          apt-cache dumpavail output (the script writes"
                            + " bench/data/debian-text/dumpavail.txt)",
                    "  --translations F1,F2     apt Translation-en files, plain text: the long"
                            + " descriptions by Description-md5 (none: only inline ones)",
                    "  --docs N                 documents, a seeded sample of the packages with a"
                            + " long description (0 = all)",
                    "  --queries N              queries, a seeded sample of the documents'"
                            + " unshared synopses (1000)",
                    "  --seed S                 the sampling seed (42)",
                    "  --modes keyword,vector,hybrid  the search modes run, in order",
                    "  --k K                    hits per query; hit@10 and MRR@10 need 10 (10)",
                    "  --in-flight N            queries in flight per mode, closed loop (8)",
                    "  --warmup N               unmeasured queries per mode first (50)",
                    "  --query-timeout-ms T     each query's timeoutMs, the job's wait (30000)",
                    "  --collection NAME        the collection created (debian)",
                    "  --embedder NAME          its embedder (all-minilm-l6-v2)",
                    "  --dimension D            its dimension, the embedder's (384)",
                    "  --parallelism N          the job's parallelism and task slots (2)",
                    "  --set key=value          any Flink or vectorstream.* setting of the job,"
                            + " applied last; repeatable",
                    "  --ingest-minutes M       most minutes to publish, embed, index and settle"
                            + " (120)",
                    "  --label NAME             names the run (run)",
                    "  --commit TEXT            the commit measured, for the report",
                    "  --command TEXT           the command line, for the report",
                    "  --log FILE               the job's log (bench/results/text-quality.log)",
                    "  --results FILE           the report is appended here"
                            + " (bench/results/text-quality-results.md)",
                    "  --config-dir DIR         the config.yaml to start from (config)",
                    "  --dry-run                parse the corpus, print counts and samples, start"
                            + " nothing");

    static TextQualityOptions parse(String[] args) {
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        boolean dryRun = rest.remove("--dry-run");
        Flags f =
                Flags.parse(
                        rest.toArray(new String[0]),
                        Set.of(
                                "packages",
                                "translations",
                                "docs",
                                "queries",
                                "seed",
                                "modes",
                                "k",
                                "in-flight",
                                "warmup",
                                "query-timeout-ms",
                                "collection",
                                "embedder",
                                "dimension",
                                "parallelism",
                                "set",
                                "ingest-minutes",
                                "label",
                                "commit",
                                "command",
                                "log",
                                "results",
                                "config-dir"),
                        USAGE);
        String packages = f.string("packages", "");
        if (packages.isEmpty()) {
            throw new IllegalArgumentException("--packages FILE is required\n" + USAGE);
        }
        List<Path> translations = new ArrayList<>();
        for (String t : f.string("translations", "").split(",")) {
            if (!t.isBlank()) {
                translations.add(Paths.get(t.trim()));
            }
        }
        List<String> modes = new ArrayList<>();
        for (String m : f.string("modes", String.join(",", ALL_MODES)).split(",")) {
            String mode = m.trim().toLowerCase(Locale.ROOT);
            if (!ALL_MODES.contains(mode)) {
                throw new IllegalArgumentException(
                        "--modes takes " + String.join(", ", ALL_MODES) + "; not " + m);
            }
            modes.add(mode);
        }
        int docs = f.integer("docs", 0);
        TextQualityOptions o =
                new TextQualityOptions(
                        Paths.get(packages),
                        List.copyOf(translations),
                        docs <= 0 ? Integer.MAX_VALUE : docs,
                        f.integer("queries", 1000),
                        f.longValue("seed", 42),
                        List.copyOf(modes),
                        f.integer("k", 10),
                        f.integer("in-flight", 8),
                        f.integer("warmup", 50),
                        f.integer("query-timeout-ms", 30_000),
                        f.string("collection", "debian"),
                        f.string("embedder", "all-minilm-l6-v2"),
                        f.integer("dimension", 384),
                        f.integer("parallelism", 2),
                        JobSettings.parseOverrides(f.all("set")),
                        Duration.ofMinutes(f.integer("ingest-minutes", 120)),
                        f.string("label", "run"),
                        f.string("commit", "unknown"),
                        f.string("command", "TextQualityBench " + String.join(" ", args)),
                        Paths.get(f.string("log", "bench/results/text-quality.log")),
                        Paths.get(f.string("results", "bench/results/text-quality-results.md")),
                        Paths.get(f.string("config-dir", "config")),
                        dryRun);
        if (o.queries() < 1
                || o.k() < 1
                || o.inFlight() < 1
                || o.warmup() < 0
                || o.queryTimeoutMs() < 1
                || o.dimension() < 1
                || o.parallelism() < 1) {
            throw new IllegalArgumentException(
                    "--queries, --k, --in-flight, --query-timeout-ms, --dimension and"
                            + " --parallelism take positive numbers, --warmup one of at least 0\n"
                            + USAGE);
        }
        return o;
    }
}
