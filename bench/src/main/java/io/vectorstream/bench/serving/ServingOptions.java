package io.vectorstream.bench.serving;

import io.vectorstream.bench.data.Flags;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * The serving bench's settings, read once from its {@code --name value} arguments.
 *
 * @param vectors base vectors to ingest, the first ones of the set; 0 for all
 * @param clients the eventual-consistency load levels, in the order run
 * @param strongClients the strong-consistency level; 0 for none
 * @param shards the collection's shards, overriding {@code config.yaml}; 0 to keep it
 * @param overrides {@code --set key=value} settings in the order given, applied last to the job's
 *     configuration
 * @param ingestTimeout how long publishing, indexing and the background builds after it may take
 *     together
 * @param results where the machine-readable result and the ground truth of a subset go
 */
record ServingOptions(
        Path data,
        int vectors,
        Duration window,
        Duration warmup,
        int[] clients,
        int strongClients,
        int parallelism,
        int shards,
        Map<String, String> overrides,
        Duration ingestTimeout,
        String label,
        Path log,
        Path results,
        Path configDir) {

    static final String USAGE =
            String.join(
                    "\n",
                    "usage: bench/run-serving.sh --data DIR [options]",
                    "  --vectors N            base vectors to ingest, the first N (0 = all)",
                    "  --seconds S            measured seconds per level (20)",
                    "  --warmup-seconds S     unmeasured seconds before each level (5)",
                    "  --clients 1,8,32,64    concurrent clients of the eventual levels",
                    "  --strong-clients N     concurrent clients of the strong level (8; 0 = none)",
                    "  --parallelism N        the job's parallelism and task slots (2)",
                    "  --shards N             the collection's shards (config.yaml's by default)",
                    "  --set key=value        any Flink or vectorstream.* setting, applied last;"
                            + " repeatable",
                    "  --ingest-minutes M     most minutes to publish, index and settle builds"
                            + " (30)",
                    "  --label NAME           names the run in the tables and result files (run)",
                    "  --log FILE             the job's log (bench/results/serving.log)",
                    "  --results DIR          where serving-LABEL.tsv goes (bench/results)",
                    "  --config-dir DIR       the config.yaml to start from (config)");

    static ServingOptions parse(String[] args) {
        Flags f =
                Flags.parse(
                        args,
                        Set.of(
                                "data",
                                "vectors",
                                "seconds",
                                "warmup-seconds",
                                "clients",
                                "strong-clients",
                                "parallelism",
                                "shards",
                                "set",
                                "ingest-minutes",
                                "label",
                                "log",
                                "results",
                                "config-dir"),
                        USAGE);
        String data = f.string("data", "");
        if (data.isEmpty()) {
            throw new IllegalArgumentException("--data DIR is required\n" + USAGE);
        }
        Map<String, String> overrides = JobSettings.parseOverrides(f.all("set"));
        int[] clients =
                Arrays.stream(f.string("clients", "1,8,32,64").split(","))
                        .mapToInt(s -> Integer.parseInt(s.trim()))
                        .toArray();
        if (Arrays.stream(clients).anyMatch(c -> c <= 0)) {
            throw new IllegalArgumentException("--clients takes positive counts, e.g. 1,8,32,64");
        }
        int shards = f.integer("shards", 0);
        if (shards < 0) {
            throw new IllegalArgumentException("--shards takes a positive count (0 = config)");
        }
        return new ServingOptions(
                Paths.get(data),
                f.integer("vectors", 0),
                Duration.ofSeconds(f.integer("seconds", 20)),
                Duration.ofSeconds(f.integer("warmup-seconds", 5)),
                clients,
                f.integer("strong-clients", 8),
                f.integer("parallelism", 2),
                shards,
                overrides,
                Duration.ofMinutes(f.integer("ingest-minutes", 30)),
                f.string("label", "run"),
                Paths.get(f.string("log", "bench/results/serving.log")),
                Paths.get(f.string("results", "bench/results")),
                Paths.get(f.string("config-dir", "config")));
    }
}
