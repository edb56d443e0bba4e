package io.vectorstream.bench.serving;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one serving run measured, as the Markdown tables a reader sees and as a tab-separated file
 * the scripts in {@code bench/anchors/} read ({@code serving_anchor.py}, {@code serving_chart.py}).
 * The TSV starts with {@code # key<TAB>value} lines describing the run (data set, vectors, HNSW
 * parameters, ground truth file), then one header row and one row per level. Not thread-safe.
 */
final class ServingReport {

    /**
     * One load level.
     *
     * @param searchP50Micros the slower index subtask's median search time over its last 1000
     *     searches
     * @param searchP99Micros the same subtasks' largest 99th percentile
     */
    record Level(QueryLoad.Result result, long searchP50Micros, long searchP99Micros) {}

    /**
     * The ingest before the levels, in seconds from the first publish.
     *
     * @param settledSeconds when no background segment build was in flight any more
     * @param segments the shards' segments once settled, in words
     */
    record Ingest(
            int vectors,
            int dimension,
            String metric,
            double ackedSeconds,
            double indexedSeconds,
            double settledSeconds,
            String segments) {}

    private static final String LEVEL_HEADER =
            "| run | clients | consistency | queries/s | p50 ms | p95 ms | p99 ms | recall@10 |"
                    + " in-job p50 / p99 ms | index search p50 / p99 ms | refused / partial /"
                    + " failed |";

    private static final String TSV_HEADER =
            String.join(
                    "\t",
                    "label",
                    "clients",
                    "consistency",
                    "qps",
                    "rt_p50_ms",
                    "rt_p95_ms",
                    "rt_p99_ms",
                    "recall",
                    "injob_p50_ms",
                    "injob_p99_ms",
                    "search_p50_ms",
                    "search_p99_ms",
                    "refused",
                    "partial",
                    "failed");

    private final String label;
    private final List<Level> levels = new ArrayList<>();
    private Ingest ingest;

    ServingReport(String label) {
        this.label = label;
    }

    void ingest(Ingest i) {
        ingest = i;
    }

    /** Adds a level; its Markdown row. */
    String level(Level l) {
        levels.add(l);
        return markdown(l);
    }

    void printMarkdown(PrintStream out) {
        out.println();
        out.println(LEVEL_HEADER);
        out.println("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        levels.forEach(l -> out.println(markdown(l)));
        if (ingest != null) {
            out.println();
            out.println(
                    "| run | ingest | vectors/s, first publish to all indexed | publish acked |"
                            + " then builds settled after | segments |");
            out.println("|---|---|---:|---:|---:|---|");
            out.printf(
                    Locale.ROOT,
                    "| %s | %,d x %d, %s | %,.0f (%.1f s) | %,.0f/s (%.1f s) | %.1f s | %s |%n",
                    label,
                    ingest.vectors(),
                    ingest.dimension(),
                    ingest.metric(),
                    ingest.vectors() / ingest.indexedSeconds(),
                    ingest.indexedSeconds(),
                    ingest.vectors() / ingest.ackedSeconds(),
                    ingest.ackedSeconds(),
                    ingest.settledSeconds() - ingest.indexedSeconds(),
                    ingest.segments());
        }
    }

    /** Writes the run description {@code meta} and the levels to {@code file}. */
    void writeTsv(Path file, Map<String, String> meta) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (PrintWriter w =
                new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8))) {
            meta.forEach((k, v) -> w.println("# " + k + "\t" + v));
            w.println(TSV_HEADER);
            for (Level l : levels) {
                w.println(
                        String.format(
                                Locale.ROOT,
                                "%s\t%d\t%s\t%.1f\t%.2f\t%.2f\t%.2f\t%.5f\t%d\t%d\t%.3f\t%.3f\t%d"
                                        + "\t%d\t%d",
                                columns(l)));
            }
        }
    }

    private String markdown(Level l) {
        return String.format(
                Locale.ROOT,
                "| %s | %d | %s | %,.0f | %.1f | %.1f | %.1f | %.4f | %d / %d | %.2f / %.2f | %d"
                        + " / %d / %d |",
                columns(l));
    }

    /** A level's columns, in the order of both the TSV and the Markdown row. */
    private Object[] columns(Level l) {
        QueryLoad.Result r = l.result();
        return new Object[] {
            label,
            r.clients(),
            r.consistency(),
            r.queriesPerSecond(),
            r.roundTripMs(0.50),
            r.roundTripMs(0.95),
            r.roundTripMs(0.99),
            r.recall(),
            r.tookMs(0.50),
            r.tookMs(0.99),
            l.searchP50Micros() / 1000.0,
            l.searchP99Micros() / 1000.0,
            r.errors(),
            r.incomplete() - r.errors(),
            r.failed()
        };
    }
}
