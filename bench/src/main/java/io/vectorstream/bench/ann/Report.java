package io.vectorstream.bench.ann;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Collects build reports and sweep points, prints them as Markdown as they come, and writes the two
 * CSV files the chart and the ratio script read: {@code NAME.csv} (algorithm, param, recall, qps)
 * and {@code NAME-build.csv}. Not thread-safe.
 */
final class Report {

    private final PrintStream console;
    private final List<BuildReport> builds = new ArrayList<>();
    private final List<SweepPoint> points = new ArrayList<>();
    private String tableOf;

    Report(PrintStream console) {
        this.console = console;
    }

    void build(BuildReport b) {
        builds.add(b);
        console.printf(
                Locale.ROOT,
                "%n#### %s (%s)%n%n| vectors | train s | insert s | inserts/s | build vectors/s |"
                        + " wall s | bytes/vector%s |%n|---:|---:|---:|---:|---:|---:|---:|%n"
                        + "| %,d | %.1f | %.1f | %,.0f | %,.0f | %.1f | %,.0f%s |%n",
                b.algorithm(),
                b.settings(),
                b.codeBytes() < 0 ? "" : " (codes only)",
                b.vectors(),
                b.trainSeconds(),
                b.insertSeconds(),
                b.insertsPerSecond(),
                b.buildThroughput(),
                b.wallSeconds(),
                b.bytesPerVector(),
                b.codeBytes() < 0
                        ? ""
                        : String.format(Locale.ROOT, " (%,.0f)", b.codeBytesPerVector()));
        console.flush();
    }

    void point(SweepPoint p) {
        if (!p.algorithm().equals(tableOf)) {
            tableOf = p.algorithm();
            console.printf(
                    Locale.ROOT,
                    "%n%s:%n%n| %s | recall | QPS (CPU time) | QPS (wall)"
                            + " |%n|---:|---:|---:|---:|%n",
                    p.algorithm(),
                    p.paramName());
        }
        points.add(p);
        console.printf(
                Locale.ROOT,
                "| %d | %.4f | %,.0f | %,.0f |%n",
                p.param(),
                p.recall(),
                p.qps(),
                p.qpsWall());
        console.flush();
    }

    /** Writes {@code dir/NAME.csv} and {@code dir/NAME-build.csv}. */
    void writeCsv(Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        try (PrintWriter w =
                new PrintWriter(
                        Files.newBufferedWriter(
                                dir.resolve(name + ".csv"), StandardCharsets.UTF_8))) {
            w.println("algorithm,param,recall,qps,qps_wall");
            for (SweepPoint p : points) {
                w.printf(
                        Locale.ROOT,
                        "%s,%d,%.5f,%.1f,%.1f%n",
                        p.algorithm(),
                        p.param(),
                        p.recall(),
                        p.qps(),
                        p.qpsWall());
            }
        }
        try (PrintWriter w =
                new PrintWriter(
                        Files.newBufferedWriter(
                                dir.resolve(name + "-build.csv"), StandardCharsets.UTF_8))) {
            w.println(
                    "algorithm,settings,vectors,train_s,insert_s,build_vectors_per_s,"
                            + "wall_s,bytes_per_vector,code_bytes_per_vector");
            for (BuildReport b : builds) {
                w.printf(
                        Locale.ROOT,
                        "%s,%s,%d,%.3f,%.3f,%.1f,%.3f,%.1f,%s%n",
                        b.algorithm(),
                        b.settings(),
                        b.vectors(),
                        b.trainSeconds(),
                        b.insertSeconds(),
                        b.buildThroughput(),
                        b.wallSeconds(),
                        b.bytesPerVector(),
                        b.codeBytes() < 0
                                ? ""
                                : String.format(Locale.ROOT, "%.1f", b.codeBytesPerVector()));
            }
        }
    }
}
