package io.vectorstream.bench.data;

import io.vectorstream.state.vector.Metric;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The {@code dataset.properties} file next to {@code base.fvecs}, {@code query.fvecs} and {@code
 * groundtruth.ivecs}: which metric the ground truth was computed with and how the set was made, so
 * the Java bench and the Python anchors cannot disagree on the metric.
 */
public record DataSetInfo(String name, Metric metric, Map<String, String> details) {

    public static final String FILE = "dataset.properties";

    public void write(Path dir) throws IOException {
        Properties p = new Properties();
        p.setProperty("name", name);
        p.setProperty("metric", metric.name().toLowerCase(Locale.ROOT));
        details.forEach(p::setProperty);
        try (Writer w = Files.newBufferedWriter(dir.resolve(FILE), StandardCharsets.UTF_8)) {
            p.store(w, "written by io.vectorstream.bench.data");
        }
    }

    public static DataSetInfo read(Path dir) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(dir.resolve(FILE), StandardCharsets.UTF_8)) {
            p.load(r);
        }
        Map<String, String> details = new TreeMap<>();
        for (String key : p.stringPropertyNames()) {
            if (!key.equals("name") && !key.equals("metric")) {
                details.put(key, p.getProperty(key));
            }
        }
        return new DataSetInfo(
                p.getProperty("name", dir.getFileName().toString()),
                Metric.parse(p.getProperty("metric", "cosine")),
                details);
    }
}
