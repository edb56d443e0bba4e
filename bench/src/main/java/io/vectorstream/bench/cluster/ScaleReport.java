package io.vectorstream.bench.cluster;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * What one scale-out run measured, as Markdown to paste into BENCHMARKS.md (the run's description,
 * then three tables: the steps, what each vertex that moved records spent in them, what each
 * process spent) and as a long-format TSV (every vertex, and Flink's own busyTimeMsPerSecond too)
 * with one {@code phase, setup, step, subject, measure, value} row per figure. Not thread-safe.
 */
final class ScaleReport {

    /**
     * One measured step of a phase.
     *
     * @param rate vectors/s or queries/s ({@link #unit}); NaN for none
     * @param recall recall@10, NaN for none
     * @param p50Ms round-trip median, NaN for none
     */
    record Step(
            String phase,
            String setup,
            String name,
            double rate,
            String unit,
            double seconds,
            double recall,
            double p50Ms,
            double p99Ms,
            String notes,
            WindowLoad load) {}

    /**
     * Steps shorter than this are marked † in the vertex table: an idle task's busy time reads up
     * to 5 s high until Flink's next metric update (see {@link CounterRate}), which a short step
     * cannot average out.
     */
    static final double STEADY_SECONDS = 10;

    private final String title;
    private final List<String> description = new ArrayList<>();
    private final List<Step> steps = new ArrayList<>();

    ScaleReport(String title) {
        this.title = title;
    }

    /** A line of the run's description, above the tables. */
    void describe(String line) {
        description.add(line);
    }

    void add(Step step) {
        steps.add(step);
    }

    String markdown() {
        StringWriter out = new StringWriter();
        PrintWriter w = new PrintWriter(out);
        w.println("### " + title);
        w.println();
        description.forEach(line -> w.println("- " + line));
        w.println();
        w.println(
                "| phase | setup | step | rate | seconds | recall@10 | round trip p50 / p99 ms |"
                        + " notes |");
        w.println("|---|---|---|---:|---:|---:|---:|---|");
        for (Step s : steps) {
            w.printf(
                    Locale.ROOT,
                    "| %s | %s | %s | %s | %.1f | %s | %s | %s |%n",
                    s.phase(),
                    s.setup(),
                    s.name(),
                    Double.isNaN(s.rate())
                            ? ""
                            : String.format(Locale.ROOT, "%,.0f %s", s.rate(), s.unit()),
                    s.seconds(),
                    Double.isNaN(s.recall()) ? "" : String.format(Locale.ROOT, "%.4f", s.recall()),
                    Double.isNaN(s.p50Ms())
                            ? ""
                            : String.format(Locale.ROOT, "%.1f / %.1f", s.p50Ms(), s.p99Ms()),
                    s.notes());
        }
        w.println();
        w.println(
                "| phase | step | vertex | p | records in/s | records out/s | busy ms/s (sum) |"
                        + " busiest subtask | records/s per busy core |");
        w.println("|---|---|---|---:|---:|---:|---:|---:|---:|");
        for (Step s : steps) {
            String step = s.name() + (s.load().seconds() < STEADY_SECONDS ? " †" : "");
            for (WindowLoad.VertexLoad v : s.load().vertices()) {
                if (!v.movedRecords()) {
                    continue;
                }
                w.printf(
                        Locale.ROOT,
                        "| %s | %s | %s | %d | %s | %s | %s | %s | %s |%n",
                        s.phase(),
                        step,
                        v.name(),
                        v.parallelism(),
                        number(v.recordsInPerSecond(), "%,.0f"),
                        number(v.recordsOutPerSecond(), "%,.0f"),
                        number(v.busyMsPerSecond(), "%,.0f"),
                        number(100 * v.busiestSubtaskShare(), "%.0f %%"),
                        number(v.recordsPerBusyCore(), "%,.0f"));
            }
        }
        w.println();
        TreeSet<String> processes = new TreeSet<>();
        steps.forEach(s -> processes.addAll(s.load().processCores().keySet()));
        w.println(
                "| phase | step | seconds | "
                        + String.join(" | ", processes)
                        + " | all (CPU cores used) |");
        w.println("|---|---|---:|" + "---:|".repeat(processes.size() + 1));
        for (Step s : steps) {
            StringBuilder row = new StringBuilder();
            row.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %s | %.1f |",
                            s.phase(),
                            s.name(),
                            s.load().seconds()));
            double all = 0;
            for (String p : processes) {
                Double cores = s.load().processCores().get(p);
                row.append(' ').append(cores == null ? "" : number(cores, "%.2f")).append(" |");
                all += cores == null || cores.isNaN() ? 0 : cores;
            }
            row.append(String.format(Locale.ROOT, " %.2f |", all));
            w.println(row);
        }
        w.flush();
        return out.toString();
    }

    /** Writes {@link #markdown} to {@code md} and every figure to {@code tsv}. */
    void write(Path md, Path tsv) throws IOException {
        Files.createDirectories(md.toAbsolutePath().getParent());
        Files.writeString(md, markdown(), StandardCharsets.UTF_8);
        try (PrintWriter w =
                new PrintWriter(Files.newBufferedWriter(tsv, StandardCharsets.UTF_8))) {
            description.forEach(line -> w.println("# " + line));
            w.println(String.join("\t", "phase", "setup", "step", "subject", "measure", "value"));
            for (Step s : steps) {
                String step = s.phase() + "\t" + s.setup() + "\t" + s.name() + "\t";
                row(w, step + "run", "rate_per_s", s.rate());
                row(w, step + "run", "seconds", s.seconds());
                row(w, step + "run", "recall_at_10", s.recall());
                row(w, step + "run", "rt_p50_ms", s.p50Ms());
                row(w, step + "run", "rt_p99_ms", s.p99Ms());
                for (WindowLoad.VertexLoad v : s.load().vertices()) {
                    String subject = step + v.name();
                    row(w, subject, "parallelism", v.parallelism());
                    row(w, subject, "records_in_per_s", v.recordsInPerSecond());
                    row(w, subject, "records_out_per_s", v.recordsOutPerSecond());
                    row(w, subject, "busy_ms_per_s", v.busyMsPerSecond());
                    row(w, subject, "busiest_subtask_share", v.busiestSubtaskShare());
                    row(w, subject, "records_per_busy_core", v.recordsPerBusyCore());
                    row(w, subject, "flink_busy_ms_per_s_at_end", v.flinkBusyMsPerSecond());
                }
                for (Map.Entry<String, Double> p : s.load().processCores().entrySet()) {
                    row(w, step + "process " + p.getKey(), "cpu_cores", p.getValue());
                }
            }
        }
    }

    private static void row(PrintWriter w, String prefix, String measure, double value) {
        if (!Double.isNaN(value)) {
            w.println(prefix + "\t" + measure + "\t" + String.format(Locale.ROOT, "%.4f", value));
        }
    }

    private static String number(double value, String format) {
        return Double.isNaN(value) ? "" : String.format(Locale.ROOT, format, value);
    }
}
