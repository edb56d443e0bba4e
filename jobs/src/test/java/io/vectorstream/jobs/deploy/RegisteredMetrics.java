package io.vectorstream.jobs.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The operator metrics the job's sources register, under the names Flink's Prometheus reporter
 * gives them: {@code flink_taskmanager_job_task_operator_<groups>_<name>}.
 *
 * <p>Read from the Java text, so that a dashboard or an alert naming a metric that was renamed or
 * removed fails a test. It follows metric groups through local variables and fields ({@code g =
 * group.addGroup("shard", s)}) within one file; a key/value group contributes its key to the name
 * (the value becomes a label). Only literal names are seen: a metric named by a constant is missed,
 * which a test then reports as unknown.
 */
final class RegisteredMetrics {

    /** What the reporter exports for one metric kind. */
    enum Kind {
        COUNTER,
        GAUGE,
        METER,
        HISTOGRAM
    }

    static final String OPERATOR_SCOPE = "flink_taskmanager_job_task_operator_";

    /** {@code .addGroup("key"[, value])}, the value allowing one level of nested parentheses. */
    private static final String ADD_GROUP =
            "\\s*\\.\\s*addGroup\\s*\\(\\s*\"([^\"]+)\"(?:[^()]|\\([^()]*\\))*\\)";

    private static final Pattern GROUP_CALL = Pattern.compile(ADD_GROUP);

    /**
     * {@code base.addGroup(..)...addGroup(..)} ending the statement: a group kept in a variable.
     */
    private static final Pattern GROUP_ASSIGNMENT =
            Pattern.compile("(\\w+)\\s*=\\s*[^=]*?(\\w+|\\))((?:" + ADD_GROUP + ")+)\\s*$");

    /** {@code base[.addGroup(..)...].counter("name"} and the other metric kinds. */
    private static final Pattern REGISTRATION =
            Pattern.compile(
                    "(\\w+|\\))((?:"
                            + ADD_GROUP
                            + ")*)\\s*\\.\\s*(counter|gauge|meter|histogram)\\s*\\(\\s*\"([^\"]+)\"");

    private RegisteredMetrics() {}

    /** Prometheus name → kind of every metric registered in the {@code .java} files under roots. */
    static Map<String, Kind> scan(Path... roots) {
        Map<String, Kind> out = new TreeMap<>();
        for (Path root : roots) {
            try (Stream<Path> files = Files.walk(root)) {
                files.filter(f -> f.toString().endsWith(".java"))
                        .forEach(f -> out.putAll(scanSource(read(f))));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    /** The metrics registered in one Java source text. */
    static Map<String, Kind> scanSource(String source) {
        String code = source.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\n]*", " ");
        Map<String, String> groupOf = new HashMap<>();
        Map<String, Kind> out = new TreeMap<>();
        // Statements in order (lambda bodies split at braces), so a variable's group is the one
        // assigned last before its use.
        for (String statement : code.replaceAll("\\s+", " ").split("[;{}]")) {
            Matcher reg = REGISTRATION.matcher(statement);
            while (reg.find()) {
                String prefix = join(groupOf.getOrDefault(reg.group(1), ""), groups(reg.group(2)));
                Kind kind = Kind.valueOf(reg.group(reg.groupCount() - 1).toUpperCase());
                out.put(OPERATOR_SCOPE + join(prefix, reg.group(reg.groupCount())), kind);
            }
            Matcher assign = GROUP_ASSIGNMENT.matcher(statement);
            if (assign.find()) {
                String base = groupOf.getOrDefault(assign.group(2), "");
                groupOf.put(assign.group(1), join(base, groups(assign.group(3))));
            }
        }
        return out;
    }

    /** Names a Prometheus query may use for the metrics in {@code registered}. */
    static Map<String, Kind> exportedNames(Map<String, Kind> registered) {
        Map<String, Kind> out = new TreeMap<>(registered);
        // Histograms are summaries: quantile series under the name, plus a _count series.
        registered.forEach(
                (name, kind) -> {
                    if (kind == Kind.HISTOGRAM) {
                        out.put(name + "_count", Kind.COUNTER);
                    }
                });
        return out;
    }

    private static String groups(String chain) {
        Matcher m = GROUP_CALL.matcher(chain);
        String prefix = "";
        while (m.find()) {
            prefix = join(prefix, m.group(1));
        }
        return prefix;
    }

    private static String join(String a, String b) {
        return a.isEmpty() ? b : b.isEmpty() ? a : a + "_" + b;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
