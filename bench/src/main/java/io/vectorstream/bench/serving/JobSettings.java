package io.vectorstream.bench.serving;

import io.vectorstream.bench.ann.AnnDataSet;
import io.vectorstream.operators.VectorStreamOptions;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;

/**
 * The job's configuration for one serving run, in the order it is built: {@code config.yaml} as it
 * is, the data set's dimension and metric, the run's parallelism and free ports, {@code --shards},
 * then every {@code --set key=value}, so a {@code --set} wins over everything. A {@code
 * vectorstream.*} key must name a {@link VectorStreamOptions} option (or a Kafka property), and its
 * value must parse, so a typo fails the run before the job starts instead of measuring the default.
 * Stateless.
 */
public final class JobSettings {

    /** Keys outside {@link VectorStreamOptions} that the header shows even when not overridden. */
    private static final List<String> SHOWN_FLINK_KEYS = List.of("parallelism.default");

    private JobSettings() {}

    /**
     * @param restPort the Flink REST port the bench reads metrics from (a {@code --set rest.port}
     *     replaces it: read it back with {@code RestOptions.PORT})
     * @param fetchIntervalMs {@code metrics.fetcher.update-interval}: how stale REST metrics may be
     */
    static Configuration of(
            ServingOptions o, AnnDataSet ds, int restPort, int prometheusPort, long fetchIntervalMs)
            throws IOException {
        return of(
                o.configDir(),
                ds,
                o.parallelism(),
                o.shards(),
                restPort,
                prometheusPort,
                fetchIntervalMs,
                o.overrides());
    }

    /**
     * The same for any bench that runs the job on a data set.
     *
     * @param shards the collection's shards; 0 leaves config.yaml's
     * @param overrides every {@code --set key=value}, applied last
     */
    public static Configuration of(
            Path configDir,
            AnnDataSet ds,
            int parallelism,
            int shards,
            int restPort,
            int prometheusPort,
            long fetchIntervalMs,
            Map<String, String> overrides)
            throws IOException {
        Configuration conf = GlobalConfiguration.loadConfiguration(configDir.toString());
        conf.setString("vectorstream.collection.dimension", String.valueOf(ds.dimension()));
        conf.setString(
                "vectorstream.collection.metric", ds.metric().name().toLowerCase(Locale.ROOT));
        conf.setString("parallelism.default", String.valueOf(parallelism));
        conf.setString("taskmanager.numberOfTaskSlots", String.valueOf(parallelism));
        conf.setString("rest.bind-address", "localhost");
        conf.setString("rest.port", String.valueOf(restPort));
        conf.setString("metrics.reporter.prom.port", String.valueOf(prometheusPort));
        conf.setString("metrics.fetcher.update-interval", String.valueOf(fetchIntervalMs));
        if (shards > 0) {
            conf.set(VectorStreamOptions.SHARDS, shards);
        }
        applyOverrides(conf, overrides);
        return conf;
    }

    /**
     * {@code key=value} settings (the values of a repeatable {@code --set}), in the order given.
     *
     * @throws IllegalArgumentException for one without {@code =} or key
     */
    public static Map<String, String> parseOverrides(List<String> keyValues) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String kv : keyValues) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(
                        "--set takes key=value, e.g. --set vectorstream.index.seal-size=2000; got '"
                                + kv
                                + "'");
            }
            out.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        return out;
    }

    /**
     * Lays {@code overrides} over {@code conf}. A {@code vectorstream.*} key must name a {@link
     * VectorStreamOptions} option (or a Kafka property) and its value must parse.
     *
     * @throws IllegalArgumentException naming the bad key and the keys of its section
     */
    public static void applyOverrides(Configuration conf, Map<String, String> overrides) {
        Map<String, ConfigOption<?>> known = vectorStreamOptions();
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            String key = e.getKey();
            if (key.startsWith("vectorstream.")
                    && !key.startsWith(VectorStreamOptions.KAFKA_PROPERTIES_PREFIX)
                    && !known.containsKey(key)) {
                throw new IllegalArgumentException(
                        "--set "
                                + key
                                + ": no such VectorStream setting; those under "
                                + section(key)
                                + " are "
                                + known.keySet().stream()
                                        .filter(k -> k.startsWith(section(key)))
                                        .collect(Collectors.joining(", "))
                                + " (all in config/config.yaml)");
            }
            conf.setString(key, e.getValue());
            ConfigOption<?> option = known.get(key);
            if (option != null) {
                try {
                    conf.get(option);
                } catch (IllegalArgumentException bad) {
                    throw new IllegalArgumentException(
                            "--set " + key + "=" + e.getValue() + ": " + bad.getMessage(), bad);
                }
            }
        }
    }

    /**
     * The settings of {@code conf} a reader of the results needs: every VectorStream option not at
     * its default, the job's parallelism, and every {@code --set} key, as {@code key=value}.
     */
    public static List<String> nonDefault(Configuration conf, Map<String, String> overrides) {
        Map<String, String> raw = conf.toMap();
        List<String> out = new ArrayList<>();
        vectorStreamOptions()
                .forEach(
                        (key, option) -> {
                            if (!Objects.equals(conf.get(option), option.defaultValue())) {
                                out.add(key + "=" + raw.get(key));
                            }
                        });
        for (String key : SHOWN_FLINK_KEYS) {
            out.add(key + "=" + raw.get(key));
        }
        for (String key : overrides.keySet()) {
            String shown = key + "=" + raw.get(key);
            if (!out.contains(shown)) {
                out.add(shown);
            }
        }
        return out;
    }

    /** Every {@link VectorStreamOptions} constant by key, sorted. */
    private static Map<String, ConfigOption<?>> vectorStreamOptions() {
        Map<String, ConfigOption<?>> out = new TreeMap<>();
        for (Field f : VectorStreamOptions.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == ConfigOption.class) {
                try {
                    ConfigOption<?> option = (ConfigOption<?>) f.get(null);
                    out.put(option.key(), option);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return out;
    }

    /** {@code vectorstream.index.hnsw.m} → {@code vectorstream.index.} */
    private static String section(String key) {
        int second = key.indexOf('.', "vectorstream.".length());
        return second < 0 ? "vectorstream." : key.substring(0, second + 1);
    }
}
